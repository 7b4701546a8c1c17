package nems

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// DefaultLease is how long an instance's claim on an accepted event lasts
// before another instance may take the event over.
const DefaultLease = 30 * time.Second

// sweepBatch bounds the events one sweep takes over (a variable so that a
// test can make two instances share the work).
var sweepBatch = 100

// deliver matches a queued event and, if this instance still holds its
// claim, stores one delivery per matched mailbox and the matches, in one
// transaction. Matching is judged at the time the event was accepted, so
// that an instance taking an event over judges it as its first owner
// would have. done is false when the claim was taken over.
func (s *Server) deliver(ctx context.Context, ev *Event, root *tree.Node, before *PatientRecord) (bool, error) {
	nhsNumber, birth := routing(root)
	ms, withheld, err := s.matches(ctx, ev.EventType, nhsNumber, birth, before, babyOf(ev.EventType, root), ev.Received)
	if err != nil {
		return false, err
	}
	ds := uniqueMeshIDs(s.deliveries(ms, ev.EventType, ev.Received), func() string { return newMeshID(ev.Received) })
	var records []MatchRecord
	for _, m := range ms {
		records = append(records, MatchRecord{SubscriptionID: m.sub.ID, Mailbox: m.sub.Mailbox, Matched: m.reason == "", Reason: m.reason})
	}
	done, err := s.opts.Store.CompleteEvent(ctx, ev.ID, s.instance, records, withheld, ds)
	if err != nil {
		return false, err
	}
	if !done {
		// Another instance took the claim over (this one was too slow):
		// it delivers, this one stores nothing.
		s.log.LogAttrs(ctx, slog.LevelWarn, "event claim taken over", slog.String("id", ev.ID), slog.String("instance", s.instance))
		return false, nil
	}
	ev.Matches, ev.Withheld, ev.Deliveries = records, withheld, ds
	mailboxes := make([]string, len(ds))
	for i, d := range ds {
		mailboxes[i] = d.Mailbox
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "event", slog.String("id", ev.ID), slog.String("eventType", ev.EventType),
		slog.Int("candidates", len(ms)), slog.String("mailboxes", strings.Join(mailboxes, ",")), slog.Bool("withheld", withheld))
	return true, nil
}

// Sweep takes over, until ctx ends, the accepted events whose claim has
// expired (their instance died or stalled between accepting and
// delivering them) and delivers them. Every instance on a store runs
// one; the store hands each expired event to one of them.
func (s *Server) Sweep(ctx context.Context) {
	every := min(max(s.opts.Lease/4, 100*time.Millisecond), 5*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("sweep", "error", err.Error())
		}
	}
}

// SweepOnce takes over and delivers at most one batch of expired claims,
// returning how many events it delivered (not counting those taken over
// again by another instance before it was done).
func (s *Server) SweepOnce(ctx context.Context) (int, error) {
	qs, err := s.opts.Store.ClaimExpired(ctx, s.instance, s.opts.Lease, sweepBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, q := range qs {
		ev := q.Event
		s.log.LogAttrs(ctx, slog.LevelInfo, "event taken over", slog.String("id", ev.ID), slog.String("instance", s.instance))
		root, err := parseResource(ev.Body, "xml")
		if err != nil {
			// Accepted once, so it parsed then: keep it claimed, say so.
			return n, fmt.Errorf("event %s in the outbox does not parse: %w", ev.ID, err)
		}
		done, err := s.deliver(ctx, &ev, root, q.Before)
		if err != nil {
			return n, fmt.Errorf("event %s: %w", ev.ID, err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

// uniqueMeshIDs gives each delivery of one event its own MESH message id.
// The ids of one event share its time to the microsecond and differ only
// in 24 random bits, so an event matching many mailboxes could draw the
// same id twice (about once in a million events of four deliveries), and
// the store would refuse the second.
func uniqueMeshIDs(ds []Delivery, newID func() string) []Delivery {
	seen := make(map[string]bool, len(ds))
	for i := range ds {
		for seen[ds[i].ID] {
			ds[i].ID = newID()
		}
		seen[ds[i].ID] = true
	}
	return ds
}
