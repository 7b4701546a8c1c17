package nems

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
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

// TestStore runs through every Store method on each kind of store.
func TestStore(t *testing.T) {
	for _, kind := range storeKinds(t) {
		t.Run(kind.name, func(t *testing.T) { testStore(t, kind) })
	}
}

func testStore(t *testing.T, kind storeKind) {
	ctx := context.Background()
	s := kind.open(t, "store")
	if v, err := s.(interface {
		SchemaVersion(context.Context) (int, error)
	}).SchemaVersion(ctx); err != nil || v != kind.migrations {
		t.Fatalf("schema version %d (%v), want %d", v, err, kind.migrations)
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
	if ids, err := waiting(ctx, s, "MBX01", ""); err != nil || !slices.Equal(ids, []string{"m1"}) {
		t.Fatalf("inbox: %v %v", ids, err)
	}
	if ids, _ := waiting(ctx, s, "MBX01", "NEWBORNHEARING_1"); len(ids) != 0 {
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
	if ids, _ := waiting(ctx, s, "MBX01", ""); len(ids) != 0 {
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
	s2 := kind.open(t, "store")
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

// waiting lists the ids of every message of mailbox not yet acknowledged
// (only those of workflow when it is not empty), a page at a time.
func waiting(ctx context.Context, st mesh.Store, mailbox, workflow string) ([]string, error) {
	ids := []string{}
	after := ""
	for {
		page, err := st.Inbox(ctx, mailbox, mesh.InboxQuery{WorkflowID: workflow, After: after, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		if len(page) < 100 {
			return ids, nil
		}
		after = page[len(page)-1].ID
	}
}

// TestStoreInboxPages: the MESH inbox of the store comes in pages of at
// most the limit, after a waiting message (from the oldest when that one
// has been acknowledged or is unknown), filtered by workflow; the count and
// the mailboxes the MESH API knows follow the subscriptions and deliveries.
func TestStoreInboxPages(t *testing.T) {
	for _, kind := range storeKinds(t) {
		t.Run(kind.name, func(t *testing.T) { testStoreInboxPages(t, kind) })
	}
}

func testStoreInboxPages(t *testing.T, kind storeKind) {
	ctx := context.Background()
	s := kind.open(t, "inbox")
	if ok, err := s.MailboxExists(ctx, "MBX01"); err != nil || ok {
		t.Fatalf("MBX01 exists before any subscription: %v %v", ok, err)
	}
	sub := Subscription{ID: "ea0a485187204b49b978bdcf7102388c", Owner: "200000000205", Mailbox: "MBX01", Criteria: "c",
		NHSNumber: "9434765919", Events: []string{"vaccinations-1"}, Key: "k1", Body: []byte("<Subscription/>"), Format: "xml"}
	if _, err := s.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var all, vacc []string
	for i := range 25 {
		wf := "VACCINATIONS_1"
		if i%5 == 4 {
			wf = "CHANGEOFGP_1"
		} else {
			vacc = append(vacc, fmt.Sprintf("m%02d", i))
		}
		ev := Event{ID: fmt.Sprintf("e%02d", i), EventType: "vaccinations-1", ContentType: "application/fhir+xml", Body: []byte("<Bundle/>"),
			Received: now.Add(time.Duration(i/2) * time.Second)} // pairs share a time: rowid orders them
		id := fmt.Sprintf("m%02d", i)
		if err := s.AddEvent(ctx, ev, []Delivery{{ID: id, Mailbox: "MBX01", From: "NEMS", WorkflowID: wf}}); err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
	}
	page := func(q mesh.InboxQuery) []string {
		t.Helper()
		es, err := s.Inbox(ctx, "MBX01", q)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, e := range es {
			ids = append(ids, e.ID)
		}
		return ids
	}
	for _, c := range []struct {
		q    mesh.InboxQuery
		want []string
	}{
		{mesh.InboxQuery{Limit: 10}, all[:10]},
		{mesh.InboxQuery{Limit: 10, After: "m09"}, all[10:20]},
		{mesh.InboxQuery{Limit: 10, After: "m20"}, all[21:]},
		{mesh.InboxQuery{Limit: 10, After: "unknown"}, all[:10]},
		{mesh.InboxQuery{Limit: 100, WorkflowID: "VACCINATIONS_1"}, vacc},
		{mesh.InboxQuery{Limit: 3, WorkflowID: "VACCINATIONS_1", After: "m04"}, vacc[4:7]},
	} {
		if got := page(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.q, got, c.want)
		}
	}
	if _, err := s.Inbox(ctx, "MBX01", mesh.InboxQuery{}); err == nil {
		t.Error("an inbox read without a limit was answered")
	}
	if _, err := s.Acknowledge(ctx, "MBX01", "m09"); err != nil {
		t.Fatal(err)
	}
	if got := page(mesh.InboxQuery{Limit: 3, After: "m09"}); !slices.Equal(got, all[:3]) {
		t.Errorf("after an acknowledged message: %v, want from the oldest", got)
	}
	if n, err := s.InboxCount(ctx, "MBX01"); err != nil || n != 24 {
		t.Errorf("count: %d %v, want 24", n, err)
	}
	// Its subscription deleted, the mailbox still exists for the messages
	// it holds.
	if _, err := s.DeleteSubscription(ctx, sub.ID); err != nil {
		t.Fatal(err)
	}
	for mb, want := range map[string]bool{"MBX01": true, "MBX02": false} {
		if ok, err := s.MailboxExists(ctx, mb); err != nil || ok != want {
			t.Errorf("MailboxExists(%s): %v %v, want %v", mb, ok, err, want)
		}
	}
}
