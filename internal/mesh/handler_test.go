package mesh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	receiver = "X26OT181TEST"
	other    = "X26OT182TEST"
	nems     = "X26NEMS01"
)

// testMessages are what a local NEMS delivered: five to receiver (three
// Change of GP, two Death), one to other.
func testMessages() []Message {
	at := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC)
	msg := func(id, to, wf, partner string, n int) Message {
		return Message{
			ID: id, From: nems, To: to, WorkflowID: wf, PartnerID: partner,
			Subject:     "NEMS event " + id,
			ContentType: "application/fhir+xml",
			Body:        []byte(fmt.Sprintf("<Bundle xmlns=\"http://hl7.org/fhir\"><id value=%q/></Bundle>", id)),
			Received:    at.Add(time.Duration(n) * time.Minute),
		}
	}
	return []Message{
		msg("20261207003000000001_A1", receiver, "CHANGEOFGP_1", "sub1|tagA", 0),
		msg("20261207003100000002_A2", receiver, "DEATHNOTIFICATION_1", "sub2|tagB~~~sub3|tagC", 1),
		msg("20261207003200000003_A3", other, "CHANGEOFGP_1", "sub4|", 2),
		msg("20261207003300000004_A4", receiver, "CHANGEOFGP_1", "sub1|tagA", 3),
		msg("20261207003400000005_A5", receiver, "DEATHNOTIFICATION_1", "sub2|tagB", 4),
		msg("20261207003500000006_A6", receiver, "CHANGEOFGP_1", "sub1|tagA", 5),
	}
}

func newTestServer(t *testing.T, msgs []Message) (*httptest.Server, *MemoryStore) {
	t.Helper()
	store := NewMemoryStore()
	for _, m := range msgs {
		if err := store.Deliver(m); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewHandler(store, newTestAuth(t, AuthOptions{})))
	t.Cleanup(srv.Close)
	return srv, store
}

// testClient signs each request with a fresh token, as a MESH client does.
type testClient struct {
	t       *testing.T
	base    string
	mailbox string
	count   int
	accept  string // "" sends no Accept header (API version 1)
	nonce   string
}

// nonces makes each test client's nonce its own, as each real client's is.
var nonces atomic.Int64

func (c *testClient) do(method, path string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.nonce == "" {
		c.nonce = fmt.Sprintf("test-nonce-%d", nonces.Add(1))
	}
	req.Header.Set("Authorization", makeToken(DefaultSharedKey, c.mailbox, DefaultPassword, c.nonce, c.count, testNow))
	c.count++
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

// json does a request, wants status and decodes the JSON answer into v.
func (c *testClient) json(method, path string, status int, v any) *http.Response {
	c.t.Helper()
	resp, body := c.do(method, path)
	if resp.StatusCode != status {
		c.t.Fatalf("%s %s: status %d (%s), want %d", method, path, resp.StatusCode, body, status)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, body)
		}
	}
	return resp
}

func TestHandshake(t *testing.T) {
	srv, _ := newTestServer(t, nil)
	v1 := &testClient{t: t, base: srv.URL, mailbox: receiver}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		var got map[string]string
		resp := v1.json(method, "/messageexchange/"+receiver, http.StatusOK, &got)
		if got["mailboxId"] != receiver || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("v1 %s handshake: %v, %s", method, got, resp.Header.Get("Content-Type"))
		}
	}
	v2 := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	resp, body := v2.do(http.MethodPost, "/messageexchange/"+receiver)
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("v2 handshake: %d %q, want 200 and no body", resp.StatusCode, body)
	}
	bad := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+xml"}
	var e map[string]string
	bad.json(http.MethodPost, "/messageexchange/"+receiver, http.StatusBadRequest, &e)
	if !strings.Contains(e["errorDescription"], "application/vnd.mesh.vN+json") || e["errorCode"] != "400" {
		t.Errorf("bad Accept: %v", e)
	}
	// The liveness probe needs no token.
	pr, err := http.Get(srv.URL + "/messageexchange/_ping")
	if err != nil {
		t.Fatal(err)
	}
	pr.Body.Close()
	if pr.StatusCode != http.StatusOK {
		t.Errorf("_ping: %d", pr.StatusCode)
	}
}

