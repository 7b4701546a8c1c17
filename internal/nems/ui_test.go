package nems

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nemsfhir/nemsfhir/internal/browsertest"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

func TestPageLoopbackOnly(t *testing.T) {
	srv, err := New(Options{Store: openTestStore(t, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	if a := adminCall(t, srv, http.MethodGet, "/", "192.0.2.7:5000", nil); a.status != http.StatusForbidden {
		t.Errorf("page from 192.0.2.7: %d", a.status)
	}
	a := adminCall(t, srv, http.MethodGet, "/", "[::1]:5000", nil)
	wantStatus(t, "page from ::1", a, http.StatusOK, "No subscriptions.", "No events.")
	if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("page CSP %q", csp)
	}
}

// TestPageInBrowser drives the page in headless Chromium: a subscription
// created and an event published through the API appear on it, with the
// delivery; an invalid payload pasted into the validator comes back as the
// HTML report with the issue on its line.
func TestPageInBrowser(t *testing.T) {
	browsertest.Require(t, "the page is not checked in a browser")
	ts, _ := newTestServer(t, Options{})
	a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: readTestdata(t, "subscription.xml")})
	wantStatus(t, "create", a, http.StatusCreated)
	id := subscriptionID(t, ts.URL, a)
	a = do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: readTestdata(t, "publish.xml")})
	wantStatus(t, "publish", a, http.StatusAccepted)

	ctx := browsertest.Tab(t, 90*time.Second, "the page is not checked in a browser")

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible("#validator")); err != nil {
		t.Fatalf("page: %v", err)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		return s
	}
	subs, events, boxes := text("tr.subscription"), text("tr.event"), text("tr.message")
	for _, want := range []string{id, "active", "A91545OT001", "Patient.identifier = http://fhir.nhs.net/Id/nhs-number|9434765919", "MessageHeader.event = vaccinations-1"} {
		if !strings.Contains(subs, want) {
			t.Errorf("the subscription row lacks %q: %q", want, subs)
		}
	}
	for _, want := range []string{"vaccinations-1", "9434765919", id + ": matched", "A91545OT001 VACCINATIONS_1"} {
		if !strings.Contains(events, want) {
			t.Errorf("the event row lacks %q: %q", want, events)
		}
	}
	if !strings.Contains(boxes, "A91545OT001") || !strings.Contains(boxes, "VACCINATIONS_1") {
		t.Errorf("the mailbox row: %q", boxes)
	}

	// An invalid payload: Subscription.status missing, the issue on the
	// line of the resource's start.
	bad := strings.Replace(string(readTestdata(t, "subscription.xml")), `<status value="requested"/>`, "", 1)
	if err := chromedp.Do(ctx, chromedp.SetValue("#payload", bad), chromedp.Click("#validate")); err != nil {
		t.Fatalf("validator: %v", err)
	}
	// Wait, at most 30 s, for the report to have replaced the page.
	const loaded = `location.pathname === "/ui/validate" && document.readyState === "complete" && document.querySelector("ol.issues") !== null`
	for i := 0; ; i++ {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](loaded))
		if err == nil && ok {
			break
		}
		if i == 300 {
			t.Fatalf("the report did not load: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	issues, hit := text("ol.issues"), text(".l.hit")
	if !strings.Contains(issues, "status") || !strings.Contains(issues, "line ") {
		t.Errorf("the report's issues: %q", issues)
	}
	if !strings.Contains(hit, "<Subscription") {
		t.Errorf("highlighted line %q, want the Subscription's start tag", hit)
	}
}
