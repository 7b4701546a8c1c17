package nems

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/request"
)

// TestServiceType pins the server's reading of the criteria's
// serviceType: the guide says it "identifies the service type making the
// subscription" (GP, CHO, UHV or EPCHR), and no event message names a
// service type it is meant for, so it says who subscribes and does not
// filter events. Subscriptions that differ only in serviceType are not
// duplicates; each matches what it would match without one, explicit or
// generic, and a mailbox still gets one copy of an event.
func TestServiceType(t *testing.T) {
	ts, st := newTestServer(t, Options{Directory: SampleDirectory()})
	ctx := context.Background()
	explicit := func(serviceType, mailbox string) []byte {
		b := readTestdata(t, "subscription.xml")
		if serviceType != "" {
			b = bytes.Replace(b, []byte("type=message&amp;"), []byte("type=message&amp;serviceType="+serviceType+"&amp;"), 1)
		}
		return bytes.Replace(b, []byte("A91545OT001"), []byte(mailbox), 1)
	}
	create := func(what string, body []byte, status int) {
		t.Helper()
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: body})
		wantStatus(t, what, a, status)
	}
	create("explicit, GP", explicit("GP", "A91545OT501"), http.StatusCreated)
	create("explicit, UHV, same mailbox", explicit("UHV", "A91545OT501"), http.StatusCreated)
	create("explicit, UHV again", explicit("UHV", "A91545OT501"), http.StatusUnprocessableEntity)
	create("explicit, EPCHR", explicit("EPCHR", "A91545OT502"), http.StatusCreated)
	create("explicit, none", explicit("", "A91545OT503"), http.StatusCreated)
	create("generic, CHO", genericSubscription(t, "GP_GP_GP", "A91545", "A91545OT504", "&amp;serviceType=CHO"), http.StatusCreated)
	create("explicit, GP, another event type", bytes.Replace(explicit("GP", "A91545OT505"), []byte("vaccinations-1"), []byte("professional-contacts-1"), 1), http.StatusCreated)
	create("generic, GP, another practice", genericSubscription(t, "GP_GP_GP", "B86056", "A91545OT506", "&amp;serviceType=GP"), http.StatusCreated)
	// The last two never match the vaccination, whatever their serviceType.
	matching := map[string]bool{"A91545OT501": true, "A91545OT502": true, "A91545OT503": true, "A91545OT504": true, "A91545OT505": false, "A91545OT506": false}

	event := readTestdata(t, "publish.xml")
	for _, tc := range []struct {
		what  string
		body  []byte
		count int // messages in each matching mailbox afterwards
	}{
		{"an event for another patient", bytes.ReplaceAll(event, []byte(patient), []byte(otherPatient)), 0},
		{"the subscribed patient's vaccination", event, 1},
	} {
		a := do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: tc.body})
		wantStatus(t, "publish "+tc.what, a, http.StatusAccepted)
		for mb, matches := range matching {
			ids, err := waiting(ctx, st, mb, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: tc.count}[matches]; len(ids) != want {
				t.Errorf("after %s, mailbox %s holds %d messages, want %d", tc.what, mb, len(ids), want)
			}
		}
	}
}