func TestCount(t *testing.T) {
	srv, store := newTestServer(t, testMessages())
	v1 := &testClient{t: t, base: srv.URL, mailbox: receiver}
	var c1 struct {
		Count              int
		InternalID         string
		AllResultsIncluded bool
	}
	v1.json(http.MethodGet, "/messageexchange/"+receiver+"/count", http.StatusOK, &c1)
	if c1.Count != 5 || c1.InternalID == "" || !c1.AllResultsIncluded {
		t.Errorf("v1 count: %+v", c1)
	}
	if _, err := store.Acknowledge(context.Background(), receiver, "20261207003000000001_A1"); err != nil {
		t.Fatal(err)
	}
	v2 := &testClient{t: t, base: srv.URL, mailbox: other, accept: "application/vnd.mesh.v2+json"}
	var c2 map[string]int
	v2.json(http.MethodGet, "/messageexchange/"+other+"/count", http.StatusOK, &c2)
	if !reflect.DeepEqual(c2, map[string]int{"count": 1}) {
		t.Errorf("v2 count of %s: %v", other, c2)
	}
	v1.json(http.MethodGet, "/messageexchange/"+receiver+"/count", http.StatusOK, &c1)
	if c1.Count != 4 {
		t.Errorf("count after an acknowledgement: %d, want 4", c1.Count)
	}
}

type inboxV2 struct {
	Messages         []string          `json:"messages"`
	Links            map[string]string `json:"links"`
	ApproxInboxCount int               `json:"approx_inbox_count"`
}

func TestInboxList(t *testing.T) {
	srv, _ := newTestServer(t, testMessages())
	v1 := &testClient{t: t, base: srv.URL, mailbox: receiver}
	v2 := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	all := []string{"20261207003000000001_A1", "20261207003100000002_A2", "20261207003300000004_A4", "20261207003400000005_A5", "20261207003500000006_A6"}
	gp := []string{all[0], all[2], all[4]}
	death := []string{all[1], all[3]}

	var l1 map[string][]string
	v1.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox", http.StatusOK, &l1)
	if !reflect.DeepEqual(l1, map[string][]string{"messages": all}) {
		t.Errorf("v1 inbox: %v", l1)
	}
	var l2 inboxV2
	resp := v2.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox", http.StatusOK, &l2)
	if !reflect.DeepEqual(l2.Messages, all) || l2.ApproxInboxCount != 5 || l2.Links["self"] != "/messageexchange/"+receiver+"/inbox" || l2.Links["next"] != "" {
		t.Errorf("v2 inbox: %+v", l2)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.mesh.v2+json" {
		t.Errorf("v2 inbox Content-Type %s", ct)
	}

	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"CHANGEOFGP_1", gp},
		{"!CHANGEOFGP_1", death},
		{"DEATH*", death},
		{"!DEATH*", gp},
		{"*GP*", gp},
		{"!*GP*", death},
		{"VACCINATIONS_1", []string{}},
	} {
		var l inboxV2
		v2.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox?workflow_filter="+c.filter, http.StatusOK, &l)
		if !reflect.DeepEqual(l.Messages, c.want) || l.ApproxInboxCount != 5 {
			t.Errorf("workflow_filter=%s: %+v, want %v", c.filter, l, c.want)
		}
	}
	for _, q := range []string{"max_results=9", "max_results=5001", "max_results=ten", "workflow_filter=A*B", "workflow_filter=*", "workflow_filter=!**"} {
		var e map[string]string
		v2.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox?"+q, http.StatusBadRequest, &e)
		if e["errorDescription"] == "" {
			t.Errorf("%s: no reason given", q)
		}
	}
	// Another mailbox sees only its own.
	o := &testClient{t: t, base: srv.URL, mailbox: other}
	o.json(http.MethodGet, "/messageexchange/"+other+"/inbox", http.StatusOK, &l1)
	if !reflect.DeepEqual(l1["messages"], []string{"20261207003200000003_A3"}) {
		t.Errorf("inbox of %s: %v", other, l1)
	}
}

