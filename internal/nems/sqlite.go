package nems

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"

	_ "modernc.org/sqlite" // pure-Go driver "sqlite": the CGO-free build keeps working
)

// DatabaseFile is the name of the SQLite file under the data folder.
const DatabaseFile = "nems.sqlite"

// SQLite is the Store kept in one SQLite file, in WAL mode with
// synchronous=FULL, so that a change is on disk when a call returns.
type SQLite struct {
	db *sql.DB
	// wmu queues this process's writers in Go, in order, rather than in
	// SQLite's busy handler, whose sleeps and retries give concurrent
	// writers long and unfair waits. Other processes on the same file
	// still meet busy_timeout.
	wmu sync.Mutex
}

var _ Store = (*SQLite)(nil)
var _ mesh.Store = (*SQLite)(nil)

// OpenSQLite opens (creating when needed) the database in dir and applies
// the migrations it lacks. A database written by a newer nemsfhir is
// refused rather than guessed at.
func OpenSQLite(ctx context.Context, dir string) (*SQLite, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, DatabaseFile)
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	// BEGIN IMMEDIATE takes the write lock at once, so two writers wait
	// on busy_timeout rather than fail when one upgrades its read lock.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	s := &SQLite{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		db.Close()
		return nil, fmt.Errorf("database %s: journal mode is %q, not WAL (%v)", path, mode, err)
	}
	return s, nil
}

