package nems

import (
	"context"
	"slices"
	"testing"
	"time"
)

func openTestStore(t *testing.T, dir string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTestStore(t, dir)
	if v, err := s.SchemaVersion(ctx); err != nil || v != len(migrations) {
		t.Fatalf("schema version %d (%v), want %d", v, err, len(migrations))
	}
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	sub := Subscription{ID: "ea0a485187204b49b978bdcf7102388c", Owner: "200000000205", Mailbox: "MBX01", Criteria: "c",
		NHSNumber: "9434765919", Events: []string{"vaccinations-1", "pds-change-of-address-1"}, Tag: "t1", Key: "k1",
		Body: []byte("<Subscription/>"), Format: "xml", Created: now}
	if dup, err := s.CreateSubscription(ctx, sub); err != nil || dup != "" {
		t.Fatalf("create: %q, %v", dup, err)
	}
	again := sub
	again.ID = "ffffffffffffffffffffffffffffffff"
	if dup, err := s.CreateSubscription(ctx, again); err != nil || dup != sub.ID {
		t.Fatalf("duplicate create: %q, %v; want the first id", dup, err)
	}
	got, found, err := s.Subscription(ctx, sub.ID)
	if err != nil || !found || got.Mailbox != "MBX01" || !slices.Equal(got.Events, sub.Events) || !got.Created.Equal(now) || got.Version != 1 {
		t.Fatalf("read: %+v %v %v", got, found, err)
	}
	if _, found, _ := s.Subscription(ctx, again.ID); found {
		t.Fatal("the duplicate was stored")
	}
	c, err := s.ExplicitCandidates(ctx, "9434765919", "vaccinations-1")
	if err != nil || len(c) != 1 || c[0].ID != sub.ID {
		t.Fatalf("candidates: %v %v", c, err)
	}
	if c, _ := s.ExplicitCandidates(ctx, "9434765919", "newborn-hearing-1"); len(c) != 0 {
		t.Fatalf("candidates for another event: %v", c)
	}

	ev := Event{ID: "e1", EventType: "vaccinations-1", NHSNumber: "9434765919", FromASID: "200000000205",
		ContentType: "application/fhir+xml", Body: []byte("<Bundle/>"), Received: now}
	if err := s.AddEvent(ctx, ev, []Delivery{{ID: "m1", Mailbox: "MBX01", From: "NEMS", WorkflowID: "VACCINATIONS_1", PartnerID: sub.ID + "|t1"}}); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.Inbox(ctx, "MBX01", ""); err != nil || !slices.Equal(ids, []string{"m1"}) {
		t.Fatalf("inbox: %v %v", ids, err)
	}
	if ids, _ := s.Inbox(ctx, "MBX01", "NEWBORNHEARING_1"); len(ids) != 0 {
		t.Fatalf("inbox filtered by another workflow: %v", ids)
	}
	m, found, err := s.Message(ctx, "MBX01", "m1")
	if err != nil || !found || string(m.Body) != "<Bundle/>" || m.WorkflowID != "VACCINATIONS_1" || m.To != "MBX01" || m.From != "NEMS" {
		t.Fatalf("message: %+v %v %v", m, found, err)
	}
	if _, found, _ := s.Message(ctx, "OTHER", "m1"); found {
		t.Fatal("another mailbox reads the message")
	}
	for i := 0; i < 2; i++ {
		if found, err := s.Acknowledge(ctx, "MBX01", "m1"); err != nil || !found {
			t.Fatalf("acknowledge %d: %v %v", i, found, err)
		}
	}
	if found, _ := s.Acknowledge(ctx, "MBX01", "nope"); found {
		t.Fatal("acknowledged an unknown message")
	}
	if ids, _ := s.Inbox(ctx, "MBX01", ""); len(ids) != 0 {
		t.Fatalf("inbox after acknowledge: %v", ids)
	}
	if found, err := s.DeleteSubscription(ctx, sub.ID); err != nil || !found {
		t.Fatalf("delete: %v %v", found, err)
	}
	if c, _ := s.ExplicitCandidates(ctx, "9434765919", "vaccinations-1"); len(c) != 0 {
		t.Fatalf("index still holds the deleted subscription: %v", c)
	}
	if found, _ := s.DeleteSubscription(ctx, sub.ID); found {
		t.Fatal("deleted twice")
	}

	// Reopening applies no migration again and keeps the data.
	s.Close()
	s2 := openTestStore(t, dir)
	if _, found, _ := s2.Message(ctx, "MBX01", "m1"); !found {
		t.Fatal("message lost on reopen")
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenSQLite(context.Background(), dir); err == nil {
		t.Fatal("a database of schema 99 was opened")
	}
}
