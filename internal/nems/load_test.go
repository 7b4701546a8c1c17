package nems

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate/request"
)

// TestLoad measures accepted publishes per second and their latency over
// loopback HTTP, on one core, with 10,000 subscriptions in SQLite. It runs
// only with NEMSFHIR_LOAD=1 (it takes a minute or so):
//
//	NEMSFHIR_LOAD=1 go test -run TestLoad -v ./internal/nems/
//
// The load is bounded: a fixed number of publishes, one at a time.
func TestLoad(t *testing.T) {
	if os.Getenv("NEMSFHIR_LOAD") != "1" {
		t.Skip("set NEMSFHIR_LOAD=1 to measure the load figure")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const subscriptions, publishes = 10000, 1000
	ts, st := newTestServer(t, Options{Directory: SampleDirectory()})
	ctx := context.Background()
	now := time.Now()
	start := time.Now()
	// Explicit subscriptions for other patients and events, generic ones
	// for other areas, and one of each kind that the event matches.
	events := []string{"vaccinations-1", "newborn-hearing-1", "pds-change-of-address-1", "blood-spot-test-outcome-1"}
	for i := 0; i < subscriptions-2; i++ {
		sub := Subscription{ID: fmt.Sprintf("%032x", i+1), Owner: ownerASID, Mailbox: fmt.Sprintf("MBX%05d", i%500),
			Events: []string{events[i%len(events)]}, Body: readTestdata(t, "subscription.xml"), Format: "xml", Created: now, Version: 1}
		if i%5 == 0 {
			sub.RuleType, sub.Organization = "GP_GP_GP", fmt.Sprintf("Y%05d", i)
			sub.Criteria = "/Bundle?type=message&subscriptionRuleType=GP_GP_GP&Organization.identifier=" + sub.Organization + "&MessageHeader.event=" + sub.Events[0]
		} else {
			sub.NHSNumber = fmt.Sprintf("%010d", 1000000000+i)
			sub.Criteria = "/Bundle?type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|" + sub.NHSNumber + "&MessageHeader.event=" + sub.Events[0]
		}
		sub.Key = sub.Criteria + "|" + sub.Mailbox
		if _, err := st.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	for _, body := range [][]byte{readTestdata(t, "subscription.xml"), genericSubscription(t, "GP_GP_GP", "A91545", "A91545OT002", "")} {
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: body})
		wantStatus(t, "create", a, http.StatusCreated)
	}
	t.Logf("%d subscriptions stored in %v", subscriptions, time.Since(start).Round(time.Millisecond))

	event := readTestdata(t, "publish.xml")
	lat := make([]time.Duration, 0, publishes)
	start = time.Now()
	for i := 0; i < publishes; i++ {
		t0 := time.Now()
		a := do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
		lat = append(lat, time.Since(t0))
		if a.status != http.StatusAccepted {
			t.Fatalf("publish %d: %d\n%s", i, a.status, a.body)
		}
	}
	total := time.Since(start)
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))].Round(10 * time.Microsecond) }
	t.Logf("%d publishes on one core, each matching 2 of %d subscriptions: %.0f accepted/s, p50 %v, p99 %v, max %v",
		publishes, subscriptions, float64(publishes)/total.Seconds(), p(0.5), p(0.99), lat[len(lat)-1].Round(10*time.Microsecond))
	for _, mb := range []string{"A91545OT001", "A91545OT002"} {
		if ids, _ := waiting(ctx, st, mb, ""); len(ids) != publishes {
			t.Errorf("mailbox %s holds %d messages after %d publishes", mb, len(ids), publishes)
		}
	}
}
