//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// TestServeSurvivesKill runs the real binary, kills it with SIGKILL in the
// middle of traffic, restarts it on the same data and checks that every
// subscription answered 201 and every event answered 202 is still there,
// that no mailbox holds a message twice, and that SIGTERM then stops it
// gracefully.
func TestServeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	data := filepath.Join(t.TempDir(), "data")
	subXML, event := requestFixture(t, "subscription.xml"), requestFixture(t, "publish.xml")
	const mailbox = "A91545OT001"
	client := &http.Client{Timeout: 10 * time.Second}

	p := startServe(t, data)
	resp, _, err := send(client, p.base, request.SubscriptionCreate, "", subXML)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("first subscription: %v %v\n%s", resp, err, p.logs)
	}

	// Traffic from four clients at once: subscriptions to new mailboxes
	// and publishes that match the first one. Once 40 calls have been
	// acknowledged the server is killed, with calls in flight; each client
	// stops at its first failed call (bounded in any case).
	var (
		mu       sync.Mutex
		created  []string
		accepted int
		failure  string
		acked    int
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				var resp *http.Response
				var err error
				isSub := i%2 == 0
				if isSub {
					body := bytes.Replace(subXML, []byte(mailbox), []byte(fmt.Sprintf("A91545T%d%03d", w, i)), 1)
					resp, _, err = send(client, p.base, request.SubscriptionCreate, "", body)
				} else {
					resp, _, err = send(client, p.base, request.Publish, "", event)
				}
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				switch {
				case isSub && resp.StatusCode == http.StatusCreated:
					created = append(created, resp.Header.Get("Location"))
				case !isSub && resp.StatusCode == http.StatusAccepted:
					accepted++
				default:
					failure = fmt.Sprintf("client %d call %d: status %d", w, i, resp.StatusCode)
				}
				acked++
				n := acked
				mu.Unlock()
				if n >= 40 {
					killOnce.Do(p.kill)
				}
			}
		}(w)
	}
	wg.Wait()
	if failure != "" {
		t.Fatalf("%s\n%s", failure, p.logs)
	}
	awaitKilled(t, p, "serve")
	if len(created) < 10 || accepted < 10 {
		t.Fatalf("only %d subscriptions and %d events were acknowledged before the kill\n%s", len(created), accepted, p.logs)
	}

	p = startServe(t, data)
	for _, loc := range created {
		path := strings.TrimPrefix(loc, loc[:strings.Index(loc, request.PathSubscription)])
		resp, body, err := send(client, p.base, request.SubscriptionRead, path, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("subscription %s, acknowledged 201, after restart: %v %v\n%s", path, resp, err, body)
		}
	}
	// Stop gracefully, then look at the mailbox in the database itself.
	stopServe(t, p)
	if !strings.Contains(p.logs.String(), "msg=stopped") {
		t.Errorf("no graceful stop in the log:\n%s", p.logs)
	}
	store, err := nems.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// At most 1000 publishes were sent: one page holds them all.
	ids, err := store.Inbox(context.Background(), mailbox, mesh.InboxQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ids {
		id := e.ID
		if seen[id] {
			t.Errorf("mailbox %s holds %s twice", mailbox, id)
		}
		seen[id] = true
	}
	// Each publish matched the first subscription: one message for each
	// 202, and at most one more per client, stored by a server killed
	// before its answer reached the client.
	if len(ids) < accepted || len(ids) > accepted+4 {
		t.Errorf("mailbox %s holds %d messages after %d events were answered 202", mailbox, len(ids), accepted)
	}
	t.Logf("%d subscriptions and %d events acknowledged before SIGKILL; all there after restart", len(created), accepted)
}
