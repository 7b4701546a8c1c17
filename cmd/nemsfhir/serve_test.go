package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// agreeCase is one request sent both to `nemsfhir serve` and to
// `nemsfhir request`.
type agreeCase struct {
	name   string
	in     request.Interaction
	method string
	path   string
	header map[string]string // besides the JWT
	scope  string            // of the JWT
	body   []byte
}

var spineHeaders = map[request.Interaction]map[string]string{
	request.Publish: {"fromASID": "200000000205", "toASID": "928942012545",
		"InteractionID": "urn:nhs:names:services:events:Vaccinations.Write", "Content-Type": "application/fhir+xml"},
	request.SubscriptionCreate: {"fromASID": "200000000205", "toASID": "928942012545",
		"InteractionID": request.SubscriptionCreate.InteractionID(), "Content-Type": "application/fhir+xml"},
	request.SubscriptionRead: {"fromASID": "200000000205", "toASID": "928942012545",
		"InteractionID": request.SubscriptionRead.InteractionID()},
	request.SubscriptionDelete: {"fromASID": "200000000205", "toASID": "928942012545",
		"InteractionID": request.SubscriptionDelete.InteractionID()},
}

// with returns the interaction's headers changed by edits; a "" value
// removes the header.
func with(in request.Interaction, edits map[string]string) map[string]string {
	h := map[string]string{}
	for k, v := range spineHeaders[in] {
		h[k] = v
	}
	for k, v := range edits {
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	return h
}

// agree sends the case to the server and to the request command and
// compares the status, Content-Type, Allow and OperationOutcome. It
// returns the status both gave.
func agree(t *testing.T, base string, tc agreeCase) int {
	t.Helper()
	method, path := target(tc.in, tc.method, tc.path)
	token := testJWT(tc.scope)

	resp, served, err := call(http.DefaultClient, method, base+path, tc.header, token, tc.body)
	if err != nil {
		t.Fatal(err)
	}
	cli := requestCLI(t, tc.name, tc.in, method, path, tc.header, tc.body, "--now=2025-03-01T10:00:00Z", "--jwt", token)
	cliStatus, cliBody, out := cli.status, cli.body, cli.out
	if resp.StatusCode != cliStatus {
		t.Errorf("%s: serve answered %d, request says %d\nserve:\n%s\nrequest:\n%s", tc.name, resp.StatusCode, cliStatus, served, out)
		return 0
	}
	for _, h := range []string{"Content-Type", "Allow"} {
		if want := cli.header.Get(h); want != "" && resp.Header.Get(h) != want {
			t.Errorf("%s: serve's %s is %q, request's %q", tc.name, h, resp.Header.Get(h), want)
		}
	}
	if string(served) != cliBody {
		t.Errorf("%s: the OperationOutcomes differ\nserve:\n%s\nrequest:\n%s", tc.name, served, cliBody)
	}
	return cliStatus
}

func newAgreeServer(t *testing.T) string {
	t.Helper()
	store, err := nems.OpenSQLite(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	fixed := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	srv, err := nems.New(nems.Options{Store: store, Request: request.Options{Now: func() time.Time { return fixed }}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

// TestServeAgreesWithRequest: whatever the request command says of a
// request, the server answers the same, refusals and acceptances alike.
func TestServeAgreesWithRequest(t *testing.T) {
	base := newAgreeServer(t)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(requestTestdata, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	publish, subXML, subJSON := read("publish.xml"), read("subscription.xml"), read("subscription.json")
	oneSub := request.PathSubscription + "/ea0a485187204b49b978bdcf7102388c"
	seen := map[int]bool{}
	for _, tc := range []agreeCase{
		{name: "publish", in: request.Publish, header: spineHeaders[request.Publish], scope: "patient/Bundle.write", body: publish},
		{name: "publish without InteractionID", in: request.Publish, header: with(request.Publish, map[string]string{"InteractionID": ""}), scope: "patient/Bundle.write", body: publish},
		{name: "publish as JSON", in: request.Publish, header: with(request.Publish, map[string]string{"Content-Type": "application/fhir+json"}), scope: "patient/Bundle.write", body: publish},
		{name: "publish with the wrong scope", in: request.Publish, header: spineHeaders[request.Publish], scope: "patient/Subscription.write", body: publish},
		{name: "publish with no body", in: request.Publish, header: spineHeaders[request.Publish], scope: "patient/Bundle.write"},
		{name: "publish with GET", in: request.Publish, method: http.MethodGet, header: spineHeaders[request.Publish], scope: "patient/Bundle.write"},
		{name: "create XML", in: request.SubscriptionCreate, header: spineHeaders[request.SubscriptionCreate], scope: "patient/Subscription.write", body: subXML},
		{name: "create JSON", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, map[string]string{"Content-Type": "application/fhir+json"}), scope: "patient/Subscription.write",
			// another mailbox, or it would duplicate the XML one: a store decision the request command cannot know
			body: bytes.Replace(subJSON, []byte("A91545OT001"), []byte("A91545OT002"), 1)},
		{name: "create as text/plain", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, map[string]string{"Content-Type": "text/plain"}), scope: "patient/Subscription.write", body: subXML},
		{name: "create JSON sent as XML", in: request.SubscriptionCreate, header: spineHeaders[request.SubscriptionCreate], scope: "patient/Subscription.write", body: subJSON},
		{name: "create with an id, answer in JSON", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, map[string]string{"Accept": "application/fhir+json"}), scope: "patient/Subscription.write",
			body: bytes.Replace(subXML, []byte("<meta>"), []byte(`<id value="ea0a485187204b49b978bdcf7102388c"/><meta>`), 1)},
		{name: "create without status", in: request.SubscriptionCreate, header: spineHeaders[request.SubscriptionCreate], scope: "patient/Subscription.write",
			body: bytes.Replace(subXML, []byte(`<status value="requested"/>`), nil, 1)},
		{name: "create with a fromASID not the JWT's", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, map[string]string{"fromASID": "200000000117"}), scope: "patient/Subscription.write", body: subXML},
		{name: "search", in: request.SubscriptionCreate, method: http.MethodGet, path: request.PathSubscription + "?_id=x", header: spineHeaders[request.SubscriptionRead], scope: "patient/Subscription.read"},
		{name: "update", in: request.SubscriptionRead, method: http.MethodPut, path: oneSub, header: spineHeaders[request.SubscriptionCreate], scope: "patient/Subscription.write", body: subXML},
		{name: "read a malformed id", in: request.SubscriptionRead, path: request.PathSubscription + "/nope", header: spineHeaders[request.SubscriptionRead], scope: "patient/Subscription.read"},
		{name: "read with the delete InteractionID", in: request.SubscriptionRead, path: oneSub, header: with(request.SubscriptionRead, map[string]string{"InteractionID": request.SubscriptionDelete.InteractionID()}), scope: "patient/Subscription.read"},
		{name: "delete without toASID", in: request.SubscriptionDelete, path: oneSub, header: with(request.SubscriptionDelete, map[string]string{"toASID": ""}), scope: "patient/Subscription.write"},
	} {
		seen[agree(t, base, tc)] = true
	}
	// The cases must reach every stage's answer, not just one.
	for _, status := range []int{201, 202, 400, 404, 405, 415, 422} {
		if !seen[status] {
			t.Errorf("no case was answered %d", status)
		}
	}
}

// TestServeAgreesOnNEMSExamples publishes every example of the guide that
// a publisher may send, as the request command judges it and as the server
// answers it.
func TestServeAgreesOnNEMSExamples(t *testing.T) {
	files := sharedtest.Glob(t, "corpus/nems-examples/*.xml")
	base := newAgreeServer(t)
	interaction := map[string]string{"blood-spot-test-outcome": "Bloodspottestoutcome", "newborn-hearing": "Newbornhearing",
		"nipe-outcome": "Nipeoutcome", "Professional-Contacts": "Professionalcontacts", "vaccinations": "Vaccinations"}
	n := 0
	statuses := map[int]int{}
	for _, f := range files {
		name := filepath.Base(f)
		code := ""
		for prefix, c := range interaction {
			if strings.HasPrefix(name, prefix+"-1-") {
				code = c
			}
		}
		if code == "" {
			continue // PDS events, subscriptions and outcomes are not published by suppliers
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n++
		statuses[agree(t, base, agreeCase{name: name, in: request.Publish, scope: "patient/Bundle.write", body: body,
			header: with(request.Publish, map[string]string{"InteractionID": fmt.Sprintf("urn:nhs:names:services:events:%s.Write", code)})})]++
	}
	if n == 0 || statuses[http.StatusAccepted] == 0 {
		t.Fatalf("%d publishable examples, answered %v: none accepted", n, statuses)
	}
	t.Logf("%d examples published, answered %v", n, statuses)
}

func TestServeUsage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	boxes, good := filepath.Join(dir, "bad-mailboxes"), filepath.Join(dir, "mailboxes")
	if err := os.WriteFile(boxes, []byte("# no password\nA91545OT001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("A91545OT001 pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--client-ca", "ca.pem"}, "--client-ca needs --tls-cert and --tls-key"},
		{[]string{"--tls-cert", "c.pem"}, "TLS needs both a certificate and a key file"},
		{[]string{"--max-size", "0"}, "--max-size must be positive"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--directory", filepath.Join(data, "none.json")}, "none.json"},
		{[]string{"--listen", "127.0.0.1:notaport"}, "--listen 127.0.0.1:notaport"},
		{[]string{"--mesh-mailboxes", filepath.Join(data, "none.txt")}, "--mesh-mailboxes mesh mailbox file: open " + filepath.Join(data, "none.txt")},
		{[]string{"--mesh-mailboxes", boxes}, boxes + `:2: mailbox "A91545OT001" has no password`},
		{[]string{"--mesh-mailboxes", good, "--mesh-password", "x"}, "--mesh-password is every mailbox's password when no --mesh-mailboxes file is given"},
		{[]string{"--mesh-password", ""}, "--mesh-password must not be empty"},
		{[]string{"--mesh-shared-key", ""}, "--mesh-shared-key must not be empty"},
		{[]string{"--lifecycle", boxes}, "--lifecycle " + boxes + `:2: expected "EVENT-TYPE STATE [NOTE]"`},
		{[]string{"--lifecycle", good}, "--lifecycle " + good + `:1: "A91545OT001" is not one of the event types NEMS supports`},
		{[]string{"--store", "mysql://db"}, `--store "mysql://db": expected a postgres:// or postgresql:// URL`},
		{[]string{"--store", "postgres:///nems"}, "--data is where SQLite keeps state; with --store the state is in PostgreSQL: give one of them"},
	} {
		code, _, errOut := runCLI(append([]string{"serve", "--data", data}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("serve %v: exit %d, %q; want exit %d with %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
}