// TestInboxPaging follows links.next as the client does, over 25 messages
// in pages of 10, with and without a workflow filter.
func TestInboxPaging(t *testing.T) {
	var msgs []Message
	var want, wantGP []string
	for i := range 25 {
		wf := "CHANGEOFGP_1"
		if i%3 == 0 {
			wf = "DEATHNOTIFICATION_1"
		} else {
			wantGP = append(wantGP, fmt.Sprintf("M%02d", i))
		}
		msgs = append(msgs, Message{ID: fmt.Sprintf("M%02d", i), From: nems, To: receiver, WorkflowID: wf})
		want = append(want, fmt.Sprintf("M%02d", i))
	}
	srv, store := newTestServer(t, msgs)
	v2 := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	collect := func(first string) (ids []string, pages int) {
		next := first
		for next != "" && pages < 10 {
			var l inboxV2
			v2.json(http.MethodGet, next, http.StatusOK, &l)
			if len(l.Messages) > 10 {
				t.Fatalf("page of %d", len(l.Messages))
			}
			ids = append(ids, l.Messages...)
			next = l.Links["next"]
			pages++
		}
		return ids, pages
	}
	base := "/messageexchange/" + receiver + "/inbox?max_results=10"
	if ids, pages := collect(base); !reflect.DeepEqual(ids, want) || pages != 3 {
		t.Errorf("paged inbox: %d pages, %v", pages, ids)
	}
	for _, f := range []string{"CHANGEOFGP_1", "!DEATH*"} {
		if ids, _ := collect(base + "&workflow_filter=" + f); !reflect.DeepEqual(ids, wantGP) {
			t.Errorf("paged inbox with workflow_filter=%s: %v", f, ids)
		}
	}
	// A continue_from whose message was acknowledged since starts again
	// from the oldest waiting: nothing is missed.
	if _, err := store.Acknowledge(context.Background(), receiver, "M09"); err != nil {
		t.Fatal(err)
	}
	var l inboxV2
	v2.json(http.MethodGet, base+"&continue_from=M09", http.StatusOK, &l)
	if len(l.Messages) != 10 || l.Messages[0] != "M00" || l.Messages[9] != "M10" {
		t.Errorf("continue_from an acknowledged message: %v", l.Messages)
	}
	v2.json(http.MethodGet, base+"&continue_from=M10", http.StatusOK, &l)
	if len(l.Messages) != 10 || l.Messages[0] != "M11" {
		t.Errorf("continue_from M10: %v", l.Messages)
	}
}

