package nems

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
)

// Postgres is the Store kept in a PostgreSQL database, which several
// nemsfhir instances may share: every change is one transaction, and
// a commit has reached the server's disk (synchronous_commit as the server
// has it) before a call returns.
type Postgres struct {
	pool *pgxpool.Pool
}

var _ Store = (*Postgres)(nil)

// DefaultPostgresConns is the most connections an instance opens unless
// the URL sets pool_max_conns.
const DefaultPostgresConns = 16

// IsPostgresURL says whether a --store value names a PostgreSQL database.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// postgresMigrationLock keys the advisory lock that keeps two instances
// starting together from migrating at once.
const postgresMigrationLock = 0x6e656d73 // "nems"

// OpenPostgres connects to the database at url (postgres://...) and
// applies the migrations it lacks. A database migrated by a newer nemsfhir
// is refused rather than guessed at.
func OpenPostgres(ctx context.Context, dbURL string) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", RedactURL(dbURL), err)
	}
	// pgxpool's default, 4 connections on 2 cores, queues concurrent
	// publishes in the pool while they wait on commits: 16 gave 40% more
	// publishes/s in bench/nemsload. pool_max_conns in the URL wins.
	if !strings.Contains(dbURL, "pool_max_conns") && cfg.MaxConns < DefaultPostgresConns {
		cfg.MaxConns = DefaultPostgresConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", RedactURL(dbURL), err)
	}
	s := &Postgres{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store %s: %w", RedactURL(dbURL), err)
	}
	return s, nil
}

// RedactURL hides the password of a store URL, for messages.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func (s *Postgres) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// A session lock, held across the migrations' own transactions.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", postgresMigrationLock); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", postgresMigrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version integer PRIMARY KEY,
		applied timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&have); err != nil {
		return err
	}
	if have > len(postgresMigrations) {
		return fmt.Errorf("schema version %d is newer than this nemsfhir knows (%d)", have, len(postgresMigrations))
	}
	for v := have + 1; v <= len(postgresMigrations); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, postgresMigrations[v-1]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_version (version) VALUES ($1)", v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}

// SchemaVersion returns the number of the last migration applied.
func (s *Postgres) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

// Close closes the connections.
func (s *Postgres) Close() error {
	s.pool.Close()
	return nil
}

// CreateSubscription implements Store. Two instances creating duplicates
// at once meet on the dup_key unique index: one inserts, the other finds
// it.
func (s *Postgres) CreateSubscription(ctx context.Context, sub Subscription) (string, error) {
	var existing string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, pgInsertSubscription+" ON CONFLICT (dup_key) DO NOTHING", subscriptionArgs(sub)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return tx.QueryRow(ctx, "SELECT id FROM subscriptions WHERE dup_key = $1", sub.Key).Scan(&existing)
		}
		explicit, generic := subscriptionIndex(sub)
		for _, row := range explicit {
			if _, err := tx.Exec(ctx, pgInsertSubscriptionEvent, row...); err != nil {
				return err
			}
		}
		for _, row := range generic {
			if _, err := tx.Exec(ctx, pgInsertSubscriptionRule, row...); err != nil {
				return err
			}
		}
		return nil
	})
	return existing, err
}

// The shared queries with PostgreSQL's placeholders.
var (
	pgInsertSubscription      = dollars(insertSubscription)
	pgInsertSubscriptionEvent = dollars(insertSubscriptionEvent)
	pgInsertSubscriptionRule  = dollars(insertSubscriptionRule)
	pgSelectSubscription      = dollars(selectSubscription)
	pgExplicitCandidates      = dollars(explicitCandidates)
	pgGenericCandidates       = dollars(genericCandidates)
	pgInsertEvent             = dollars(insertEvent)
	pgInsertDelivery          = dollars(insertDelivery)
	pgInboxCount              = dollars(inboxCount)
	pgSelectMessage           = dollars(selectMessage)
	pgPutPatient              = dollars(putPatient)
	pgSelectPostcodeArea      = dollars(selectPostcodeArea)
	pgSelectPractice          = dollars(selectPractice)
	pgPutSeed                 = dollars(putSeed)
)

// Subscription implements Store.
func (s *Postgres) Subscription(ctx context.Context, id string) (Subscription, bool, error) {
	sub, err := scanSubscription(s.pool.QueryRow(ctx, pgSelectSubscription, id))
	return lookup(sub, err, pgx.ErrNoRows)
}

