package nems

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// changeOfGP is the repository's Change of GP example: patient
// 9992026847 moves to practice A85829.
func changeOfGP(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../corpus/examples/pds-change-of-gp.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInjectGuideChangeOfGP injects the guide's own example, mended, into
// the sample directory, where its patient is registered with A91545.
func TestInjectGuideChangeOfGP(t *testing.T) {
	dir := SampleDirectory()
	srv, err := New(Options{Store: openTestStore(t, t.TempDir()), Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	a := adminCall(t, srv, http.MethodPost, "/admin/events", "127.0.0.1:1", sharedtest.GuideChangeOfGP(t))
	wantStatus(t, "inject", a, http.StatusAccepted, `"nhsNumber": "9912003888"`)
	if p, _ := dir.Patient("9912003888"); p.GP != "B86056" || p.Postcode != "LS17 7DF" {
		t.Errorf("after the Change of GP: %+v", p)
	}
}

func adminCall(t *testing.T, h http.Handler, method, path, remote string, body []byte) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer{rec.Code, rec.Header(), rec.Body.String()}
}

func TestAdminAPI(t *testing.T) {
	gp := changeOfGP(t)
	dir, err := LoadDirectory(strings.NewReader(`{"patients": [{"nhsNumber": "9992026847", "gp": "A91545", "postcode": "LS17 7DF"}]}`), "d.json")
	if err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, t.TempDir())
	srv, err := New(Options{Store: st, Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := context.Background()
	const local = "127.0.0.1:40000"

	// Generic subscriptions for the new practice, the old one, and
	// another; an explicit one for the patient.
	for _, c := range []struct{ org, mailbox string }{{"A85829", "A91545OT401"}, {"A91545", "A91545OT402"}, {"Y01234", "A91545OT403"}} {
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml",
			body: bytes.ReplaceAll(genericSubscription(t, "GP_GP_GP", c.org, c.mailbox, ""), []byte("vaccinations-1"), []byte("pds-change-of-gp-1"))})
		wantStatus(t, "create "+c.org, a, http.StatusCreated)
	}

	// Spine publishes PDS events itself: NEMS's publish path refuses them.
	a := do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: gp})
	if a.status/100 == 2 {
		t.Fatalf("PDS event published by a supplier: %d", a.status)
	}

	// Only from loopback.
	if a := adminCall(t, srv, http.MethodPost, "/admin/events", "192.0.2.7:5000", gp); a.status != http.StatusForbidden {
		t.Fatalf("admin from 192.0.2.7: %d", a.status)
	}
	if a := adminCall(t, srv, http.MethodPost, "/admin/events", local, []byte("<Patient xmlns=\"http://hl7.org/fhir\"/>")); a.status != http.StatusUnprocessableEntity ||
		!strings.Contains(a.body, "OperationOutcome") {
		t.Fatalf("injecting a Patient: %d\n%s", a.status, a.body)
	}
	a = adminCall(t, srv, http.MethodPost, "/admin/events", local, gp)
	wantStatus(t, "inject Change of GP", a, http.StatusAccepted, `"eventType": "pds-change-of-gp-1"`, `"workflowId": "CHANGEOFGP_1"`)

	// The directory follows the event, and both the new and the old
	// practice's subscribers get the message.
	if p, _ := dir.Patient("9992026847"); p.GP != "A85829" {
		t.Errorf("after the Change of GP the directory says GP %q", p.GP)
	}
	for mb, want := range map[string]int{"A91545OT401": 1, "A91545OT402": 1, "A91545OT403": 0} {
		if ids, _ := waiting(ctx, st, mb, "CHANGEOFGP_1"); len(ids) != want {
			t.Errorf("mailbox %s holds %d messages, want %d", mb, len(ids), want)
		}
	}

	// The event log.
	a = adminCall(t, srv, http.MethodGet, "/admin/events?limit=10", local, nil)
	var evs []Event
	if err := json.Unmarshal([]byte(a.body), &evs); err != nil || len(evs) != 1 || len(evs[0].Deliveries) != 2 || len(evs[0].Matches) != 2 {
		t.Fatalf("event log: %v\n%s", err, a.body)
	}
	if a := adminCall(t, srv, http.MethodGet, "/admin/events?limit=0", local, nil); a.status != http.StatusBadRequest {
		t.Errorf("limit=0: %d", a.status)
	}

	// The directory can be replaced, and a bad one is refused whole.
	if a := adminCall(t, srv, http.MethodPut, "/admin/directory", local, []byte(`{"patients": [{"gp": "X"}]}`)); a.status != http.StatusBadRequest ||
		!strings.Contains(a.body, "no nhsNumber") {
		t.Errorf("bad directory: %d %s", a.status, a.body)
	}
	if p, _ := dir.Patient("9992026847"); p.GP != "A85829" {
		t.Error("a refused directory changed the directory")
	}
	a = adminCall(t, srv, http.MethodPut, "/admin/directory", local, []byte(`{"patients": [{"nhsNumber": "9992026847", "flags": "S"}]}`))
	wantStatus(t, "directory", a, http.StatusOK, `"patients": 1`)
	if p, _ := dir.Patient("9992026847"); !p.Withheld() {
		t.Error("the new directory is not in use")
	}

	// Reset.
	a = adminCall(t, srv, http.MethodPost, "/admin/reset", local, nil)
	if a.status != http.StatusNoContent {
		t.Fatalf("reset: %d", a.status)
	}
	if evs, _ := st.ListEvents(ctx, 10); len(evs) != 0 {
		t.Errorf("events after reset: %v", evs)
	}
	if ids, _ := waiting(ctx, st, "A91545OT401", ""); len(ids) != 0 {
		t.Errorf("mailbox after reset: %v", ids)
	}

	// Over the network the listener is loopback, so the API answers.
	resp, err := http.Get(ts.URL + "/admin/events")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("admin over loopback: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