func TestRetrieve(t *testing.T) {
	msgs := testMessages()
	srv, _ := newTestServer(t, msgs)
	c := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	m := msgs[1]
	for _, path := range []string{"/inbox/" + m.ID, "/inbox/" + m.ID + "/1"} {
		resp, body := c.do(http.MethodGet, "/messageexchange/"+receiver+path)
		if resp.StatusCode != http.StatusOK || string(body) != string(m.Body) {
			t.Fatalf("GET %s: %d %q", path, resp.StatusCode, body)
		}
		for name, want := range map[string]string{
			"Mex-From":            nems,
			"Mex-To":              receiver,
			"Mex-WorkflowID":      "DEATHNOTIFICATION_1",
			"Mex-MessageID":       m.ID,
			"Mex-PartnerID":       "sub2|tagB~~~sub3|tagC",
			"Mex-Subject":         "NEMS event " + m.ID,
			"Mex-MessageType":     "DATA",
			"Mex-Chunk-Range":     "1:1",
			"Mex-StatusSuccess":   "SUCCESS",
			"Mex-StatusTimestamp": "20261207003100",
			"Content-Type":        "application/fhir+xml",
			"Content-Length":      fmt.Sprint(len(m.Body)),
			"Last-Modified":       "Mon, 07 Dec 2026 00:31:00 GMT",
		} {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("GET %s: %s is %q, want %q", path, name, got, want)
			}
		}
	}
	resp, body := c.do(http.MethodHead, "/messageexchange/"+receiver+"/inbox/"+m.ID)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Mex-MessageID") != m.ID {
		t.Errorf("HEAD: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// A message without a content type or subject.
	bare := &testClient{t: t, base: srv.URL, mailbox: other}
	store2 := NewMemoryStore()
	if err := store2.Deliver(Message{ID: "B1", From: nems, To: other, WorkflowID: "VACCINATIONS_1", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(NewHandler(store2, newTestAuth(t, AuthOptions{})))
	defer srv2.Close()
	bare.base = srv2.URL
	resp, _ = bare.do(http.MethodGet, "/messageexchange/"+other+"/inbox/B1")
	if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Values("Mex-Subject") != nil || resp.Header.Values("Mex-PartnerID") != nil {
		t.Errorf("bare message headers: %v", resp.Header)
	}

	for _, path := range []string{
		"/inbox/NO_SUCH_ID",
		"/inbox/" + m.ID + "/2",
		"/inbox/" + m.ID + "/0",
		"/inbox/" + msgs[2].ID, // other's message
	} {
		var e map[string]string
		c.json(http.MethodGet, "/messageexchange/"+receiver+path, http.StatusNotFound, &e)
		if e["errorDescription"] == "" {
			t.Errorf("GET %s: no reason", path)
		}
	}
}

func TestAcknowledge(t *testing.T) {
	msgs := testMessages()
	srv, store := newTestServer(t, msgs)
	v1 := &testClient{t: t, base: srv.URL, mailbox: receiver}
	v2 := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	ack := "/messageexchange/" + receiver + "/inbox/%s/status/acknowledged"

	var a1 map[string]string
	v1.json(http.MethodPut, fmt.Sprintf(ack, msgs[0].ID), http.StatusOK, &a1)
	if a1["messageId"] != msgs[0].ID {
		t.Errorf("v1 acknowledgement: %v", a1)
	}
	resp, body := v2.do(http.MethodPut, fmt.Sprintf(ack, msgs[1].ID))
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("v2 acknowledgement: %d %q", resp.StatusCode, body)
	}
	for _, id := range []string{msgs[0].ID, msgs[1].ID} {
		if acked, found := store.Acknowledged(receiver, id); !acked || !found {
			t.Errorf("%s not acknowledged in the store", id)
		}
	}
	var l inboxV2
	v2.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox", http.StatusOK, &l)
	if len(l.Messages) != 3 || l.Messages[0] != msgs[3].ID {
		t.Errorf("inbox after two acknowledgements: %v", l.Messages)
	}
	// Again is not an error; an acknowledged message can still be downloaded.
	v1.json(http.MethodPut, fmt.Sprintf(ack, msgs[0].ID), http.StatusOK, &a1)
	if resp, _ := v2.do(http.MethodGet, "/messageexchange/"+receiver+"/inbox/"+msgs[0].ID); resp.StatusCode != http.StatusOK {
		t.Errorf("download after acknowledgement: %d", resp.StatusCode)
	}
	// Unknown, or another mailbox's: 404, and the other's stays waiting.
	var e map[string]string
	v2.json(http.MethodPut, fmt.Sprintf(ack, "NO_SUCH_ID"), http.StatusNotFound, &e)
	v2.json(http.MethodPut, fmt.Sprintf(ack, msgs[2].ID), http.StatusNotFound, &e)
	if acked, _ := store.Acknowledged(other, msgs[2].ID); acked {
		t.Error("a mailbox acknowledged another's message")
	}
}

// TestEndpointAuth checks that every mailbox endpoint refuses a token for
// another mailbox, a bad HMAC and a replay, and touches nothing when it does.
func TestEndpointAuth(t *testing.T) {
	msgs := testMessages()
	srv, store := newTestServer(t, msgs)
	paths := []struct{ method, path string }{
		{http.MethodPost, ""},
		{http.MethodGet, "/count"},
		{http.MethodGet, "/inbox"},
		{http.MethodGet, "/inbox/" + msgs[0].ID},
		{http.MethodGet, "/inbox/" + msgs[0].ID + "/1"},
		{http.MethodPut, "/inbox/" + msgs[0].ID + "/status/acknowledged"},
		{http.MethodPost, "/outbox"},
	}
	send := func(method, path, token string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+"/messageexchange/"+receiver+path, nil)
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e map[string]string
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e); err != nil {
			t.Fatalf("%s %s: %d without a JSON error body: %v", method, path, resp.StatusCode, err)
		}
		return resp.StatusCode, e["errorDescription"]
	}
	for i, p := range paths {
		for _, c := range []struct {
			name, token string
			status      int
		}{
			{"no token", "", http.StatusBadRequest},
			{"other mailbox's token", makeToken(DefaultSharedKey, other, DefaultPassword, "n", i, testNow), http.StatusForbidden},
			{"bad HMAC", makeToken(DefaultSharedKey, receiver, "wrong", "n", i, testNow), http.StatusForbidden},
			{"stale", makeToken(DefaultSharedKey, receiver, DefaultPassword, "n", i, testNow.Add(-3*time.Hour)), http.StatusForbidden},
		} {
			if status, why := send(p.method, p.path, c.token); status != c.status || why == "" {
				t.Errorf("%s %s with %s: %d %q, want %d", p.method, p.path, c.name, status, why, c.status)
			}
		}
		good := makeToken(DefaultSharedKey, receiver, DefaultPassword, "good", i, testNow)
		want := http.StatusOK
		if p.path == "/outbox" {
			want = http.StatusNotImplemented
		}
		req, _ := http.NewRequest(p.method, srv.URL+"/messageexchange/"+receiver+p.path, nil)
		req.Header.Set("Authorization", good)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s %s with a good token: %d, want %d", p.method, p.path, resp.StatusCode, want)
		}
		if status, why := send(p.method, p.path, good); status != http.StatusForbidden || !strings.Contains(why, "used before") {
			t.Errorf("%s %s replayed: %d %q, want 403", p.method, p.path, status, why)
		}
	}
	if acked, _ := store.Acknowledged(receiver, msgs[0].ID); !acked {
		t.Error("the good acknowledgement did not reach the store")
	}
}

