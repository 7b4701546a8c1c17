package request

import (
	"net/http"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

func TestFillDefaults(t *testing.T) {
	for _, in := range issue.Interactions() {
		r := goodRequest(t, in)
		want := r.Header.Clone()
		r.Header = http.Header{HeaderAuthorization: want[HeaderAuthorization]}
		FillDefaults(r, testToASID)
		for _, name := range []string{HeaderFromASID, HeaderToASID, HeaderInteractionID} {
			if got := headerValues(r.Header, name); len(got) != 1 || got[0] != want.Get(name) {
				t.Errorf("%s: %s = %q, want %q", in, name, got, want.Get(name))
			}
		}
		ct := headerValues(r.Header, HeaderContentType)
		if hasBody(in) != (len(ct) == 1) {
			t.Errorf("%s: Content-Type %q", in, ct)
		}
		if resp := checkerFor(t, Options{}).Check(r); !resp.Accepted() {
			t.Errorf("%s with defaults: %s %v", in, resp.StatusLine(), resp.Rules())
		}
	}

	// Present headers are kept, whatever the case of their names; without a
	// JWT the example ASID is used.
	r := &Request{Interaction: SubscriptionCreate, Header: http.Header{"toasid": {"111111111111"}}, Body: []byte(`{"resourceType":"Subscription"}`)}
	FillDefaults(r, "")
	if got := headerValues(r.Header, HeaderToASID); len(got) != 1 || got[0] != "111111111111" {
		t.Errorf("toASID %q", got)
	}
	if got := r.Header.Get(HeaderFromASID); got != DefaultFromASID {
		t.Errorf("fromASID %q", got)
	}
	if got := r.Header.Get(HeaderContentType); got != "application/fhir+json;charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}

	// A publish body without a publishable event gets no InteractionID.
	r = &Request{Interaction: Publish, Body: []byte(`<Patient xmlns="http://hl7.org/fhir"/>`)}
	FillDefaults(r, "")
	if got := headerValues(r.Header, HeaderInteractionID); got != nil {
		t.Errorf("InteractionID %q", got)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add(1, "POST", PathPublish, "application/fhir+xml", "*/*", "Bearer a.b.", []byte(`<Bundle xmlns="http://hl7.org/fhir"><type value="message"/></Bundle>`))
	f.Add(2, "POST", PathSubscription+"?_format=json", "application/fhir+json", "", "", []byte(`{"resourceType":"Subscription","id":"x"}`))
	f.Add(3, "GET", PathSubscription+"/%zz", "", "text/html;q=x", "Basic", []byte(nil))
	f.Fuzz(func(t *testing.T, in int, method, target, ct, accept, auth string, body []byte) {
		h := http.Header{}
		h.Set(HeaderContentType, ct)
		h.Set(HeaderAccept, accept)
		h.Set(HeaderAuthorization, auth)
		h.Set(HeaderInteractionID, target)
		r := &Request{Interaction: Interaction(in % 6), Method: method, Target: target, Header: h, Body: body}
		FillDefaults(r, "")
		resp := checkerFor(t, Options{MaxSize: 1 << 16}).Check(r)
		if resp.Status < 200 || resp.Status > 599 {
			t.Fatalf("status %d", resp.Status)
		}
		if resp.Accepted() != (resp.Decisive < 0) {
			t.Fatalf("accepted %v with decisive %d", resp.Accepted(), resp.Decisive)
		}
		_ = resp.Body()
	})
}
