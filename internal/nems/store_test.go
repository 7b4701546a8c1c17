package nems

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/pgtest"
)

// storeKind opens a store of one kind. Opening again with the same key
// opens the same database, as a restart does. The store is closed when
// the test ends; closing it earlier is allowed.
type storeKind struct {
	name       string
	open       func(t *testing.T, key string) Store
	migrations int // how many the schema has
}

// storeKinds lists the stores every store test runs against.
func storeKinds(t *testing.T) []storeKind {
	t.Helper()
	dirs, urls := map[string]string{}, map[string]string{}
	return []storeKind{
		{"sqlite", func(t *testing.T, key string) Store {
			if dirs[key] == "" {
				dirs[key] = t.TempDir()
			}
			return openTestStore(t, dirs[key])
		}, len(sqliteMigrations)},
		{"postgres", func(t *testing.T, key string) Store {
			if urls[key] == "" {
				urls[key] = pgtest.URL(t)
			}
			return openTestPostgres(t, urls[key])
		}, len(postgresMigrations)},
	}
}

func openTestPostgres(t *testing.T, url string) *Postgres {
	t.Helper()
	s, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestMigrationFiles checks the embedded migrations are numbered without
// gaps, and that the PostgreSQL store refuses a newer schema.
func TestMigrationFiles(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		if m, err := migrationsOf(store); err != nil || len(m) == 0 {
			t.Errorf("%s: %d migrations, %v", store, len(m), err)
		}
	}
	url := pgtest.URL(t)
	s := openTestPostgres(t, url)
	if _, err := s.pool.Exec(context.Background(), "INSERT INTO schema_version (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenPostgres(context.Background(), url); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("a database of schema 99 was opened: %v", err)
	}
}

// TestDirectorySurvivesRestart changes a patient through a PDS event and
// the admin API, restarts on the same database with the same seed, and
// finds the changes kept; a different seed replaces them.
func TestDirectorySurvivesRestart(t *testing.T) {
	for _, kind := range storeKinds(t) {
		t.Run(kind.name, func(t *testing.T) {
			start := func(dir *Directory) (*Server, Store) {
				st := kind.open(t, "restart")
				srv, err := New(Options{Store: st, Directory: dir})
				if err != nil {
					t.Fatal(err)
				}
				return srv, st
			}
			const local = "127.0.0.1:40000"
			srv, st := start(SampleDirectory())
			a := adminCall(t, srv, http.MethodPost, "/admin/events", local, changeOfGP(t))
			wantStatus(t, "inject Change of GP", a, http.StatusAccepted)
			st.Close()

			dir := SampleDirectory()
			srv, st = start(dir)
			if p, ok := dir.Patient("9992026847"); !ok || p.GP != "A85829" {
				t.Fatalf("after a restart the Change of GP is lost: %+v %v", p, ok)
			}
			a = adminCall(t, srv, http.MethodPut, "/admin/directory", local,
				[]byte(`{"patients": [{"nhsNumber": "9912003888", "gp": "b86056", "postcode": "LS1 4AP", "flags": "s"}],
				"postcodes": [{"postcode": "ls1 4ap", "icbSubLocation": "x2458"}], "practices": [{"code": "b86056", "icbSubLocation": "X2458"}]}`))
			wantStatus(t, "directory", a, http.StatusOK, `"patients": 1`)
			st.Close()

			dir = SampleDirectory()
			_, st = start(dir)
			p, ok, err := dir.Lookup(context.Background(), "9912003888")
			if err != nil || !ok || p.GP != "B86056" || p.Postcode != "LS1 4AP" || !p.Withheld() {
				t.Fatalf("after a restart the admin's directory is lost: %+v %v %v", p, ok, err)
			}
			if p, ok := dir.Patient("9434765919"); ok {
				t.Fatalf("the sample came back over the admin's directory: %+v", p)
			}
			codes, err := dir.RuleCodes(context.Background(), p)
			if err != nil || codes["CHO_GP_CCG"] != "X2458" || codes["CHO_POSTCODE_CCG"] != "X2458" || codes["GP_GP_GP"] != "B86056" {
				t.Fatalf("rule codes from the stored areas: %v %v", codes, err)
			}
			st.Close()

			// A different seed (a changed --directory file) replaces it.
			other, err := LoadDirectory(strings.NewReader(`{"patients": [{"nhsNumber": "9912003888", "gp": "Y01234"}]}`), "d.json")
			if err != nil {
				t.Fatal(err)
			}
			_, st = start(other)
			if p, _ := other.Patient("9912003888"); p.GP != "Y01234" || p.Withheld() {
				t.Fatalf("a new seed was not applied: %+v", p)
			}
			// No directory given: the store's is used as it is.
			st.Close()
			srv, st = start(nil)
			if p, _ := srv.opts.Directory.Patient("9912003888"); p.GP != "Y01234" {
				t.Fatalf("without a directory the stored one is not used: %+v", p)
			}
		})
	}
}