// failingStore fails every call, as a broken database would.
type failingStore struct{}

func (failingStore) Inbox(context.Context, string, InboxQuery) ([]InboxEntry, error) {
	return nil, errors.New("disk I/O error")
}
func (failingStore) InboxCount(context.Context, string) (int, error) {
	return 0, errors.New("disk I/O error")
}
func (failingStore) Message(context.Context, string, string) (Message, bool, error) {
	return Message{}, false, errors.New("disk I/O error")
}
func (failingStore) Acknowledge(context.Context, string, string) (bool, error) {
	return false, errors.New("disk I/O error")
}

func TestServerErrors(t *testing.T) {
	srv := httptest.NewServer(NewHandler(failingStore{}, newTestAuth(t, AuthOptions{})))
	defer srv.Close()
	c := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, "/count"},
		{http.MethodGet, "/inbox"},
		{http.MethodGet, "/inbox/X"},
		{http.MethodPut, "/inbox/X/status/acknowledged"},
	} {
		var e map[string]string
		c.json(p.method, "/messageexchange/"+receiver+p.path, http.StatusInternalServerError, &e)
		if !strings.Contains(e["errorDescription"], "disk I/O error") {
			t.Errorf("%s %s: %v", p.method, p.path, e)
		}
	}
	// Without a store or authentication nothing is served.
	for _, h := range []http.Handler{NewHandler(nil, newTestAuth(t, AuthOptions{})), NewHandler(NewMemoryStore(), nil)} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/messageexchange/"+receiver+"/inbox", nil)
		req.Header.Set("Authorization", makeToken(DefaultSharedKey, receiver, DefaultPassword, "n", 0, testNow))
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("unconfigured handler: %d", rec.Code)
		}
	}
	// An unknown path is a JSON 404.
	rec := httptest.NewRecorder()
	NewHandler(NewMemoryStore(), newTestAuth(t, AuthOptions{})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/messageexchange/endpointlookup/X26/CHANGEOFGP_1", nil))
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "no MESH endpoint GET /messageexchange/endpointlookup") {
		t.Errorf("unknown path: %d %s", rec.Code, rec.Body)
	}
}

