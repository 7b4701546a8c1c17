package nems

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

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

// TestAllowDuplicates: by default a second subscription with the same
// mailbox and criteria is refused naming the first; with AllowDuplicates
// both exist, each read and deleted on its own, and their mailbox still
// gets one copy of an event they both match.
func TestAllowDuplicates(t *testing.T) {
	sub := readTestdata(t, "subscription.xml")
	for _, allow := range []bool{false, true} {
		ts, st := newTestServer(t, Options{AllowDuplicates: allow})
		create := func() answer {
			return do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: sub})
		}
		a := create()
		wantStatus(t, "create", a, http.StatusCreated)
		first := subscriptionID(t, ts.URL, a)
		a = create()
		if !allow {
			wantStatus(t, "duplicate", a, http.StatusUnprocessableEntity, "DUPLICATE_REJECTED", "Subscription already exists : "+first)
			continue
		}
		wantStatus(t, "duplicate allowed", a, http.StatusCreated)
		second := subscriptionID(t, ts.URL, a)
		if second == first {
			t.Fatalf("the duplicate was given the first one's id %s", first)
		}
		a = do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: readTestdata(t, "publish.xml")})
		wantStatus(t, "publish", a, http.StatusAccepted)
		if ids, err := waiting(context.Background(), st, "A91545OT001", ""); err != nil || len(ids) != 1 {
			t.Errorf("the mailbox of two identical subscriptions holds %v (%v), want one message", ids, err)
		}
		a = do(t, ts.URL, call{in: request.SubscriptionDelete, path: request.PathSubscription + "/" + first})
		wantStatus(t, "delete the first", a, http.StatusOK)
		a = do(t, ts.URL, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + second})
		wantStatus(t, "read the second", a, http.StatusOK, `<id value="`+second+`"/>`)
	}
}

// TestLifecycle: the server takes the event life cycle of spec 4.2 from
// its checker's options, as `nemsfhir request` does. A subscription to a
// deprecated type is created with a DEPRECATED notice in the 201; a
// publication of it is accepted with the notice and delivered; a
// no-longer-supported type still flows to the subscriptions that exist
// but takes no new ones; a withdrawn type is refused and nothing flows.
func TestLifecycle(t *testing.T) {
	const note = "ends on 01/01/2030, see https://example.org/nems"
	dir := t.TempDir()
	st := openTestStore(t, dir)
	serve := func(state request.LifecycleState) string {
		srv, err := New(Options{Store: st, Request: request.Options{Lifecycle: map[string]request.Lifecycle{"vaccinations-1": {State: state, Note: note}}}})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		return ts.URL
	}
	sub, event := readTestdata(t, "subscription.xml"), readTestdata(t, "publish.xml")
	inbox := func(when string, want int) {
		t.Helper()
		if ids, err := waiting(context.Background(), st, "A91545OT001", ""); err != nil || len(ids) != want {
			t.Errorf("%s: the mailbox holds %v (%v), want %d messages", when, ids, err, want)
		}
	}

	base := serve(request.Deprecated)
	a := do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: sub})
	wantStatus(t, "subscribe to a deprecated type", a, http.StatusCreated, "DEPRECATED", note)
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
	wantStatus(t, "publish a deprecated type", a, http.StatusAccepted, "DEPRECATED", note)
	inbox("deprecated", 1)

	base = serve(request.NoLongerSupported)
	other := bytes.Replace(sub, []byte("A91545OT001"), []byte("A91545OT002"), 1)
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: other})
	wantStatus(t, "subscribe to a no-longer-supported type", a, http.StatusBadRequest, "NO_LONGER_SUPPORTED")
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
	wantStatus(t, "publish a no-longer-supported type", a, http.StatusAccepted, "NO_LONGER_SUPPORTED")
	inbox("no longer supported", 2)

	base = serve(request.Withdrawn)
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
	wantStatus(t, "publish a withdrawn type", a, http.StatusBadRequest, "WITHDRAWN")
	inbox("withdrawn", 2)
}

// birthNotification is the repository's valid birth notification: mother
// 9991669558, baby 9997986490 born 2024-06-05 at NR2 3DL, unregistered.
// Without the mother, her NHS number leaves the routing demographics and
// her Patient, as when a birth is registered without her details.
func birthNotification(t *testing.T, withMother bool) []byte {
	t.Helper()
	b, err := os.ReadFile("../../corpus/rules/valid/pds-birth-notification-1-new.xml")
	if err != nil {
		t.Fatal(err)
	}
	if withMother {
		return b
	}
	s := string(b)
	routed := regexp.MustCompile(`(?s)\s*<extension url="nhsNumber">.*?</extension>`)
	identifier := regexp.MustCompile(`(?s)<identifier>(?:(?:[^<]|<[^/i]|</[^i]|<i[^d])*?)<value value="9991669558"/>\s*</identifier>`)
	if !routed.MatchString(s) || !identifier.MatchString(s) {
		t.Fatal("the birth notification changed: the mother's NHS number not found")
	}
	s = identifier.ReplaceAllString(routed.ReplaceAllString(s, ""), "")
	if strings.Contains(s, "9991669558") {
		t.Fatal("the mother's NHS number is still in the birth notification")
	}
	return []byte(s)
}