// TestOutboxTakeover: an event accepted by an instance that dies before
// delivering it is taken over by another once the claim expires, and
// delivered once; the first instance, were it only slow, then stores
// nothing. Two instances sweeping many expired events at once deliver
// each exactly once.
func TestOutboxTakeover(t *testing.T) {
	for _, kind := range storeKinds(t) {
		t.Run(kind.name, func(t *testing.T) {
			ctx := context.Background()
			const lease = 200 * time.Millisecond
			stA, stB := kind.open(t, "outbox"), kind.open(t, "outbox")
			srvA, err := New(Options{Store: stA, Instance: "a", Lease: lease})
			if err != nil {
				t.Fatal(err)
			}
			srvB, err := New(Options{Store: stB, Instance: "b", Lease: lease})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			sub := Subscription{ID: "ea0a485187204b49b978bdcf7102388c", Owner: ownerASID, Mailbox: "MBX01", Criteria: "c",
				NHSNumber: patient, Events: []string{"vaccinations-1"}, Key: "k1", Body: []byte("<Subscription/>"), Format: "xml", Created: now.Add(-time.Hour)}
			if _, err := stA.CreateSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
			body := readTestdata(t, "publish.xml")
			ev := Event{ID: "e-dead", EventType: "vaccinations-1", NHSNumber: patient, FromASID: ownerASID,
				ContentType: "application/fhir+xml", Body: body, Received: now}
			if err := stA.QueueEvent(ctx, ev, nil, "a", lease); err != nil {
				t.Fatal(err)
			}
			if n, err := srvB.SweepOnce(ctx); err != nil || n != 0 {
				t.Fatalf("a claim still held was taken over: %d %v", n, err)
			}
			time.Sleep(lease + 50*time.Millisecond)
			if n, err := srvB.SweepOnce(ctx); err != nil || n != 1 {
				t.Fatalf("expired claim: %d taken over, %v; want 1", n, err)
			}
			// The first owner, only slow, finishes late: it must store nothing.
			d := []Delivery{{ID: "late", Mailbox: "MBX01", From: "NEMS", WorkflowID: "VACCINATIONS_1"}}
			if done, err := stA.CompleteEvent(ctx, ev.ID, "a", nil, false, d); err != nil || done {
				t.Fatalf("the first owner completed a claim taken over: %v %v", done, err)
			}
			if ids, _ := waiting(ctx, stA, "MBX01", ""); len(ids) != 1 || ids[0] == "late" {
				t.Fatalf("mailbox after the takeover: %v, want one message from b", ids)
			}
			evs, err := stA.ListEvents(ctx, 10)
			if err != nil || len(evs) != 1 || len(evs[0].Matches) != 1 || !evs[0].Matches[0].Matched {
				t.Fatalf("event log after the takeover: %+v %v", evs, err)
			}

			// Many expired claims, two instances sweeping at once.
			const events = 60
			for i := range events {
				ev := ev
				ev.ID = fmt.Sprintf("e%03d", i)
				if err := stA.QueueEvent(ctx, ev, nil, "dead", time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(20 * time.Millisecond)
			defer func(n int) { sweepBatch = n }(sweepBatch)
			sweepBatch = 3
			var wg sync.WaitGroup
			counts := make([]int, 2)
			for i, srv := range []*Server{srvA, srvB} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 50 {
						n, err := srv.SweepOnce(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						counts[i] += n
						if left, _ := srv.opts.Store.PendingEvents(ctx); left == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			if counts[0]+counts[1] != events {
				t.Fatalf("the two instances delivered %v events, want %d in all", counts, events)
			}
			if n, err := stA.PendingEvents(ctx); err != nil || n != 0 {
				t.Fatalf("outbox after the sweeps: %d %v", n, err)
			}
			if ids, _ := waiting(ctx, stA, "MBX01", ""); len(ids) != events+1 {
				t.Fatalf("mailbox holds %d messages, want %d", len(ids), events+1)
			}
			t.Logf("sweeps: a delivered %d, b %d", counts[0], counts[1])
		})
	}
}

func TestUniqueMeshIDs(t *testing.T) {
	ids := []string{"b", "c"}
	ds := uniqueMeshIDs([]Delivery{{ID: "a", Mailbox: "M1"}, {ID: "a", Mailbox: "M2"}, {ID: "b", Mailbox: "M3"}}, func() string {
		id := ids[0]
		ids = ids[1:]
		return id
	})
	if ds[0].ID != "a" || ds[1].ID != "b" || ds[2].ID != "c" {
		t.Fatalf("ids %q %q %q, want a b c", ds[0].ID, ds[1].ID, ds[2].ID)
	}
}
