package nems

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
)

// What the SQLite and PostgreSQL stores share: the query text where the
// dialects agree, and the Go on either side of it (arguments, row scans,
// assembling results). The SQL is written with SQLite's ? placeholders;
// the PostgreSQL store numbers them with dollars.

// dollars numbers the ? placeholders of q as $1, $2, ... for PostgreSQL.
// The shared queries hold no ? other than placeholders.
func dollars(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

const (
	subscriptionColumns = `s.id, s.owner_asid, s.mailbox, s.criteria, s.nhs_number, s.events, s.tag, s.dup_key, s.body, s.format, s.created, s.end_at, s.version`

	insertSubscription = `INSERT INTO subscriptions
		(id, owner_asid, mailbox, criteria, nhs_number, events, tag, dup_key, body, format, created, end_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertSubscriptionEvent = "INSERT INTO subscription_events (subscription_id, nhs_number, event_type) VALUES (?, ?, ?)"
	insertSubscriptionRule  = "INSERT INTO subscription_rules (subscription_id, rule_type, organization, event_type) VALUES (?, ?, ?, ?)"

	selectSubscription = "SELECT " + subscriptionColumns + " FROM subscriptions s WHERE s.id = ?"
	explicitCandidates = "SELECT " + subscriptionColumns + ` FROM subscription_events e
		JOIN subscriptions s ON s.id = e.subscription_id
		WHERE e.nhs_number = ? AND e.event_type = ? ORDER BY s.created, s.id`
	genericCandidates = "SELECT " + subscriptionColumns + ` FROM subscription_rules r
		JOIN subscriptions s ON s.id = r.subscription_id
		WHERE r.rule_type = ? AND r.organization = ? AND r.event_type = ? ORDER BY s.created, s.id`

	insertEvent = `INSERT INTO events (id, event_type, nhs_number, from_asid, content_type, body, received, matches, withheld)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	insertDelivery = `INSERT INTO deliveries (id, event_id, mailbox, from_mailbox, workflow_id, partner_id, subject, received)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	eventColumns    = "id, event_type, nhs_number, from_asid, content_type, received, matches, withheld"
	deliveryColumns = "event_id, id, mailbox, from_mailbox, workflow_id, partner_id, subject, acknowledged"
	queuedColumns   = "o.before, e.id, e.event_type, e.nhs_number, e.from_asid, e.content_type, e.body, e.received"

	inboxCount    = "SELECT count(*) FROM deliveries WHERE mailbox = ? AND acknowledged = 0"
	selectMessage = `SELECT d.id, d.from_mailbox, d.mailbox, d.workflow_id, d.partner_id, d.subject,
		e.content_type, e.body, d.received FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.mailbox = ? AND d.id = ?`

	putPatient = `INSERT INTO patients (nhs_number, gp, postcode, flags) VALUES (?, ?, ?, ?)
		ON CONFLICT (nhs_number) DO UPDATE SET gp = excluded.gp, postcode = excluded.postcode, flags = excluded.flags`
	selectPostcodeArea = "SELECT local_authority, icb_sub_location, country FROM postcode_areas WHERE postcode = ?"
	selectPractice     = "SELECT icb_sub_location FROM practices WHERE code = ?"
	selectSeed         = "SELECT value FROM settings WHERE name = 'directory_seed'"
	putSeed            = `INSERT INTO settings (name, value) VALUES ('directory_seed', ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`
)

// scanner is a row: pgx's and database/sql's rows and single rows alike.
type scanner interface{ Scan(...any) error }

// rowSet is a result set of either driver; its caller closes it.
type rowSet interface {
	scanner
	Next() bool
	Err() error
}

// collect appends every row of rows, read by scan, to out.
func collect[T any](rows rowSet, out []T, scan func(scanner) (T, error)) ([]T, error) {
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// lookup answers a read of at most one row: noRows, the driver's "no
// rows" error, is not found rather than an error.
func lookup[T any](v T, err, noRows error) (T, bool, error) {
	var zero T
	if errors.Is(err, noRows) {
		return zero, false, nil
	}
	if err != nil {
		return zero, false, err
	}
	return v, true, nil
}

// subscriptionArgs are insertSubscription's arguments.
func subscriptionArgs(sub Subscription) []any {
	if sub.Version == 0 {
		sub.Version = 1
	}
	return []any{sub.ID, sub.Owner, sub.Mailbox, sub.Criteria, sub.NHSNumber, strings.Join(sub.Events, " "), sub.Tag,
		sub.Key, sub.Body, sub.Format, unixNano(sub.Created), unixNano(sub.End), sub.Version}
}

// subscriptionIndex is the rows that index sub for matching, once per
// event type: subscription_events rows for an explicit subscription,
// subscription_rules rows for a generic one.
func subscriptionIndex(sub Subscription) (explicit, generic [][]any) {
	for _, ev := range uniqueStrings(sub.Events) {
		switch {
		case sub.NHSNumber != "":
			explicit = append(explicit, []any{sub.ID, sub.NHSNumber, ev})
		case sub.RuleType != "":
			generic = append(generic, []any{sub.ID, sub.RuleType, sub.Organization, ev})
		}
	}
	return explicit, generic
}

func scanSubscription(r scanner) (Subscription, error) {
	var sub Subscription
	var events string
	var created, end int64
	err := r.Scan(&sub.ID, &sub.Owner, &sub.Mailbox, &sub.Criteria, &sub.NHSNumber, &events, &sub.Tag, &sub.Key,
		&sub.Body, &sub.Format, &created, &end, &sub.Version)
	sub.Events = strings.Fields(events)
	sub.Created, sub.End = fromNano(created), fromNano(end)
	return sub, err
}

// withRule marks generic candidates with the rule they were found by.
func withRule(subs []Subscription, ruleType, organization string) []Subscription {
	for i := range subs {
		subs[i].RuleType, subs[i].Organization = ruleType, organization
	}
	return subs
}

func matchesJSON(ms []MatchRecord) (string, error) {
	if ms == nil {
		return "[]", nil
	}
	b, err := json.Marshal(ms)
	return string(b), err
}

// eventArgs are insertEvent's arguments.
func eventArgs(ev Event, matches string) []any {
	return []any{ev.ID, ev.EventType, ev.NHSNumber, ev.FromASID, ev.ContentType, ev.Body, unixNano(ev.Received), matches, ev.Withheld}
}

// deliveryArgs are insertDelivery's arguments.
func deliveryArgs(d Delivery, eventID string, received int64) []any {
	return []any{d.ID, eventID, d.Mailbox, d.From, d.WorkflowID, d.PartnerID, d.Subject, received}
}

// scanEvent reads eventColumns.
func scanEvent(r scanner) (Event, error) {
	var ev Event
	var received int64
	var matches string
	if err := r.Scan(&ev.ID, &ev.EventType, &ev.NHSNumber, &ev.FromASID, &ev.ContentType, &received, &matches, &ev.Withheld); err != nil {
		return Event{}, err
	}
	ev.Received = fromNano(received)
	if err := json.Unmarshal([]byte(matches), &ev.Matches); err != nil {
		return Event{}, fmt.Errorf("event %s: matches: %w", ev.ID, err)
	}
	return ev, nil
}

// eventDelivery is a delivery with the event it copies.
type eventDelivery struct {
	eventID string
	Delivery
}

// scanDelivery reads deliveryColumns.
func scanDelivery(r scanner) (eventDelivery, error) {
	var d eventDelivery
	var ack int64
	err := r.Scan(&d.eventID, &d.ID, &d.Mailbox, &d.From, &d.WorkflowID, &d.PartnerID, &d.Subject, &ack)
	d.Acknowledged = ack != 0
	return d, err
}

// eventIDs lists the events' ids, for reading their deliveries.
func eventIDs(events []Event) []string {
	ids := make([]string, len(events))
	for i, ev := range events {
		ids[i] = ev.ID
	}
	return ids
}

// attachDeliveries gives each event its deliveries, in their order.
func attachDeliveries(events []Event, deliveries []eventDelivery) {
	index := make(map[string]int, len(events))
	for i, ev := range events {
		index[ev.ID] = i
	}
	for _, d := range deliveries {
		if i, ok := index[d.eventID]; ok {
			events[i].Deliveries = append(events[i].Deliveries, d.Delivery)
		}
	}
}

// scanQueued reads queuedColumns.
func scanQueued(r scanner) (QueuedEvent, error) {
	var q QueuedEvent
	var before string
	var received int64
	ev := &q.Event
	if err := r.Scan(&before, &ev.ID, &ev.EventType, &ev.NHSNumber, &ev.FromASID, &ev.ContentType, &ev.Body, &received); err != nil {
		return QueuedEvent{}, err
	}
	ev.Received = fromNano(received)
	var err error
	if q.Before, err = parseBefore(ev.ID, before); err != nil {
		return QueuedEvent{}, err
	}
	return q, nil
}

func scanInboxEntry(r scanner) (mesh.InboxEntry, error) {
	var e mesh.InboxEntry
	err := r.Scan(&e.ID, &e.WorkflowID)
	return e, err
}

// scanMessage reads selectMessage.
func scanMessage(r scanner) (mesh.Message, error) {
	var m mesh.Message
	var received int64
	err := r.Scan(&m.ID, &m.From, &m.To, &m.WorkflowID, &m.PartnerID, &m.Subject, &m.ContentType, &m.Body, &received)
	m.Received = fromNano(received)
	return m, err
}

// scanPatient reads patientWithAreas.
func scanPatient(r scanner, nhsNumber string) (PatientRecord, error) {
	p := PatientRecord{NHSNumber: nhsNumber}
	a := &patientAreas{}
	if err := r.Scan(&p.GP, &p.Postcode, &p.Flags,
		&a.hasPractice, &a.practice.ICBSubLocation, &a.hasArea, &a.area.LocalAuthority, &a.area.ICBSubLocation, &a.area.Country); err != nil {
		return PatientRecord{}, err
	}
	a.gp, a.postcode, a.practice.Code, a.area.Postcode = p.GP, p.Postcode, p.GP, normPostcode(p.Postcode)
	p.areas = a
	return p, nil
}

func scanPostcodeArea(r scanner, postcode string) (PostcodeArea, error) {
	a := PostcodeArea{Postcode: postcode}
	err := r.Scan(&a.LocalAuthority, &a.ICBSubLocation, &a.Country)
	return a, err
}

func scanPractice(r scanner, code string) (Practice, error) {
	p := Practice{Code: code}
	err := r.Scan(&p.ICBSubLocation)
	return p, err
}

// directoryTable is one table of the directory with the rows that replace
// its content, normalised as the lookups expect.
type directoryTable struct {
	name    string
	columns []string
	rows    [][]any
}

// directoryTables are e's rows, table by table.
func directoryTables(e DirectoryEntries) []directoryTable {
	patients := make([][]any, 0, len(e.Patients))
	for _, p := range e.Patients {
		patients = append(patients, []any{p.NHSNumber, strings.ToUpper(p.GP), p.Postcode, strings.ToUpper(p.Flags)})
	}
	postcodes := make([][]any, 0, len(e.Postcodes))
	for _, a := range e.Postcodes {
		postcodes = append(postcodes, []any{normPostcode(a.Postcode), a.LocalAuthority, a.ICBSubLocation, a.Country})
	}
	practices := make([][]any, 0, len(e.Practices))
	for _, p := range e.Practices {
		practices = append(practices, []any{strings.ToUpper(p.Code), p.ICBSubLocation})
	}
	return []directoryTable{
		{"patients", []string{"nhs_number", "gp", "postcode", "flags"}, patients},
		{"postcode_areas", []string{"postcode", "local_authority", "icb_sub_location", "country"}, postcodes},
		{"practices", []string{"code", "icb_sub_location"}, practices},
	}
}

// insert is the statement that adds one row to t.
func (t directoryTable) insert() string {
	return "INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(t.columns)-1) + ")"
}
