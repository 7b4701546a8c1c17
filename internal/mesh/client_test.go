package mesh

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh/meshtest"
)

// meshClientScript drives NHS England's Python MESH client, unchanged, as a
// receiver would: ping, handshake, count, list (whole, filtered, paged),
// retrieve, acknowledge, iterate and acknowledge the rest; then the
// refusals: a wrong password, another mailbox's token, a replayed token.
// It prints what it saw as JSON for the Go test to judge.
const meshClientScript = `
import json, sys, warnings
warnings.simplefilter("ignore")
import requests
from mesh_client import MeshClient, AuthTokenGenerator
from mesh_client.key_helper import get_shared_key_from_environ

cfg = json.loads(sys.argv[1])
url, box = cfg["url"], cfg["mailbox"]
kw = {"max_retries": 0, "timeout": 20}
if cfg.get("verify"):
    kw["verify"] = cfg["verify"]
out = {}

def attrs(m):
    return {
        "id": m.id(), "message_id": m.message_id, "sender": m.sender, "recipient": m.recipient,
        "workflow_id": m.workflow_id, "partner_id": m.partner_id, "subject": m.subject,
        "content_type": m.content_type, "message_type": m.message_type,
        "mex_partnerid": m.mex_header("partnerid"),
    }

with MeshClient(url, box, cfg["password"], **kw) as c:
    out["ping"] = c.ping()
    out["handshake"] = c.handshake().decode()
    out["count"] = c.count_messages()
    out["list"] = c.list_messages()
    out["list_gp"] = c.list_messages(workflow_filter="CHANGEOFGP_1")
    out["list_not_gp"] = c.list_messages(workflow_filter="!CHANGEOFGP_1")
    out["list_10"] = c.list_messages(max_results=10)
    out["iterate_ids_10"] = list(c.iterate_message_ids(batch_size=10))
    out["iterate_ids_death"] = list(c.iterate_message_ids(workflow_filter="DEATH*", batch_size=10))

    m = c.retrieve_message(out["list"][0])
    first = attrs(m)
    first["body"] = m.read().decode()
    m.close()
    m.acknowledge()
    out["first"] = first
    c.acknowledge_message(out["list"][1])
    out["after_acks"] = c.list_messages()

    collected = []
    for msg in c.iterate_all_messages():
        with msg:
            a = attrs(msg)
            a["body"] = msg.read().decode()
            collected.append(a)
    out["collected"] = collected
    out["final"] = c.list_messages()
    out["final_count"] = c.count_messages()

    # Another mailbox's token on this mailbox's path.
    other = AuthTokenGenerator(get_shared_key_from_environ(), cfg["other"], cfg["password"])
    r = c._session.get(url + "/messageexchange/" + box + "/inbox", auth=other, timeout=20)
    out["other_mailbox_token"] = r.status_code

with MeshClient(url, box, "not-" + cfg["password"], **kw) as bad:
    try:
        bad.handshake()
        out["wrong_password"] = 200
    except requests.HTTPError as e:
        out["wrong_password"] = e.response.status_code

# One token sent twice.
token = AuthTokenGenerator(get_shared_key_from_environ(), box, cfg["password"])()
s = requests.Session()
if "verify" in kw:
    s.verify = kw["verify"]
out["replay"] = [s.get(url + "/messageexchange/" + box + "/inbox", headers={"Authorization": token}, timeout=20).status_code for _ in range(2)]

print(json.dumps(out))
`

// clientReport is what the script prints.
type clientReport struct {
	Ping            map[string]any    `json:"ping"`
	Handshake       string            `json:"handshake"`
	Count           int               `json:"count"`
	List            []string          `json:"list"`
	ListGP          []string          `json:"list_gp"`
	ListNotGP       []string          `json:"list_not_gp"`
	List10          []string          `json:"list_10"`
	IterateIDs10    []string          `json:"iterate_ids_10"`
	IterateIDsDeath []string          `json:"iterate_ids_death"`
	First           map[string]string `json:"first"`
	AfterAcks       []string          `json:"after_acks"`
	Collected       []map[string]string
	Final           []string `json:"final"`
	FinalCount      int      `json:"final_count"`
	OtherMailbox    int      `json:"other_mailbox_token"`
	WrongPassword   int      `json:"wrong_password"`
	Replay          []int    `json:"replay"`
}