func (s *SQLite) migrate(ctx context.Context) error {
	// schema_version lists the migrations applied. Databases from before
	// it counted them in PRAGMA user_version only: carry that count over.
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY,
		applied INTEGER NOT NULL
	)`); err != nil {
		return err
	}
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	var old int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&old); err != nil {
		return err
	}
	for v := have + 1; v <= old && v <= len(sqliteMigrations); v++ {
		if _, err := s.db.ExecContext(ctx, "INSERT INTO schema_version (version, applied) VALUES (?, ?)", v, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	if have, err = s.SchemaVersion(ctx); err != nil {
		return err
	}
	if have > len(sqliteMigrations) || old > len(sqliteMigrations) {
		return fmt.Errorf("schema version %d is newer than this nemsfhir knows (%d)", max(have, old), len(sqliteMigrations))
	}
	for v := have + 1; v <= len(sqliteMigrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, sqliteMigrations[v-1])
		if err == nil {
			_, err = tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied) VALUES (?, ?)", v, time.Now().UnixNano())
		}
		if err == nil {
			// Kept too, so that an older nemsfhir refuses the database.
			_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}

// SchemaVersion returns the number of the last migration applied.
func (s *SQLite) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

// Close closes the database.
func (s *SQLite) Close() error { return s.db.Close() }

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// CreateSubscription implements Store.
func (s *SQLite) CreateSubscription(ctx context.Context, sub Subscription) (string, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	var existing string
	err = tx.QueryRowContext(ctx, "SELECT id FROM subscriptions WHERE dup_key = ?", sub.Key).Scan(&existing)
	switch {
	case err == nil:
		return existing, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", err
	}
	if sub.Version == 0 {
		sub.Version = 1
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions
		(id, owner_asid, mailbox, criteria, nhs_number, events, tag, dup_key, body, format, created, end_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.Owner, sub.Mailbox, sub.Criteria, sub.NHSNumber, strings.Join(sub.Events, " "), sub.Tag,
		sub.Key, sub.Body, sub.Format, unixNano(sub.Created), unixNano(sub.End), sub.Version)
	if err != nil {
		return "", err
	}
	seen := map[string]bool{}
	for _, ev := range sub.Events {
		if seen[ev] {
			continue
		}
		seen[ev] = true
		var err error
		switch {
		case sub.NHSNumber != "":
			_, err = tx.ExecContext(ctx, "INSERT INTO subscription_events (subscription_id, nhs_number, event_type) VALUES (?, ?, ?)",
				sub.ID, sub.NHSNumber, ev)
		case sub.RuleType != "":
			_, err = tx.ExecContext(ctx, "INSERT INTO subscription_rules (subscription_id, rule_type, organization, event_type) VALUES (?, ?, ?, ?)",
				sub.ID, sub.RuleType, sub.Organization, ev)
		}
		if err != nil {
			return "", err
		}
	}
	return "", tx.Commit()
}

const subscriptionColumns = `s.id, s.owner_asid, s.mailbox, s.criteria, s.nhs_number, s.events, s.tag, s.dup_key, s.body, s.format, s.created, s.end_at, s.version`

type scanner interface{ Scan(...any) error }

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

// Subscription implements Store.
func (s *SQLite) Subscription(ctx context.Context, id string) (Subscription, bool, error) {
	sub, err := scanSubscription(s.db.QueryRowContext(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions s WHERE s.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, false, nil
	}
	return sub, err == nil, err
}

// DeleteSubscription implements Store.
func (s *SQLite) DeleteSubscription(ctx context.Context, id string) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, "DELETE FROM subscriptions WHERE id = ?", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ExplicitCandidates implements Store through the (nhs_number, event_type)
// index.
func (s *SQLite) ExplicitCandidates(ctx context.Context, nhsNumber, eventType string) ([]Subscription, error) {
	return s.candidates(ctx, "SELECT "+subscriptionColumns+` FROM subscription_events e
		JOIN subscriptions s ON s.id = e.subscription_id
		WHERE e.nhs_number = ? AND e.event_type = ? ORDER BY s.created, s.id`, nhsNumber, eventType)
}

// GenericCandidates implements Store through the (rule_type,
// organization, event_type) index.
func (s *SQLite) GenericCandidates(ctx context.Context, ruleType, organization, eventType string) ([]Subscription, error) {
	subs, err := s.candidates(ctx, "SELECT "+subscriptionColumns+` FROM subscription_rules r
		JOIN subscriptions s ON s.id = r.subscription_id
		WHERE r.rule_type = ? AND r.organization = ? AND r.event_type = ? ORDER BY s.created, s.id`, ruleType, organization, eventType)
	for i := range subs {
		subs[i].RuleType, subs[i].Organization = ruleType, organization
	}
	return subs, err
}

func (s *SQLite) candidates(ctx context.Context, query string, args ...any) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// AddEvent implements Store.
func (s *SQLite) AddEvent(ctx context.Context, ev Event, deliveries []Delivery) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	matches, err := json.Marshal(ev.Matches)
	if err != nil {
		return err
	}
	if ev.Matches == nil {
		matches = []byte("[]")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, event_type, nhs_number, from_asid, content_type, body, received, matches, withheld)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.ID, ev.EventType, ev.NHSNumber, ev.FromASID, ev.ContentType, ev.Body, unixNano(ev.Received),
		string(matches), ev.Withheld); err != nil {
		return err
	}
	for _, d := range deliveries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, event_id, mailbox, from_mailbox, workflow_id, partner_id, subject, received)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, ev.ID, d.Mailbox, d.From, d.WorkflowID, d.PartnerID, d.Subject, unixNano(ev.Received)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Inbox implements mesh.Store: a page through the (mailbox,
// acknowledged, received) index, never more than q.Limit rows.
func (s *SQLite) Inbox(ctx context.Context, mailbox string, q mesh.InboxQuery) ([]mesh.InboxEntry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("inbox page limit %d is not positive", q.Limit)
	}
	query := "SELECT id, workflow_id FROM deliveries WHERE mailbox = ? AND acknowledged = 0"
	args := []any{mailbox}
	if q.WorkflowID != "" {
		query += " AND workflow_id = ?"
		args = append(args, q.WorkflowID)
	}
	if q.After != "" {
		var received, rowid int64
		err := s.db.QueryRowContext(ctx, "SELECT received, rowid FROM deliveries WHERE mailbox = ? AND id = ? AND acknowledged = 0",
			mailbox, q.After).Scan(&received, &rowid)
		switch {
		case err == nil:
			query += " AND (received > ? OR (received = ? AND rowid > ?))"
			args = append(args, received, received, rowid)
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, query+" ORDER BY received, rowid LIMIT ?", append(args, q.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []mesh.InboxEntry{}
	for rows.Next() {
		var e mesh.InboxEntry
		if err := rows.Scan(&e.ID, &e.WorkflowID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// InboxCount implements mesh.Store.
func (s *SQLite) InboxCount(ctx context.Context, mailbox string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE mailbox = ? AND acknowledged = 0", mailbox).Scan(&n)
	return n, err
}

// MailboxExists implements Store: a mailbox named by a subscription's
// channel.endpoint, or holding messages delivered while one was (its
// subscriptions deleted since), through an index either way.
func (s *SQLite) MailboxExists(ctx context.Context, mailbox string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 WHERE EXISTS (SELECT 1 FROM subscriptions WHERE mailbox = ?)
		OR EXISTS (SELECT 1 FROM deliveries WHERE mailbox = ?)`, mailbox, mailbox).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Message implements mesh.Store: the event's body as published, with the
