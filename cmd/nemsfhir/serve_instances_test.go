//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/internal/pgtest"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// bundleID is the Bundle.id of publish.xml; each publish of the test gets
// its own by replacing its tail with a number.
const bundleID = "0b3a5c52-4d7e-4c1e-9d55-6f0a1e7b2c01"

var bundleNumber = regexp.MustCompile(`0b3a5c52-4d7e-4c1e-9d55-(\d{12})`)

// TestServeInstancesExactlyOnce runs three `nemsfhir serve` on one
// PostgreSQL database, publishes to all of them at once, kills one with
// SIGKILL in the middle of the traffic, and checks that each of the two
// subscribed mailboxes holds every event answered 202 exactly once, and
// no event twice, once the survivors have taken over what the dead one
// had claimed.
func TestServeInstancesExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	url := pgtest.URL(t)
	subXML, event := requestFixture(t, "subscription.xml"), requestFixture(t, "publish.xml")
	if !bytes.Contains(event, []byte(bundleID)) {
		t.Fatalf("publish.xml changed: no Bundle.id %s", bundleID)
	}
	var ps []*serveProcess
	for range 3 {
		ps = append(ps, startServe(t, url, "--claim-lease", "2s"))
	}
	logs := func() string {
		var b strings.Builder
		for i, p := range ps {
			fmt.Fprintf(&b, "--- instance %d:\n%s", i, p.logs)
		}
		return b.String()
	}
	client := &http.Client{Timeout: 10 * time.Second}
	mailboxes := []string{"A91545OT001", "A91545OT002"}
	for i, mb := range mailboxes {
		resp, body, err := send(client, ps[i].base, request.SubscriptionCreate, "", bytes.Replace(subXML, []byte("A91545OT001"), []byte(mb), 1))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("subscription for %s: %v %v\n%s", mb, resp, err, body)
		}
	}

	// Six clients, each publishing round the instances; once 150
	// publishes have been answered 202, instance 1 is killed with calls in
	// flight. A client whose call fails (the dead instance) goes on with
	// the next instance: that publish's outcome is unknown, not lost.
	var (
		mu       sync.Mutex
		accepted = map[string]bool{}
		unknown  = map[string]bool{}
		failure  string
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	const clients, perClient = 6, 120
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				n := fmt.Sprintf("%012d", c*perClient+i)
				body := bytes.Replace(event, []byte(bundleID), []byte("0b3a5c52-4d7e-4c1e-9d55-"+n), 1)
				resp, _, err := send(client, ps[(c+i)%len(ps)].base, request.Publish, "", body)
				mu.Lock()
				switch {
				case err != nil:
					unknown[n] = true
				case resp.StatusCode == http.StatusAccepted:
					accepted[n] = true
				default:
					failure = fmt.Sprintf("client %d publish %s: status %d", c, n, resp.StatusCode)
				}
				done := len(accepted)
				mu.Unlock()
				if done >= 150 {
					killOnce.Do(ps[1].kill)
				}
			}
		}()
	}
	wg.Wait()
	if failure != "" {
		t.Fatalf("%s\n%s", failure, logs())
	}
	awaitKilled(t, ps[1], "instance 1")
	if len(accepted) < 300 {
		t.Fatalf("only %d publishes were answered 202", len(accepted))
	}

	// The survivors take over the dead instance's claims once they expire.
	store, err := nems.OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := store.PendingEvents(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d accepted events still undelivered 30 s after the kill\n%s", n, logs())
		}
		time.Sleep(200 * time.Millisecond)
	}

	for _, mb := range mailboxes {
		entries, err := store.Inbox(ctx, mb, mesh.InboxQuery{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		held := map[string]int{}
		for _, e := range entries {
			m, found, err := store.Message(ctx, mb, e.ID)
			if err != nil || !found {
				t.Fatalf("message %s of %s: %v %v", e.ID, mb, found, err)
			}
			k := bundleNumber.FindSubmatch(m.Body)
			if k == nil {
				t.Fatalf("message %s of %s is not one of the test's publishes", e.ID, mb)
			}
			held[string(k[1])]++
		}
		for n, count := range held {
			if count > 1 {
				t.Errorf("mailbox %s holds publish %s %d times", mb, n, count)
			}
			if !accepted[n] && !unknown[n] {
				t.Errorf("mailbox %s holds publish %s, which was never sent", mb, n)
			}
		}
		for n := range accepted {
			if held[n] != 1 {
				t.Errorf("mailbox %s holds publish %s, answered 202, %d times", mb, n, held[n])
			}
		}
	}
	takenOver := 0
	for _, p := range ps {
		takenOver += strings.Count(p.logs.String(), "msg=\"event taken over\"")
	}
	t.Logf("%d publishes answered 202 and %d of unknown outcome across 3 instances; one killed; %d events taken over by survivors; each mailbox holds each accepted event once",
		len(accepted), len(unknown), takenOver)
}
