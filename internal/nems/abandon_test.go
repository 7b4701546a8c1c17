package nems

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tripctx"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// TestClientGoneStopsTheWork: the checks and validations of a request run
// with the request's context, which net/http ends when the client goes
// away. A request whose context ends part way through its validation is
// judged no further, stores nothing and gets no verdict.
func TestClientGoneStopsTheWork(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	srv, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	const base = "http://127.0.0.1"
	cases := []struct {
		name   string
		req    func() *http.Request
		judged int
	}{
		{"publish", func() *http.Request {
			return call{in: request.Publish, contentType: "application/fhir+xml", body: readTestdata(t, "publish.xml")}.request(t, base)
		}, http.StatusAccepted},
		{"$validate", func() *http.Request {
			r, err := http.NewRequest(http.MethodPost, base+"/STU3/Subscription/$validate", strings.NewReader(string(readTestdata(t, "subscription.json"))))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/fhir+json")
			return r
		}, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A client that stays: the whole request, counted.
			full := tripctx.Never()
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, c.req().WithContext(full))
			if rec.Code != c.judged {
				t.Fatalf("client stays: status %d, want %d:\n%s", rec.Code, c.judged, rec.Body)
			}
			total := full.Checks()
			if total < 20 {
				t.Fatalf("the request asked its context %d times: too few for it to end part way", total)
			}
			events := storedEvents(t, st)

			// A client that goes half way through.
			half := total / 2
			gone := tripctx.New(half)
			rec = httptest.NewRecorder()
			srv.ServeHTTP(rec, c.req().WithContext(gone))
			t.Logf("client stays: %d checks; client gone after %d: stopped at %d, status %d", total, half, gone.Checks(), rec.Code)
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "abandoned") {
				t.Errorf("client gone: status %d, want 503 saying the request was abandoned:\n%s", rec.Code, rec.Body)
			}
			if got := gone.Checks(); got > half+20 {
				t.Errorf("client gone after %d checks: the work went on to %d (a whole request is %d)", half, got, total)
			}
			if got := storedEvents(t, st); got != events {
				t.Errorf("client gone: %d events stored, %d before: an abandoned request stored something", got, events)
			}
		})
	}
}

func storedEvents(t *testing.T, st *SQLite) int {
	t.Helper()
	evs, err := st.ListEvents(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}
