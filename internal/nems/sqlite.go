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

// write runs f in one transaction, queued behind this process's other
// writers (wmu), and commits it when f returns nil.
func (s *SQLite) write(ctx context.Context, f func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

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
	var existing string
	err := s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT id FROM subscriptions WHERE dup_key = ?", sub.Key).Scan(&existing)
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, insertSubscription, subscriptionArgs(sub)...); err != nil {
			return err
		}
		explicit, generic := subscriptionIndex(sub)
		for _, row := range explicit {
			if _, err := tx.ExecContext(ctx, insertSubscriptionEvent, row...); err != nil {
				return err
			}
		}
		for _, row := range generic {
			if _, err := tx.ExecContext(ctx, insertSubscriptionRule, row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return existing, nil
}

// Subscription implements Store.
func (s *SQLite) Subscription(ctx context.Context, id string) (Subscription, bool, error) {
	sub, err := scanSubscription(s.db.QueryRowContext(ctx, selectSubscription, id))
	return lookup(sub, err, sql.ErrNoRows)
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
	return s.candidates(ctx, explicitCandidates, nhsNumber, eventType)
}

// GenericCandidates implements Store through the (rule_type,
// organization, event_type) index.
func (s *SQLite) GenericCandidates(ctx context.Context, ruleType, organization, eventType string) ([]Subscription, error) {
	subs, err := s.candidates(ctx, genericCandidates, ruleType, organization, eventType)
	return withRule(subs, ruleType, organization), err
}

func (s *SQLite) candidates(ctx context.Context, query string, args ...any) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collect(rows, nil, scanSubscription)
}

// AddEvent implements Store.
func (s *SQLite) AddEvent(ctx context.Context, ev Event, deliveries []Delivery) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		matches, err := matchesJSON(ev.Matches)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertEvent, eventArgs(ev, matches)...); err != nil {
			return err
		}
		for _, d := range deliveries {
			if _, err := tx.ExecContext(ctx, insertDelivery, deliveryArgs(d, ev.ID, unixNano(ev.Received))...); err != nil {
				return err
			}
		}
		return nil
	})
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
	return collect(rows, []mesh.InboxEntry{}, scanInboxEntry)
}

// InboxCount implements mesh.Store.
func (s *SQLite) InboxCount(ctx context.Context, mailbox string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, inboxCount, mailbox).Scan(&n)
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
	m, err := scanMessage(s.db.QueryRowContext(ctx, selectMessage, mailbox, id))
	return lookup(m, err, sql.ErrNoRows)
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
	rows, err := s.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM events ORDER BY received DESC, rowid DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, nil, scanEvent)
	rows.Close()
	if err != nil || len(out) == 0 {
		return out, err
	}
	// One query for all the events' deliveries; MaxListedEvents keeps
	// the placeholders under SQLite's limit.
	ids := eventIDs(out)
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	drows, err := s.db.QueryContext(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE event_id IN (?"+
		strings.Repeat(", ?", len(ids)-1)+") ORDER BY rowid", args...)
	if err != nil {
		return nil, err
	}
	defer drows.Close()
	deliveries, err := collect(drows, nil, scanDelivery)
	if err != nil {
		return nil, err
	}
	attachDeliveries(out, deliveries)
	return out, nil
}

// resetTables are emptied by Reset, in this order for the foreign keys.
var resetTables = []string{"outbox", "deliveries", "events", "subscription_rules", "subscription_events", "subscriptions"}

// Reset implements Store, in one transaction.
func (s *SQLite) Reset(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, table := range resetTables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return nil
	})
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
	p, err := scanPatient(s.db.QueryRowContext(ctx, patientWithAreas+"?", nhsNumber), nhsNumber)
	return lookup(p, err, sql.ErrNoRows)
}

// PutPatient implements DirectoryStore.
func (s *SQLite) PutPatient(ctx context.Context, p PatientRecord) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.db.ExecContext(ctx, putPatient, p.NHSNumber, p.GP, p.Postcode, p.Flags)
	return err
}

// PostcodeArea implements DirectoryStore.
func (s *SQLite) PostcodeArea(ctx context.Context, postcode string) (PostcodeArea, bool, error) {
	a, err := scanPostcodeArea(s.db.QueryRowContext(ctx, selectPostcodeArea, postcode), postcode)
	return lookup(a, err, sql.ErrNoRows)
}