// TestBirthNotification: a birth notification reaches the mother's
// explicit subscriptions through the routing NHS number, and generic ones
// through the mother's record and the baby's (spec 6.1), the baby judged
// at its own age and GP registration; without the mother's NHS number it
// reaches generic subscriptions only, through the baby. The baby joins the
// directory; the mother's record is not changed.
func TestBirthNotification(t *testing.T) {
	const mother, baby = "9991669558", "9997986490"
	dir, err := LoadDirectory(strings.NewReader(`{
		"patients": [{"nhsNumber": "`+mother+`", "gp": "A91545", "postcode": "LS17 7DF"}],
		"postcodes": [
			{"postcode": "NR2 3DL", "localAuthority": "E07000148", "icbSubLocation": "X2460", "country": "E92000001"},
			{"postcode": "LS17 7DF", "localAuthority": "E08000035", "icbSubLocation": "X2458", "country": "E92000001"}
		]
	}`), "directory.json")
	if err != nil {
		t.Fatal(err)
	}
	// A week after the birth.
	now := time.Date(2024, 6, 12, 9, 0, 0, 0, time.UTC)
	ts, _ := newTestServer(t, Options{Directory: dir, Now: func() time.Time { return now }})
	srv := ts.Config.Handler
	const event = "&amp;MessageHeader.event=pds-birth-notification-1"
	for _, c := range []struct{ mailbox, rule, org, extra string }{
		{"A91545OT601", "CHO_POSTCODE_CCG", "X2460", "&amp;tag=births"}, // the baby's area
		{"A91545OT602", "CHO_POSTCODE_CCG", "X2460", "&amp;Patient.age=lt1"},
		{"A91545OT603", "CHO_POSTCODE_CCG", "X2460", "&amp;Patient.age=gt60"},                // not the baby
		{"A91545OT604", "GP_GP_GP", "A91545", ""},                                            // the mother's practice
		{"A91545OT605", "CHO_POSTCODE_CCG", "X2460", "&amp;GPRegistration=UnregisteredOnly"}, // the baby is not registered yet
		{"A91545OT606", "CHO_POSTCODE_CCG", "X2458", "&amp;Patient.age=lt1"},                 // the mother's area, but she is not under 1
	} {
		body := bytes.ReplaceAll(genericSubscription(t, c.rule, c.org, c.mailbox, c.extra), []byte("&amp;MessageHeader.event=vaccinations-1"), []byte(event))
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: body})
		wantStatus(t, "create "+c.mailbox, a, http.StatusCreated)
	}
	for who, mailbox := range map[string]string{mother: "A91545OT607", baby: "A91545OT608"} {
		body := bytes.ReplaceAll(readTestdata(t, "subscription.xml"), []byte(patient), []byte(who))
		body = bytes.ReplaceAll(bytes.Replace(body, []byte("A91545OT001"), []byte(mailbox), 1), []byte("vaccinations-1"), []byte("pds-birth-notification-1"))
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: body})
		wantStatus(t, "create explicit "+mailbox, a, http.StatusCreated)
	}

	for _, tc := range []struct {
		withMother bool
		want       string
	}{
		{true, "A91545OT601,A91545OT602,A91545OT604,A91545OT605,A91545OT607"},
		{false, "A91545OT601,A91545OT602,A91545OT605"},
	} {
		a := adminCall(t, srv, http.MethodPost, "/admin/events", "127.0.0.1:1", birthNotification(t, tc.withMother))
		wantStatus(t, fmt.Sprintf("inject a birth, mother known %v", tc.withMother), a, http.StatusAccepted)
		var ev Event
		if err := json.Unmarshal([]byte(a.body), &ev); err != nil {
			t.Fatal(err)
		}
		if got := deliveredTo(ev); got != tc.want {
			t.Errorf("a birth, mother known %v: delivered to %s, want %s", tc.withMother, got, tc.want)
		}
		for _, d := range ev.Deliveries {
			if want := map[bool]string{true: "|births"}[d.Mailbox == "A91545OT601"]; !strings.HasSuffix(d.PartnerID, want) || (want == "") != (d.PartnerID == "") {
				t.Errorf("%s: Mex-Partnerid %q", d.Mailbox, d.PartnerID)
			}
		}
	}
	if p, ok := dir.Patient(baby); !ok || p.Postcode != "NR2 3DL" || p.GP != "" {
		t.Errorf("the baby in the directory: %+v %v", p, ok)
	}
	if p, _ := dir.Patient(mother); p.Postcode != "LS17 7DF" || p.GP != "A91545" {
		t.Errorf("the birth changed the mother's record: %+v", p)
	}
}

// deliveredTo lists the mailboxes an event was delivered to, sorted.
func deliveredTo(ev Event) string {
	var out []string
	for _, d := range ev.Deliveries {
		out = append(out, d.Mailbox)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