// DeleteSubscription implements Store.
func (s *Postgres) DeleteSubscription(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM subscriptions WHERE id = $1", id)
	return tag.RowsAffected() > 0, err
}

// ExplicitCandidates implements Store through the (nhs_number, event_type)
// index.
func (s *Postgres) ExplicitCandidates(ctx context.Context, nhsNumber, eventType string) ([]Subscription, error) {
	return s.candidates(ctx, pgExplicitCandidates, nhsNumber, eventType)
}

// GenericCandidates implements Store through the (rule_type,
// organization, event_type) index.
func (s *Postgres) GenericCandidates(ctx context.Context, ruleType, organization, eventType string) ([]Subscription, error) {
	subs, err := s.candidates(ctx, pgGenericCandidates, ruleType, organization, eventType)
	return withRule(subs, ruleType, organization), err
}

func (s *Postgres) candidates(ctx context.Context, query string, args ...any) ([]Subscription, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collect(rows, nil, scanSubscription)
}

// AddEvent implements Store.
func (s *Postgres) AddEvent(ctx context.Context, ev Event, deliveries []Delivery) error {
	matches, err := matchesJSON(ev.Matches)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, pgInsertEvent, eventArgs(ev, matches)...); err != nil {
			return err
		}
		return insertDeliveries(ctx, tx, ev.ID, ev.Received, deliveries)
	})
}

// insertDeliveries adds the deliveries of an event in one round trip.
func insertDeliveries(ctx context.Context, tx pgx.Tx, eventID string, received time.Time, deliveries []Delivery) error {
	if len(deliveries) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, d := range deliveries {
		b.Queue(pgInsertDelivery, deliveryArgs(d, eventID, unixNano(received))...)
	}
	return tx.SendBatch(ctx, b).Close()
}

