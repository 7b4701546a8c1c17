//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/mesh/meshtest"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// collectScript is a receiver collecting with NHS England's Python MESH
// client, unchanged: handshake, list, retrieve and acknowledge each
// message, list and count again; then a handshake for each refused
// (name, mailbox, password). It prints what it saw as JSON; bodies in
// base64, so that they are compared byte for byte.
const collectScript = `
import base64, json, sys, warnings
warnings.simplefilter("ignore")
import requests
from mesh_client import MeshClient

cfg = json.loads(sys.argv[1])
url, box = cfg["url"], cfg["mailbox"]
kw = {"max_retries": 0, "timeout": 20}
out = {}
with MeshClient(url, box, cfg["password"], **kw) as c:
    out["handshake"] = c.handshake().decode()
    out["list"] = c.list_messages()
    got = []
    for mid in out["list"]:
        m = c.retrieve_message(mid)
        got.append({
            "id": m.id(), "sender": m.sender, "recipient": m.recipient,
            "workflow_id": m.workflow_id, "partner_id": m.partner_id,
            "mex_partnerid": m.mex_header("partnerid"), "content_type": m.content_type,
            "body": base64.b64encode(m.read()).decode(),
        })
        m.close()
        c.acknowledge_message(mid)
    out["retrieved"] = got
    out["after"] = c.list_messages()
    out["count"] = c.count_messages()
refused = {}
for name, other, password in cfg.get("refused", []):
    with MeshClient(url, other, password, **kw) as bad:
        try:
            bad.handshake()
            refused[name] = 200
        except requests.HTTPError as e:
            refused[name] = e.response.status_code
out["refused"] = refused
print(json.dumps(out))
`

type collected struct {
	Handshake string              `json:"handshake"`
	List      []string            `json:"list"`
	Retrieved []map[string]string `json:"retrieved"`
	After     []string            `json:"after"`
	Count     int                 `json:"count"`
	Refused   map[string]int      `json:"refused"`
}

// collect runs collectScript against the server.
func collect(t *testing.T, python, clientDir, base, mailbox, password string, refused [][3]string) collected {
	t.Helper()
	arg, err := json.Marshal(map[string]any{"url": base, "mailbox": mailbox, "password": password, "refused": refused})
	if err != nil {
		t.Fatal(err)
	}
	out := meshtest.Run(t, python, clientDir, collectScript, 90*time.Second, string(arg))
	var got collected
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the script's output: %v\n%s", err, out)
	}
	return got
}

// eventLog reads the admin API's event log.
func eventLog(t *testing.T, client *http.Client, base string) []nems.Event {
	t.Helper()
	resp, err := client.Get(base + "/admin/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/events: %d %v\n%s", resp.StatusCode, err, b)
	}
	var evs []nems.Event
	if err := json.Unmarshal(b, &evs); err != nil {
		t.Fatalf("GET /admin/events: %v\n%s", err, b)
	}
	return evs
}

// stopServe stops the server with SIGTERM and waits for it to exit.
func stopServe(t *testing.T, p *serveProcess) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v on SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not stop within 20 s of SIGTERM\n%s", p.logs)
	}
}

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
	bin := buildServe(t)
	data := filepath.Join(t.TempDir(), "data")
	subXML, err := os.ReadFile(filepath.Join(requestTestdata, "subscription.xml"))
	if err != nil {
		t.Fatal(err)
	}
	event, err := os.ReadFile(filepath.Join(requestTestdata, "publish.xml"))
	if err != nil {
		t.Fatal(err)
	}
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

	p := startServe(t, bin, data)
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
	p = startServe(t, bin, data, "--mesh-mailboxes", boxes)
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