// delivery's MESH headers.
func (s *SQLite) Message(ctx context.Context, mailbox, id string) (mesh.Message, bool, error) {
	var m mesh.Message
	var received int64
	err := s.db.QueryRowContext(ctx, `SELECT d.id, d.from_mailbox, d.mailbox, d.workflow_id, d.partner_id, d.subject,
		e.content_type, e.body, d.received FROM deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.mailbox = ? AND d.id = ?`, mailbox, id).Scan(&m.ID, &m.From, &m.To, &m.WorkflowID, &m.PartnerID, &m.Subject,
		&m.ContentType, &m.Body, &received)
	if errors.Is(err, sql.ErrNoRows) {
		return mesh.Message{}, false, nil
	}
	if err != nil {
		return mesh.Message{}, false, err
	}
	m.Received = fromNano(received)
	return m, true, nil
}

// Acknowledge implements mesh.Store. Acknowledging twice is not an error:
// the message is still found.
func (s *SQLite) Acknowledge(ctx context.Context, mailbox, id string) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `UPDATE deliveries SET acknowledged = ? WHERE mailbox = ? AND id = ? AND acknowledged = 0`,
		time.Now().UnixNano(), mailbox, id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return n > 0, err
	}
	var one int
	err = s.db.QueryRowContext(ctx, "SELECT 1 FROM deliveries WHERE mailbox = ? AND id = ?", mailbox, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// MaxListedEvents bounds ListEvents.
const MaxListedEvents = 1000

// ListEvents implements Store.
func (s *SQLite) ListEvents(ctx context.Context, limit int) ([]Event, error) {
	if limit <= 0 || limit > MaxListedEvents {
		limit = MaxListedEvents
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, event_type, nhs_number, from_asid, content_type, received, matches, withheld
		FROM events ORDER BY received DESC, rowid DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	var out []Event
	for rows.Next() {
		var ev Event
		var received int64
		var matches string
		if err := rows.Scan(&ev.ID, &ev.EventType, &ev.NHSNumber, &ev.FromASID, &ev.ContentType, &received, &matches, &ev.Withheld); err != nil {
			rows.Close()
			return nil, err
		}
		ev.Received = fromNano(received)
		if err := json.Unmarshal([]byte(matches), &ev.Matches); err != nil {
			rows.Close()
			return nil, fmt.Errorf("event %s: matches: %w", ev.ID, err)
		}
		out = append(out, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		drows, err := s.db.QueryContext(ctx, `SELECT id, mailbox, from_mailbox, workflow_id, partner_id, subject, acknowledged
			FROM deliveries WHERE event_id = ? ORDER BY rowid`, out[i].ID)
		if err != nil {
			return nil, err
		}
		for drows.Next() {
			var d Delivery
			var ack int64
			if err := drows.Scan(&d.ID, &d.Mailbox, &d.From, &d.WorkflowID, &d.PartnerID, &d.Subject, &ack); err != nil {
				drows.Close()
				return nil, err
			}
			d.Acknowledged = ack != 0
			out[i].Deliveries = append(out[i].Deliveries, d)
		}
		drows.Close()
		if err := drows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resetTables are emptied by Reset, in this order for the foreign keys.
var resetTables = []string{"outbox", "deliveries", "events", "subscription_rules", "subscription_events", "subscriptions"}

// Reset implements Store, in one transaction.
func (s *SQLite) Reset(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, table := range resetTables {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ListSubscriptions implements Store.
func (s *SQLite) ListSubscriptions(ctx context.Context, limit int) ([]Subscription, error) {
	if limit <= 0 || limit > MaxListedEvents {
		limit = MaxListedEvents
	}
	return s.candidates(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions s ORDER BY s.created DESC, s.rowid DESC LIMIT ?", limit)
}

// Patient implements DirectoryStore, reading the patient's practice and
// postcode area with it, for RuleCodes.
func (s *SQLite) Patient(ctx context.Context, nhsNumber string) (PatientRecord, bool, error) {
	p := PatientRecord{NHSNumber: nhsNumber}
	a := &patientAreas{}
	err := s.db.QueryRowContext(ctx, patientWithAreas+"?", nhsNumber).Scan(&p.GP, &p.Postcode, &p.Flags,
		&a.hasPractice, &a.practice.ICBSubLocation, &a.hasArea, &a.area.LocalAuthority, &a.area.ICBSubLocation, &a.area.Country)
	if errors.Is(err, sql.ErrNoRows) {
		return PatientRecord{}, false, nil
	}
	if err != nil {
		return PatientRecord{}, false, err
	}
	a.gp, a.postcode, a.practice.Code, a.area.Postcode = p.GP, p.Postcode, p.GP, normPostcode(p.Postcode)
	p.areas = a
	return p, true, nil
}

// PutPatient implements DirectoryStore.
func (s *SQLite) PutPatient(ctx context.Context, p PatientRecord) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO patients (nhs_number, gp, postcode, flags) VALUES (?, ?, ?, ?)
		ON CONFLICT (nhs_number) DO UPDATE SET gp = excluded.gp, postcode = excluded.postcode, flags = excluded.flags`,
		p.NHSNumber, p.GP, p.Postcode, p.Flags)
	return err
}

// PostcodeArea implements DirectoryStore.
func (s *SQLite) PostcodeArea(ctx context.Context, postcode string) (PostcodeArea, bool, error) {
	a := PostcodeArea{Postcode: postcode}
	err := s.db.QueryRowContext(ctx, "SELECT local_authority, icb_sub_location, country FROM postcode_areas WHERE postcode = ?", postcode).
		Scan(&a.LocalAuthority, &a.ICBSubLocation, &a.Country)
	if errors.Is(err, sql.ErrNoRows) {
		return PostcodeArea{}, false, nil
	}
	return a, err == nil, err
}

// Practice implements DirectoryStore.
func (s *SQLite) Practice(ctx context.Context, code string) (Practice, bool, error) {
	p := Practice{Code: code}
	err := s.db.QueryRowContext(ctx, "SELECT icb_sub_location FROM practices WHERE code = ?", code).Scan(&p.ICBSubLocation)
	if errors.Is(err, sql.ErrNoRows) {
		return Practice{}, false, nil
	}
	return p, err == nil, err
}

// ReplaceDirectory implements DirectoryStore.
func (s *SQLite) ReplaceDirectory(ctx context.Context, e DirectoryEntries) error {
	_, err := s.replaceDirectory(ctx, e, "")
	return err
}

// SeedDirectory implements DirectoryStore.
func (s *SQLite) SeedDirectory(ctx context.Context, e DirectoryEntries, seed string) (bool, error) {
	return s.replaceDirectory(ctx, e, seed)
}

// replaceDirectory replaces the directory in one transaction; with a seed,
// only when the last seed differs, and records it.
func (s *SQLite) replaceDirectory(ctx context.Context, e DirectoryEntries, seed string) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if seed != "" {
		var last string
		err := tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE name = 'directory_seed'").Scan(&last)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
		if last == seed {
			return false, nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (name, value) VALUES ('directory_seed', ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, seed); err != nil {
			return false, err
		}
	}
	for _, table := range []string{"patients", "postcode_areas", "practices"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return false, err
		}
	}
	for _, p := range e.Patients {
		if _, err := tx.ExecContext(ctx, "INSERT INTO patients (nhs_number, gp, postcode, flags) VALUES (?, ?, ?, ?)",
			p.NHSNumber, strings.ToUpper(p.GP), p.Postcode, strings.ToUpper(p.Flags)); err != nil {
			return false, fmt.Errorf("patient %s: %w", p.NHSNumber, err)
		}
	}
	for _, a := range e.Postcodes {
		if _, err := tx.ExecContext(ctx, "INSERT INTO postcode_areas (postcode, local_authority, icb_sub_location, country) VALUES (?, ?, ?, ?)",
			normPostcode(a.Postcode), a.LocalAuthority, a.ICBSubLocation, a.Country); err != nil {
			return false, fmt.Errorf("postcode %s: %w", a.Postcode, err)
		}
	}
	for _, p := range e.Practices {
		if _, err := tx.ExecContext(ctx, "INSERT INTO practices (code, icb_sub_location) VALUES (?, ?)",
			strings.ToUpper(p.Code), p.ICBSubLocation); err != nil {
			return false, fmt.Errorf("practice %s: %w", p.Code, err)
		}
	}
	return true, tx.Commit()
}

func beforeJSON(before *PatientRecord) (string, error) {
	if before == nil {
		return "", nil
	}
	b, err := json.Marshal(before)
	return string(b), err
}

func parseBefore(eventID, s string) (*PatientRecord, error) {
	if s == "" {
		return nil, nil
	}
	var p PatientRecord
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, fmt.Errorf("outbox entry of event %s: before: %w", eventID, err)
	}
	return &p, nil
}

// QueueEvent implements Store.
func (s *SQLite) QueueEvent(ctx context.Context, ev Event, before *PatientRecord, owner string, lease time.Duration) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	b, err := beforeJSON(before)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, event_type, nhs_number, from_asid, content_type, body, received, matches, withheld)
		VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 0)`, ev.ID, ev.EventType, ev.NHSNumber, ev.FromASID, ev.ContentType, ev.Body, unixNano(ev.Received)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (event_id, before, owner, lease_until) VALUES (?, ?, ?, ?)",
		ev.ID, b, owner, time.Now().Add(lease).UnixNano()); err != nil {
		return err
	}
	return tx.Commit()
}

// CompleteEvent implements Store.
func (s *SQLite) CompleteEvent(ctx context.Context, eventID, owner string, matches []MatchRecord, withheld bool, deliveries []Delivery) (bool, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	m, err := json.Marshal(matches)
	if err != nil {
		return false, err
	}
	if matches == nil {
		m = []byte("[]")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE event_id = ? AND owner = ?", eventID, owner)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	var received int64
	if err := tx.QueryRowContext(ctx, "SELECT received FROM events WHERE id = ?", eventID).Scan(&received); err != nil {
		return false, fmt.Errorf("event %s: %w", eventID, err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE events SET matches = ?, withheld = ? WHERE id = ?", string(m), withheld, eventID); err != nil {
		return false, err
	}
	for _, d := range deliveries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, event_id, mailbox, from_mailbox, workflow_id, partner_id, subject, received)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, mailbox) DO NOTHING`,
			d.ID, eventID, d.Mailbox, d.From, d.WorkflowID, d.PartnerID, d.Subject, received); err != nil {
			return false, err
		}
	}
	return true, tx.Commit()
}

// ClaimExpired implements Store. SQLite has one writer at a time (BEGIN
// IMMEDIATE), which is what SKIP LOCKED gives PostgreSQL.
func (s *SQLite) ClaimExpired(ctx context.Context, owner string, lease time.Duration, limit int) ([]QueuedEvent, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := time.Now()
	rows, err := tx.QueryContext(ctx, `SELECT o.before, e.id, e.event_type, e.nhs_number, e.from_asid, e.content_type, e.body, e.received
		FROM outbox o JOIN events e ON e.id = o.event_id WHERE o.lease_until < ? ORDER BY o.lease_until LIMIT ?`, now.UnixNano(), limit)
	if err != nil {
		return nil, err
	}
	var out []QueuedEvent
	for rows.Next() {
		var q QueuedEvent
		var before string
		var received int64
		ev := &q.Event
		if err := rows.Scan(&before, &ev.ID, &ev.EventType, &ev.NHSNumber, &ev.FromASID, &ev.ContentType, &ev.Body, &received); err != nil {
			rows.Close()
			return nil, err
		}
		ev.Received = fromNano(received)
		if q.Before, err = parseBefore(ev.ID, before); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, q := range out {
		if _, err := tx.ExecContext(ctx, "UPDATE outbox SET owner = ?, lease_until = ? WHERE event_id = ?",
			owner, now.Add(lease).UnixNano(), q.Event.ID); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit()
}

// PendingEvents implements Store.
func (s *SQLite) PendingEvents(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM outbox").Scan(&n)
	return n, err
}

// ImportSubscriptions stores many new subscriptions in one transaction,
// as a load test seeds its subscription base; unlike CreateSubscription
// a duplicate is an error.
func (s *SQLite) ImportSubscriptions(ctx context.Context, subs []Subscription) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO subscriptions
		(id, owner_asid, mailbox, criteria, nhs_number, events, tag, dup_key, body, format, created, end_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	explicit, err := tx.PrepareContext(ctx, "INSERT INTO subscription_events (subscription_id, nhs_number, event_type) VALUES (?, ?, ?)")
	if err != nil {
		return err
	}
	generic, err := tx.PrepareContext(ctx, "INSERT INTO subscription_rules (subscription_id, rule_type, organization, event_type) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.Version == 0 {
			sub.Version = 1
		}
		if _, err := ins.ExecContext(ctx, sub.ID, sub.Owner, sub.Mailbox, sub.Criteria, sub.NHSNumber, strings.Join(sub.Events, " "), sub.Tag,
			sub.Key, sub.Body, sub.Format, unixNano(sub.Created), unixNano(sub.End), sub.Version); err != nil {
			return fmt.Errorf("subscription %s: %w", sub.ID, err)
		}
		for _, ev := range uniqueStrings(sub.Events) {
			var err error
			switch {
			case sub.NHSNumber != "":
				_, err = explicit.ExecContext(ctx, sub.ID, sub.NHSNumber, ev)
			case sub.RuleType != "":
				_, err = generic.ExecContext(ctx, sub.ID, sub.RuleType, sub.Organization, ev)
			}
			if err != nil {
				return fmt.Errorf("subscription %s: %w", sub.ID, err)
			}
		}
	}
	return tx.Commit()
}

func uniqueStrings(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// patientWithAreas reads a patient with its practice and postcode area;
// the postcode is compared as normPostcode does, without spaces, in upper
// case.
const patientWithAreas = `SELECT p.gp, p.postcode, p.flags,
	g.code IS NOT NULL, coalesce(g.icb_sub_location, ''),
	a.postcode IS NOT NULL, coalesce(a.local_authority, ''), coalesce(a.icb_sub_location, ''), coalesce(a.country, '')
	FROM patients p
	LEFT JOIN practices g ON g.code = p.gp AND p.gp <> ''
	LEFT JOIN postcode_areas a ON a.postcode = upper(replace(p.postcode, ' ', '')) AND p.postcode <> ''
	WHERE p.nhs_number = `