// Inbox implements mesh.Store: a page through the (mailbox,
// acknowledged, received, seq) index, never more than q.Limit rows.
func (s *Postgres) Inbox(ctx context.Context, mailbox string, q mesh.InboxQuery) ([]mesh.InboxEntry, error) {
	if q.Limit <= 0 {
		return nil, fmt.Errorf("inbox page limit %d is not positive", q.Limit)
	}
	query := "SELECT id, workflow_id FROM deliveries WHERE mailbox = $1 AND acknowledged = 0"
	args := []any{mailbox}
	if q.WorkflowID != "" {
		args = append(args, q.WorkflowID)
		query += fmt.Sprintf(" AND workflow_id = $%d", len(args))
	}
	if q.After != "" {
		var received, seq int64
		err := s.pool.QueryRow(ctx, "SELECT received, seq FROM deliveries WHERE mailbox = $1 AND id = $2 AND acknowledged = 0",
			mailbox, q.After).Scan(&received, &seq)
		switch {
		case err == nil:
			args = append(args, received, seq)
			query += fmt.Sprintf(" AND (received, seq) > ($%d, $%d)", len(args)-1, len(args))
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
	}
	args = append(args, q.Limit)
	rows, err := s.pool.Query(ctx, query+fmt.Sprintf(" ORDER BY received, seq LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collect(rows, []mesh.InboxEntry{}, scanInboxEntry)
}

// InboxCount implements mesh.Store.
func (s *Postgres) InboxCount(ctx context.Context, mailbox string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, pgInboxCount, mailbox).Scan(&n)
	return n, err
}

// MailboxExists implements Store through the mailbox indexes.
func (s *Postgres) MailboxExists(ctx context.Context, mailbox string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE mailbox = $1)
		OR EXISTS (SELECT 1 FROM deliveries WHERE mailbox = $1)`, mailbox).Scan(&ok)
	return ok, err
}

// Message implements mesh.Store.
func (s *Postgres) Message(ctx context.Context, mailbox, id string) (mesh.Message, bool, error) {
	m, err := scanMessage(s.pool.QueryRow(ctx, pgSelectMessage, mailbox, id))
	return lookup(m, err, pgx.ErrNoRows)
}

// Acknowledge implements mesh.Store. Acknowledging twice is not an error.
func (s *Postgres) Acknowledge(ctx context.Context, mailbox, id string) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `WITH upd AS (
			UPDATE deliveries SET acknowledged = $3 WHERE mailbox = $1 AND id = $2 AND acknowledged = 0 RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM upd) OR EXISTS (SELECT 1 FROM deliveries WHERE mailbox = $1 AND id = $2)`,
		mailbox, id, time.Now().UnixNano()).Scan(&found)
	return found, err
}

// ListEvents implements Store.
func (s *Postgres) ListEvents(ctx context.Context, limit int) ([]Event, error) {
	if limit <= 0 || limit > MaxListedEvents {
		limit = MaxListedEvents
	}
	rows, err := s.pool.Query(ctx, "SELECT "+eventColumns+" FROM events ORDER BY received DESC, seq DESC LIMIT $1", limit)
	if err != nil {
		return nil, err
	}
	out, err := collect(rows, nil, scanEvent)
	rows.Close()
	if err != nil || len(out) == 0 {
		return out, err
	}
	drows, err := s.pool.Query(ctx, "SELECT "+deliveryColumns+" FROM deliveries WHERE event_id = ANY($1) ORDER BY seq", eventIDs(out))
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

// Reset implements Store, in one transaction.
func (s *Postgres) Reset(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, table := range resetTables {
			if _, err := tx.Exec(ctx, "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListSubscriptions implements Store.
func (s *Postgres) ListSubscriptions(ctx context.Context, limit int) ([]Subscription, error) {
	if limit <= 0 || limit > MaxListedEvents {
		limit = MaxListedEvents
	}
	return s.candidates(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions s ORDER BY s.created DESC, s.seq DESC LIMIT $1", limit)
}

// Patient implements DirectoryStore, reading the patient's practice and
// postcode area with it, for RuleCodes.
func (s *Postgres) Patient(ctx context.Context, nhsNumber string) (PatientRecord, bool, error) {
	p, err := scanPatient(s.pool.QueryRow(ctx, patientWithAreas+"$1", nhsNumber), nhsNumber)
	return lookup(p, err, pgx.ErrNoRows)
}

// PutPatient implements DirectoryStore.
func (s *Postgres) PutPatient(ctx context.Context, p PatientRecord) error {
	_, err := s.pool.Exec(ctx, pgPutPatient, p.NHSNumber, p.GP, p.Postcode, p.Flags)
	return err
}

// PostcodeArea implements DirectoryStore.
func (s *Postgres) PostcodeArea(ctx context.Context, postcode string) (PostcodeArea, bool, error) {
	a, err := scanPostcodeArea(s.pool.QueryRow(ctx, pgSelectPostcodeArea, postcode), postcode)
	return lookup(a, err, pgx.ErrNoRows)
}

// Practice implements DirectoryStore.
func (s *Postgres) Practice(ctx context.Context, code string) (Practice, bool, error) {
	p, err := scanPractice(s.pool.QueryRow(ctx, pgSelectPractice, code), code)
	return lookup(p, err, pgx.ErrNoRows)
}

// ReplaceDirectory implements DirectoryStore.
func (s *Postgres) ReplaceDirectory(ctx context.Context, e DirectoryEntries) error {
	_, err := s.replaceDirectory(ctx, e, "")
	return err
}

// SeedDirectory implements DirectoryStore. Instances starting together
// with the same seed apply it once: the settings row is locked first.
func (s *Postgres) SeedDirectory(ctx context.Context, e DirectoryEntries, seed string) (bool, error) {
	return s.replaceDirectory(ctx, e, seed)
}

func (s *Postgres) replaceDirectory(ctx context.Context, e DirectoryEntries, seed string) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One replacement at a time, seeded or not.
		if _, err := tx.Exec(ctx, "LOCK TABLE patients, postcode_areas, practices IN EXCLUSIVE MODE"); err != nil {
			return err
		}
		if seed != "" {
			var last string
			err := tx.QueryRow(ctx, selectSeed).Scan(&last)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if last == seed {
				return nil
			}
			if _, err := tx.Exec(ctx, pgPutSeed, seed); err != nil {
				return err
			}
		}
		tables := directoryTables(e)
		for _, t := range tables {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t.name); err != nil {
				return err
			}
		}
		for _, t := range tables {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(t.rows)); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
		applied = true
		return nil
	})
	return applied && err == nil, err
}

// QueueEvent implements Store in one statement: the event and its claimed
// outbox entry commit together. The commit does not wait for the disk
// (synchronous_commit off for this transaction only): the server answers
// 202 only after CompleteEvent's commit, which does wait, and which
// flushes the write-ahead log up to and past this one. An event whose
// queueing a database crash loses was never answered 202.
func (s *Postgres) QueueEvent(ctx context.Context, ev Event, before *PatientRecord, owner string, lease time.Duration) error {
	b, err := beforeJSON(before)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `WITH nowait AS (SELECT set_config('synchronous_commit', 'off', true)),
		e AS (
			INSERT INTO events (id, event_type, nhs_number, from_asid, content_type, body, received)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id)
		INSERT INTO outbox (event_id, before, owner, lease_until)
		SELECT id, $8, $9, clock_timestamp() + $10 * interval '1 microsecond' FROM e, nowait`,
		ev.ID, ev.EventType, ev.NHSNumber, ev.FromASID, ev.ContentType, ev.Body, unixNano(ev.Received), b, owner, lease.Microseconds())
	return err
}

// CompleteEvent implements Store in one statement. Deleting the outbox
// entry waits for an instance claiming it at that moment and then sees
// the new owner, so only the holder of the claim stores deliveries; the
// (event_id, mailbox) unique index stops a second copy in any case.
func (s *Postgres) CompleteEvent(ctx context.Context, eventID, owner string, matches []MatchRecord, withheld bool, deliveries []Delivery) (bool, error) {
	m, err := matchesJSON(matches)
	if err != nil {
		return false, err
	}
	n := len(deliveries)
	ids, boxes, froms, flows, partners, subjects := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, d := range deliveries {
		ids[i], boxes[i], froms[i], flows[i], partners[i], subjects[i] = d.ID, d.Mailbox, d.From, d.WorkflowID, d.PartnerID, d.Subject
	}
	var done bool
	err = s.pool.QueryRow(ctx, `WITH claim AS (
			DELETE FROM outbox WHERE event_id = $1 AND owner = $2 RETURNING event_id),
		ev AS (
			UPDATE events SET matches = $3, withheld = $4 WHERE id IN (SELECT event_id FROM claim) RETURNING id, received),
		ins AS (
			INSERT INTO deliveries (id, event_id, mailbox, from_mailbox, workflow_id, partner_id, subject, received)
			SELECT d.id, ev.id, d.mailbox, d.from_mailbox, d.workflow_id, d.partner_id, d.subject, ev.received
			FROM ev, unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
				AS d(id, mailbox, from_mailbox, workflow_id, partner_id, subject)
			ON CONFLICT (event_id, mailbox) DO NOTHING)
		SELECT EXISTS (SELECT 1 FROM claim)`,
		eventID, owner, m, withheld, ids, boxes, froms, flows, partners, subjects).Scan(&done)
	return done, err
}

// ClaimExpired implements Store: FOR UPDATE SKIP LOCKED lets instances
// sweep at once without waiting on, or taking, each other's entries.
func (s *Postgres) ClaimExpired(ctx context.Context, owner string, lease time.Duration, limit int) ([]QueuedEvent, error) {
	rows, err := s.pool.Query(ctx, `WITH c AS (
			SELECT event_id FROM outbox WHERE lease_until < clock_timestamp()
			ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED),
		o AS (
			UPDATE outbox SET owner = $1, lease_until = clock_timestamp() + $2 * interval '1 microsecond'
			FROM c WHERE outbox.event_id = c.event_id RETURNING outbox.event_id, outbox.before)
		SELECT `+queuedColumns+` FROM o JOIN events e ON e.id = o.event_id`, owner, lease.Microseconds(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return collect(rows, nil, scanQueued)
}

// PendingEvents implements Store.
func (s *Postgres) PendingEvents(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM outbox").Scan(&n)
	return n, err
}

// ImportSubscriptions stores many new subscriptions in one transaction
// with COPY, as a load test seeds its subscription base; unlike
// CreateSubscription a duplicate is an error.
func (s *Postgres) ImportSubscriptions(ctx context.Context, subs []Subscription) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var rows, explicit, generic [][]any
		for _, sub := range subs {
			rows = append(rows, subscriptionArgs(sub))
			e, g := subscriptionIndex(sub)
			explicit, generic = append(explicit, e...), append(generic, g...)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subscriptions"}, []string{"id", "owner_asid", "mailbox", "criteria", "nhs_number",
			"events", "tag", "dup_key", "body", "format", "created", "end_at", "version"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("subscriptions: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subscription_events"}, []string{"subscription_id", "nhs_number", "event_type"},
			pgx.CopyFromRows(explicit)); err != nil {
			return fmt.Errorf("subscription_events: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subscription_rules"}, []string{"subscription_id", "rule_type", "organization", "event_type"},
			pgx.CopyFromRows(generic)); err != nil {
			return fmt.Errorf("subscription_rules: %w", err)
		}
		_, err := tx.Exec(ctx, "ANALYZE subscriptions, subscription_events, subscription_rules")
		return err
	})
}