// Practice implements DirectoryStore.
func (s *SQLite) Practice(ctx context.Context, code string) (Practice, bool, error) {
	p, err := scanPractice(s.db.QueryRowContext(ctx, selectPractice, code), code)
	return lookup(p, err, sql.ErrNoRows)
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
	applied := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		if seed != "" {
			var last string
			err := tx.QueryRowContext(ctx, selectSeed).Scan(&last)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if last == seed {
				return nil
			}
			if _, err := tx.ExecContext(ctx, putSeed, seed); err != nil {
				return err
			}
		}
		tables := directoryTables(e)
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t.name); err != nil {
				return err
			}
		}
		for _, t := range tables {
			insert := t.insert()
			for _, row := range t.rows {
				if _, err := tx.ExecContext(ctx, insert, row...); err != nil {
					return fmt.Errorf("%s %v: %w", t.name, row[0], err)
				}
			}
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
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
	b, err := beforeJSON(before)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, event_type, nhs_number, from_asid, content_type, body, received, matches, withheld)
			VALUES (?, ?, ?, ?, ?, ?, ?, '[]', 0)`, ev.ID, ev.EventType, ev.NHSNumber, ev.FromASID, ev.ContentType, ev.Body, unixNano(ev.Received)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (event_id, before, owner, lease_until) VALUES (?, ?, ?, ?)",
			ev.ID, b, owner, time.Now().Add(lease).UnixNano()); err != nil {
			return err
		}
		return nil
	})
}

// CompleteEvent implements Store.
func (s *SQLite) CompleteEvent(ctx context.Context, eventID, owner string, matches []MatchRecord, withheld bool, deliveries []Delivery) (bool, error) {
	m, err := matchesJSON(matches)
	if err != nil {
		return false, err
	}
	done := false
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM outbox WHERE event_id = ? AND owner = ?", eventID, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		var received int64
		if err := tx.QueryRowContext(ctx, "SELECT received FROM events WHERE id = ?", eventID).Scan(&received); err != nil {
			return fmt.Errorf("event %s: %w", eventID, err)
		}
		if _, err := tx.ExecContext(ctx, "UPDATE events SET matches = ?, withheld = ? WHERE id = ?", m, withheld, eventID); err != nil {
			return err
		}
		for _, d := range deliveries {
			if _, err := tx.ExecContext(ctx, insertDelivery+" ON CONFLICT (event_id, mailbox) DO NOTHING", deliveryArgs(d, eventID, received)...); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return done, nil
}

// ClaimExpired implements Store. SQLite has one writer at a time (BEGIN
// IMMEDIATE), which is what SKIP LOCKED gives PostgreSQL.
func (s *SQLite) ClaimExpired(ctx context.Context, owner string, lease time.Duration, limit int) ([]QueuedEvent, error) {
	var out []QueuedEvent
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		rows, err := tx.QueryContext(ctx, `SELECT `+queuedColumns+` FROM outbox o JOIN events e ON e.id = o.event_id WHERE o.lease_until < ? ORDER BY o.lease_until LIMIT ?`, now.UnixNano(), limit)
		if err != nil {
			return err
		}
		out, err = collect(rows, nil, scanQueued)
		rows.Close()
		if err != nil {
			return err
		}
		for _, q := range out {
			if _, err := tx.ExecContext(ctx, "UPDATE outbox SET owner = ?, lease_until = ? WHERE event_id = ?",
				owner, now.Add(lease).UnixNano(), q.Event.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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
	return s.write(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, insertSubscription)
		if err != nil {
			return err
		}
		explicit, err := tx.PrepareContext(ctx, insertSubscriptionEvent)
		if err != nil {
			return err
		}
		generic, err := tx.PrepareContext(ctx, insertSubscriptionRule)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if _, err := ins.ExecContext(ctx, subscriptionArgs(sub)...); err != nil {
				return fmt.Errorf("subscription %s: %w", sub.ID, err)
			}
			e, g := subscriptionIndex(sub)
			for _, row := range e {
				if _, err := explicit.ExecContext(ctx, row...); err != nil {
					return fmt.Errorf("subscription %s: %w", sub.ID, err)
				}
			}
			for _, row := range g {
				if _, err := generic.ExecContext(ctx, row...); err != nil {
					return fmt.Errorf("subscription %s: %w", sub.ID, err)
				}
			}
		}
		return nil
	})
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