func TestMemoryStoreDeliver(t *testing.T) {
	s := NewMemoryStore()
	m := Message{ID: "M1", To: receiver, Body: []byte("a")}
	if err := s.Deliver(m); err != nil {
		t.Fatal(err)
	}
	if err := s.Deliver(m); err == nil || !strings.Contains(err.Error(), "already holds message M1") {
		t.Errorf("duplicate delivery: %v", err)
	}
	if err := s.Deliver(Message{ID: "M2"}); err == nil {
		t.Error("a message without a recipient was delivered")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Inbox(ctx, receiver, InboxQuery{Limit: 10}); err == nil {
		t.Error("a cancelled context was ignored")
	}
	if _, err := s.Inbox(context.Background(), receiver, InboxQuery{}); err == nil || !strings.Contains(err.Error(), "limit 0 is not positive") {
		t.Errorf("an unbounded inbox read: %v", err)
	}
}

// pageRecorder is a store that remembers the largest page the handler
// asked of it.
type pageRecorder struct {
	*MemoryStore
	mu       sync.Mutex
	maxLimit int
	reads    int
}

func (p *pageRecorder) Inbox(ctx context.Context, mailbox string, q InboxQuery) ([]InboxEntry, error) {
	p.mu.Lock()
	p.maxLimit = max(p.maxLimit, q.Limit)
	p.reads++
	p.mu.Unlock()
	return p.MemoryStore.Inbox(ctx, mailbox, q)
}

// TestInboxReadsBoundedPages: over an inbox larger than a page, the
// handler never asks the store for more than a page and one entry, and a
// workflow pattern that skips most messages still fills the page by
// reading on.
func TestInboxReadsBoundedPages(t *testing.T) {
	store := &pageRecorder{MemoryStore: NewMemoryStore()}
	var rare []string
	for i := range 1200 {
		wf := "CHANGEOFGP_1"
		id := fmt.Sprintf("M%04d", i)
		if i%100 == 99 {
			wf = "DEATHNOTIFICATION_1"
			rare = append(rare, id)
		}
		if err := store.Deliver(Message{ID: id, From: nems, To: receiver, WorkflowID: wf}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(NewHandler(store, newTestAuth(t, AuthOptions{})))
	defer srv.Close()
	c := &testClient{t: t, base: srv.URL, mailbox: receiver, accept: "application/vnd.mesh.v2+json"}
	var l inboxV2
	c.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox", http.StatusOK, &l)
	if len(l.Messages) != defaultMaxResults || l.Messages[0] != "M0000" || l.Links["next"] == "" || l.ApproxInboxCount != 1200 {
		t.Errorf("first page: %d messages from %v, next %q, count %d", len(l.Messages), l.Messages[:1], l.Links["next"], l.ApproxInboxCount)
	}
	c.json(http.MethodGet, "/messageexchange/"+receiver+"/inbox?max_results=10&workflow_filter=DEATH*", http.StatusOK, &l)
	if !reflect.DeepEqual(l.Messages, rare[:10]) || l.Links["next"] == "" {
		t.Errorf("filtered page: %v, next %q", l.Messages, l.Links["next"])
	}
	var l2 inboxV2
	c.json(http.MethodGet, l.Links["next"], http.StatusOK, &l2)
	if !reflect.DeepEqual(l2.Messages, rare[10:]) || l2.Links["next"] != "" {
		t.Errorf("filtered second page: %v, next %q", l2.Messages, l2.Links["next"])
	}
	if store.maxLimit > defaultMaxResults+1 || store.reads < 100 {
		t.Errorf("the handler asked the store for pages of up to %d entries in %d reads", store.maxLimit, store.reads)
	}
}