// TestNHSMeshClient runs NHS England's Python MESH client, unchanged,
// against the handler over plain HTTP and over TLS (verifying the test
// server's certificate), and checks that it collects and acknowledges every
// message a receiver was delivered, with their MESH headers, and is refused
// where it should be.
func TestNHSMeshClient(t *testing.T) {
	python, clientDir := meshtest.Client(t)
	for _, useTLS := range []bool{false, true} {
		name := "http"
		if useTLS {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			// Twelve messages for the receiver (so that pages of 10 need a
			// next link), one for another mailbox.
			store := NewMemoryStore()
			received := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			var want []Message
			for i := range 12 {
				wf, partner := "CHANGEOFGP_1", fmt.Sprintf("sub%d|tag-%d", i, i)
				if i%4 == 1 {
					wf, partner = "DEATHNOTIFICATION_1", fmt.Sprintf("subA|x~~~sub%d|tag-%d", i, i)
				}
				m := Message{
					ID: fmt.Sprintf("20261207%012d_NEMS%02d", i, i), From: nems, To: receiver,
					WorkflowID: wf, PartnerID: partner, Subject: fmt.Sprintf("event %d", i),
					ContentType: "application/fhir+json",
					Body:        []byte(fmt.Sprintf(`{"resourceType":"Bundle","id":"event-%d"}`, i)),
					Received:    received.Add(time.Duration(i) * time.Second),
				}
				want = append(want, m)
				if err := store.Deliver(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := store.Deliver(Message{ID: "OTHER1", From: nems, To: other, WorkflowID: "CHANGEOFGP_1", Body: []byte("x")}); err != nil {
				t.Fatal(err)
			}
			auth, err := NewAuth(AuthOptions{})
			if err != nil {
				t.Fatal(err)
			}
			h := NewHandler(store, auth)
			cfg := map[string]string{"mailbox": receiver, "other": other, "password": DefaultPassword}
			var srv *httptest.Server
			if useTLS {
				srv = httptest.NewTLSServer(h)
				ca := filepath.Join(t.TempDir(), "ca.pem")
				pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
				if err := os.WriteFile(ca, pemCert, 0o600); err != nil {
					t.Fatal(err)
				}
				cfg["verify"] = ca
			} else {
				srv = httptest.NewServer(h)
			}
			defer srv.Close()
			cfg["url"] = srv.URL
			arg, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}

			stdout := meshtest.Run(t, python, clientDir, meshClientScript, 90*time.Second, string(arg))
			var got clientReport
			if err := json.Unmarshal(stdout, &got); err != nil {
				t.Fatalf("the script's output: %v\n%s", err, stdout)
			}

			ids := func(ms []Message) []string {
				out := []string{}
				for _, m := range ms {
					out = append(out, m.ID)
				}
				return out
			}
			pick := func(keep func(Message) bool) []Message {
				var out []Message
				for _, m := range want {
					if keep(m) {
						out = append(out, m)
					}
				}
				return out
			}
			gp := pick(func(m Message) bool { return m.WorkflowID == "CHANGEOFGP_1" })
			death := pick(func(m Message) bool { return m.WorkflowID != "CHANGEOFGP_1" })

			if got.Ping["status"] != "running" || got.Handshake != "hello" || got.Count != 12 {
				t.Errorf("ping %v, handshake %q, count %d", got.Ping, got.Handshake, got.Count)
			}
			for _, c := range []struct {
				what      string
				got, want []string
			}{
				{"list_messages()", got.List, ids(want)},
				{"list_messages(workflow_filter=CHANGEOFGP_1)", got.ListGP, ids(gp)},
				{"list_messages(workflow_filter=!CHANGEOFGP_1)", got.ListNotGP, ids(death)},
				{"list_messages(max_results=10)", got.List10, ids(want[:10])},
				{"iterate_message_ids(batch_size=10)", got.IterateIDs10, ids(want)},
				{"iterate_message_ids(workflow_filter=DEATH*, batch_size=10)", got.IterateIDsDeath, ids(death)},
				{"list_messages() after two acknowledgements", got.AfterAcks, ids(want[2:])},
				{"list_messages() at the end", got.Final, []string{}},
			} {
				if !reflect.DeepEqual(c.got, c.want) {
					t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
				}
			}
			check := func(what string, a map[string]string, m Message) {
				wantAttrs := map[string]string{
					"id": m.ID, "message_id": m.ID, "sender": m.From, "recipient": m.To,
					"workflow_id": m.WorkflowID, "partner_id": m.PartnerID, "subject": m.Subject,
					"content_type": m.ContentType, "message_type": "DATA",
					"mex_partnerid": m.PartnerID, "body": string(m.Body),
				}
				if !reflect.DeepEqual(a, wantAttrs) {
					t.Errorf("%s:\n got %v\nwant %v", what, a, wantAttrs)
				}
			}
			check("retrieve_message", got.First, want[0])
			if len(got.Collected) != 10 {
				t.Fatalf("iterate_all_messages collected %d messages, want 10", len(got.Collected))
			}
			for i, a := range got.Collected {
				check(fmt.Sprintf("iterate_all_messages #%d", i), a, want[i+2])
			}
			if got.FinalCount != 0 {
				t.Errorf("count_messages() at the end: %d", got.FinalCount)
			}
			for _, m := range want {
				if acked, _ := store.Acknowledged(receiver, m.ID); !acked {
					t.Errorf("%s was not acknowledged", m.ID)
				}
			}
			if acked, found := store.Acknowledged(other, "OTHER1"); acked || !found {
				t.Errorf("the other mailbox's message: acknowledged %v, found %v", acked, found)
			}
			if got.OtherMailbox != 403 || got.WrongPassword != 403 || !reflect.DeepEqual(got.Replay, []int{200, 403}) {
				t.Errorf("refusals: other mailbox's token %d, wrong password %d, replay %v; want 403, 403, [200 403]", got.OtherMailbox, got.WrongPassword, got.Replay)
			}
		})
	}
}
