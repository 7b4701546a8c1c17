//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/mesh/meshtest"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// TestServeMeshCollect runs `nemsfhir serve` on a fresh data folder,
// creates an explicit subscription and publishes a matching and a
// non-matching event over HTTP with Spine headers and JWTs, then collects
// with NHS England's Python MESH client, unchanged: the one message is the
// event as published, byte for byte, with the event type's workflow and
// the subscription's id and tag in Mex-PartnerID; acknowledged, it leaves
// the inbox and the store marks its delivery collected, which it still is
// after a restart on the same data, now with mailboxes from a
// --mesh-mailboxes file.
func TestServeMeshCollect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	python, clientDir := meshtest.Client(t)
	data := filepath.Join(t.TempDir(), "data")
	subXML, event := requestFixture(t, "subscription.xml"), requestFixture(t, "publish.xml")
	const (
		mailbox  = "A91545OT001"
		patient  = "9434765919"
		stranger = "9000000009" // a valid NHS number nobody subscribes to
	)
	tagged := bytes.Replace(subXML, []byte("MessageHeader.event=vaccinations-1"), []byte("MessageHeader.event=vaccinations-1&amp;tag=ward7"), 1)
	other := bytes.ReplaceAll(event, []byte(patient), []byte(stranger))
	if bytes.Equal(tagged, subXML) || bytes.Equal(other, event) || !bytes.Contains(subXML, []byte(mailbox)) {
		t.Fatal("test data changed: criteria, patient or mailbox not found")
	}
	client := &http.Client{Timeout: 10 * time.Second}

	p := startServe(t, data)
	resp, body, err := send(client, p.base, request.SubscriptionCreate, "", tagged)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %v %v\n%s\n%s", resp, err, body, p.logs)
	}
	loc := resp.Header.Get("Location")
	subID := loc[strings.LastIndex(loc, "/")+1:]
	for _, ev := range [][]byte{event, other} {
		resp, body, err := send(client, p.base, request.Publish, "", ev)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			t.Fatalf("publish: %v %v\n%s\n%s", resp, err, body, p.logs)
		}
	}

	got := collect(t, python, clientDir, p.base, mailbox, mesh.DefaultPassword, [][3]string{
		{"wrong password", mailbox, "not-" + mesh.DefaultPassword},
		{"mailbox no subscription names", "A91545OT999", mesh.DefaultPassword},
	})
	if got.Handshake != "hello" || len(got.List) != 1 || len(got.Retrieved) != 1 {
		t.Fatalf("handshake %q, listed %v, retrieved %d: want one message\n%s", got.Handshake, got.List, len(got.Retrieved), p.logs)
	}
	m := got.Retrieved[0]
	bodyGot, err := base64.StdEncoding.DecodeString(m["body"])
	if err != nil {
		t.Fatal(err)
	}
	delete(m, "body")
	want := map[string]string{
		"id": got.List[0], "sender": nems.DefaultMeshFrom, "recipient": mailbox,
		"workflow_id": "VACCINATIONS_1", "partner_id": subID + "|ward7", "mex_partnerid": subID + "|ward7",
		"content_type": "application/fhir+xml",
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("the message's MESH headers:\n got %v\nwant %v", m, want)
	}
	if !bytes.Equal(bodyGot, event) {
		t.Errorf("the message is not the event as published (%d bytes, published %d)", len(bodyGot), len(event))
	}
	if len(got.After) != 0 || got.Count != 0 {
		t.Errorf("after acknowledging: listed %v, count %d", got.After, got.Count)
	}
	wantRefused := map[string]int{"wrong password": 403, "mailbox no subscription names": 403}
	if !reflect.DeepEqual(got.Refused, wantRefused) {
		t.Errorf("refusals %v, want %v", got.Refused, wantRefused)
	}

	// The store: the matching event's one delivery is collected, the
	// other event has none.
	checkLog := func(when string) {
		t.Helper()
		evs := eventLog(t, client, p.base)
		if len(evs) != 2 {
			t.Fatalf("%s: %d events in the log, want 2", when, len(evs))
		}
		deliveries := map[string][]nems.Delivery{}
		for _, ev := range evs {
			deliveries[ev.NHSNumber] = ev.Deliveries
		}
		if d := deliveries[patient]; len(d) != 1 || d[0].ID != got.List[0] || d[0].Mailbox != mailbox || !d[0].Acknowledged {
			t.Errorf("%s: the matching event's deliveries: %+v, want %s to %s, acknowledged", when, d, got.List[0], mailbox)
		}
		if d := deliveries[stranger]; len(d) != 0 {
			t.Errorf("%s: the non-matching event was delivered: %+v", when, d)
		}
	}
	checkLog("after collecting")
	// MESH requests are logged as every other request is (never their token).
	if logs := p.logs.String(); !strings.Contains(logs, "path=/messageexchange/"+mailbox+"/inbox status=200") || strings.Contains(logs, "NHSMESH") {
		t.Errorf("the log lacks the MESH inbox request, or holds a token:\n%s", logs)
	}

	// Restart on the same data, each mailbox's password from a file.
	stopServe(t, p)
	boxes := filepath.Join(t.TempDir(), "mailboxes")
	if err := os.WriteFile(boxes, []byte("# receiver\n"+mailbox+"  s3cret word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = startServe(t, data, "--mesh-mailboxes", boxes)
	checkLog("after a restart")
	again := collect(t, python, clientDir, p.base, mailbox, "s3cret word", [][3]string{
		{"default password", mailbox, mesh.DefaultPassword},
	})
	if again.Handshake != "hello" || len(again.List) != 0 || again.Count != 0 {
		t.Errorf("after a restart: handshake %q, listed %v, count %d; want an empty inbox", again.Handshake, again.List, again.Count)
	}
	if again.Refused["default password"] != 403 {
		t.Errorf("with a mailbox file, the default password was answered %d", again.Refused["default password"])
	}
	stopServe(t, p)

	// And in the database itself.
	store, err := nems.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if n, err := store.InboxCount(context.Background(), mailbox); err != nil || n != 0 {
		t.Errorf("the database's inbox of %s: %d waiting (%v)", mailbox, n, err)
	}
	if _, found, err := store.Message(context.Background(), mailbox, got.List[0]); err != nil || !found {
		t.Errorf("the collected message is gone from the database: %v %v", found, err)
	}
}
