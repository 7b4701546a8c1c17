//go:build unix

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
	"github.com/nemsfhir/nemsfhir/internal/mesh/meshtest"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// e2eCall is one NEMS request of TestServeE2E, with the answer the server
// must give. The same request also goes to `nemsfhir request`.
type e2eCall struct {
	name   string
	in     request.Interaction
	method string // "" for the interaction's
	path   string // "" for the interaction's
	header map[string]string
	token  string // the JWT; "" sends no Authorization header
	body   []byte
	// want is the server's status. When the request command refuses the
	// request, the server must refuse it with the same answer; when it
	// accepts it, want is either its status or one of the store's own
	// verdicts (404, 403, 422 duplicate), with spine and diag.
	want  int
	spine string // Spine code of the server's issue when it refuses
	diag  string // the diagnostics of that issue, exactly ("" for any)
}

// e2eAnswer is what the server said.
type e2eAnswer struct {
	status int
	header http.Header
	body   []byte
}

type outcomeIssue struct {
	Severity, Code, Spine, Diagnostics string
}

// outcomeIssues reads the issues of a Spine OperationOutcome in XML or
// JSON, as its Content-Type says.
func outcomeIssues(contentType string, body []byte) ([]outcomeIssue, error) {
	var out []outcomeIssue
	if strings.Contains(contentType, "json") {
		var o struct {
			ResourceType string `json:"resourceType"`
			Issue        []struct {
				Severity, Code, Diagnostics string
				Details                     struct{ Coding []struct{ Code string } }
			}
		}
		if err := json.Unmarshal(body, &o); err != nil {
			return nil, err
		}
		if o.ResourceType != "OperationOutcome" {
			return nil, fmt.Errorf("a %q, not an OperationOutcome", o.ResourceType)
		}
		for _, is := range o.Issue {
			oi := outcomeIssue{Severity: is.Severity, Code: is.Code, Diagnostics: is.Diagnostics}
			if len(is.Details.Coding) > 0 {
				oi.Spine = is.Details.Coding[0].Code
			}
			out = append(out, oi)
		}
		return out, nil
	}
	type value struct {
		V string `xml:"value,attr"`
	}
	var o struct {
		XMLName xml.Name
		Issue   []struct {
			Severity    value `xml:"severity"`
			Code        value `xml:"code"`
			Diagnostics value `xml:"diagnostics"`
			Coding      []struct {
				Code value `xml:"code"`
			} `xml:"details>coding"`
		} `xml:"issue"`
	}
	if err := xml.Unmarshal(body, &o); err != nil {
		return nil, err
	}
	if o.XMLName.Local != "OperationOutcome" {
		return nil, fmt.Errorf("a %q, not an OperationOutcome", o.XMLName.Local)
	}
	for _, is := range o.Issue {
		oi := outcomeIssue{Severity: is.Severity.V, Code: is.Code.V, Diagnostics: is.Diagnostics.V}
		if len(is.Coding) > 0 {
			oi.Spine = is.Coding[0].Code.V
		}
		out = append(out, oi)
	}
	return out, nil
}

type e2e struct {
	t      *testing.T
	base   string
	client *http.Client
	logs   *syncBuffer
	// statuses counts the server's answers, to show every stage was met.
	statuses map[int]int
	// cliFlags are given to every `nemsfhir request`, as the server's
	// own flags configure its checks.
	cliFlags []string
}

// do sends the call to the server over HTTP and to `nemsfhir request`
// in-process, and checks that they agree and that the server gave the
// answer the call expects.
func (e *e2e) do(c e2eCall) e2eAnswer {
	t := e.t
	t.Helper()
	method, path := target(c.in, c.method, c.path)
	resp, served, err := call(e.client, method, e.base+path, c.header, c.token, c.body)
	if err != nil {
		t.Fatalf("%s: %v\n%s", c.name, err, e.logs)
	}
	got := e2eAnswer{status: resp.StatusCode, header: resp.Header, body: served}
	e.statuses[got.status]++

	// The same request, as a user would give it to the request command.
	flags := e.cliFlags
	if c.token != "" {
		flags = append(slices.Clip(flags), "--jwt", c.token)
	}
	cli := requestCLI(t, c.name, c.in, method, path, c.header, c.body, flags...)
	code, cliStatus, cliHeader, cliBody, out := cli.code, cli.status, cli.header, cli.body, cli.out
	if code == exitUsage {
		t.Fatalf("%s: nemsfhir request exited %d (usage): %q", c.name, code, out)
	}
	if (code == exitOK) != (cliStatus < 300) {
		t.Errorf("%s: nemsfhir request exited %d with status %d", c.name, code, cliStatus)
	}

	if got.status != c.want {
		t.Errorf("%s: serve answered %d, want %d\n%s", c.name, got.status, c.want, served)
	}
	switch {
	case cliStatus >= 300:
		// A refusal by the checks: the server's answer is the command's,
		// status, headers and OperationOutcome, byte for byte.
		if got.status != cliStatus {
			t.Errorf("%s: serve answered %d, request says %d\nserve:\n%s\nrequest:\n%s", c.name, got.status, cliStatus, served, out)
		}
		for _, h := range []string{"Content-Type", "Allow"} {
			if resp.Header.Get(h) != cliHeader.Get(h) {
				t.Errorf("%s: serve's %s is %q, request's %q", c.name, h, resp.Header.Get(h), cliHeader.Get(h))
			}
		}
		if string(served) != cliBody {
			t.Errorf("%s: the OperationOutcomes differ\nserve:\n%s\nrequest:\n%s", c.name, served, cliBody)
		}
	case got.status == cliStatus:
		// Accepted by both: the server adds only what the store knows.
		switch c.in {
		case request.SubscriptionRead:
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(string(served), "Subscription") || ct == "" {
				t.Errorf("%s: read answered %q with no Subscription:\n%s", c.name, ct, served)
			}
		default:
			if string(served) != cliBody {
				t.Errorf("%s: accepted with another body\nserve:\n%s\nrequest:\n%s", c.name, served, cliBody)
			}
			if cliBody != "" && resp.Header.Get("Content-Type") != cliHeader.Get("Content-Type") {
				t.Errorf("%s: serve's Content-Type is %q, request's %q", c.name, resp.Header.Get("Content-Type"), cliHeader.Get("Content-Type"))
			}
		}
	case cliStatus < 300 && got.status >= 400:
		// The checks accept it and the store decides: a well-formed
		// request about a subscription that is not there, not the
		// asker's, or already there.
		if c.want < 400 {
			t.Errorf("%s: the request command accepts it (%d) but serve refused it (%d)", c.name, cliStatus, got.status)
		}
		// The command prints no Content-Type for an answer without a
		// body; its checker, which it calls, says which it negotiated.
		rq := &request.Request{Interaction: c.in, Method: method, Target: path, Header: resp.Request.Header.Clone(), Body: c.body}
		checker, err := request.New(request.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if mt := checker.Check(rq).MediaType.String(); resp.Header.Get("Content-Type") != mt {
			t.Errorf("%s: serve's Content-Type is %q, the request checker negotiated %q", c.name, resp.Header.Get("Content-Type"), mt)
		}
	default:
		t.Errorf("%s: serve answered %d, request says %d", c.name, got.status, cliStatus)
	}
	if c.want >= 400 {
		issues, err := outcomeIssues(resp.Header.Get("Content-Type"), served)
		switch {
		case err != nil:
			t.Errorf("%s: the refusal is no OperationOutcome (%v):\n%s", c.name, err, served)
		case len(issues) == 0 || issues[0].Spine != c.spine || (c.diag != "" && issues[0].Diagnostics != c.diag):
			t.Errorf("%s: first issue %+v, want Spine code %s with diagnostics %q", c.name, issues, c.spine, c.diag)
		}
	}
	return got
}

// subscriptionID is the id at the end of a create's Location header,
// which must be the absolute URL of the new Subscription on the server.
func (e *e2e) subscriptionID(name string, a e2eAnswer) string {
	e.t.Helper()
	loc := a.header.Get("Location")
	id, ok := strings.CutPrefix(loc, e.base+request.PathSubscription+"/")
	if !ok || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		e.t.Fatalf("%s: Location %q is not the absolute URL of a Subscription under %s", name, loc, e.base)
	}
	if a.header.Get("ETag") != `W/"1"` || a.header.Get("Last-Modified") == "" {
		e.t.Errorf("%s: created with ETag %q and Last-Modified %q", name, a.header.Get("ETag"), a.header.Get("Last-Modified"))
	}
	return id
}

// TestServeE2E is the issue's "done when": `nemsfhir serve` is driven
// over HTTP with Spine headers and JWTs through every interaction, and
// each answer is compared with what `nemsfhir request` says of the same
// request. Explicit and generic subscriptions are created in XML and
// JSON; duplicates are refused naming the existing id; events of several
// types are published, matching and not, and PDS events injected through
// the admin API move a patient between areas; NHS England's Python MESH
// client collects what each mailbox received; subscriptions are read,
// deleted, and asked for by unknown ids; bad media types and expired
// tokens are refused as the request command refuses them.
func TestServeE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	python, clientDir := meshtest.Client(t)
	example := func(name string) []byte {
		b, err := os.ReadFile(sharedtest.Path(t, "corpus/nems-examples/"+name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	testdata := func(name string) []byte { return requestFixture(t, name) }
	const (
		owner    = testASID       // the ASID of every JWT but one
		stranger = "200000000117" // another system
		patient  = "9434765919"   // explicit subscriptions
		flagged  = "9990000018"   // S in the directory
		nobody   = "9000000009"   // no subscription, not in the directory
		mover    = "9912003888"   // the PDS and screening examples' patient
	)
	// The mover is registered with A91545 (ICB sub-location X2458) until
	// the guide's change of GP example moves him to B86056 (X2459).
	dirFile := filepath.Join(t.TempDir(), "directory.json")
	if err := os.WriteFile(dirFile, []byte(`{
  "patients": [
    {"nhsNumber": "`+patient+`", "gp": "A91545", "postcode": "LS17 7DF"},
    {"nhsNumber": "`+mover+`", "gp": "A91545", "postcode": "LS17 7DF"},
    {"nhsNumber": "`+flagged+`", "gp": "A91545", "postcode": "LS17 7DF", "flags": "S"}
  ],
  "postcodes": [
    {"postcode": "LS17 7DF", "localAuthority": "E08000035", "icbSubLocation": "X2458", "country": "E92000001"},
    {"postcode": "NR2 3DL", "localAuthority": "E07000148", "icbSubLocation": "X2460", "country": "E92000001"}
  ],
  "practices": [{"code": "A91545", "icbSubLocation": "X2458"}, {"code": "B86056", "icbSubLocation": "X2459"}]
}`), 0o600); err != nil {
		t.Fatal(err)
	}

	p := startServe(t, filepath.Join(t.TempDir(), "data"), "--directory", dirFile)
	e := &e2e{t: t, base: p.base, client: &http.Client{Timeout: 20 * time.Second}, logs: p.logs, statuses: map[int]int{}}
	now := time.Now()
	tok := func(scope string) string { return spineJWT(owner, scope, now.Add(-time.Minute)) }
	write, read, publish := tok("patient/Subscription.write"), tok("patient/Subscription.read"), tok("patient/Bundle.write")
	expired := spineJWT(owner, "patient/Bundle.write", now.Add(-2*time.Hour))
	hdr := func(in request.Interaction, edits ...string) map[string]string {
		h := with(in, nil)
		for i := 0; i+1 < len(edits); i += 2 {
			if edits[i+1] == "" {
				delete(h, edits[i])
			} else {
				h[edits[i]] = edits[i+1]
			}
		}
		return h
	}
	jsonCT := []string{"Content-Type", "application/fhir+json"}
	publishAs := func(code string) map[string]string {
		return hdr(request.Publish, "InteractionID", "urn:nhs:names:services:events:"+code+".Write")
	}

	// Subscriptions, in XML and JSON, explicit and generic.
	subXML, subJSON := testdata("subscription.xml"), testdata("subscription.json")
	explicitXML := bytes.Replace(subXML, []byte("MessageHeader.event=vaccinations-1"), []byte("MessageHeader.event=vaccinations-1&amp;tag=ward7"), 1)
	explicitJSON := bytes.Replace(subJSON, []byte("&MessageHeader.event=vaccinations-1"),
		[]byte("&MessageHeader.event=vaccinations-1&MessageHeader.event=professional-contacts-1&serviceType=GP&tag=gp2"), 1)
	flaggedJSON := bytes.ReplaceAll(bytes.ReplaceAll(subJSON, []byte(patient), []byte(flagged)), []byte("A91545OT001"), []byte("A91545OT002"))
	generic := func(format, ods, mailbox, rule string) []byte {
		if format == "json" {
			b := bytes.Replace(subJSON, []byte("Patient.identifier=http://fhir.nhs.net/Id/nhs-number|"+patient+"&MessageHeader.event=vaccinations-1"), []byte(rule), 1)
			b = bytes.ReplaceAll(b, []byte("A91545OT001"), []byte(mailbox))
			return bytes.Replace(b, []byte("Organization/A91545"), []byte("Organization/"+ods), 1)
		}
		b := bytes.Replace(subXML, []byte("Patient.identifier=http://fhir.nhs.net/Id/nhs-number|"+patient+"&amp;MessageHeader.event=vaccinations-1"),
			[]byte(strings.ReplaceAll(rule, "&", "&amp;")), 1)
		b = bytes.ReplaceAll(b, []byte("A91545OT001"), []byte(mailbox))
		return bytes.Replace(b, []byte("Organization/A91545"), []byte("Organization/"+ods), 1)
	}
	movedIn := generic("xml", "B86056", "B86056OT001", "subscriptionRuleType=GP_GP_GP&Organization.identifier=B86056&MessageHeader.event=pds-change-of-gp-1&tag=site123")
	movedOut := generic("json", "A91545", "A91545OT005", "subscriptionRuleType=GP_GP_GP&Organization.identifier=A91545&MessageHeader.event=pds-change-of-gp-1")
	area := generic("json", "RY4", "RY4CHILD001", "subscriptionRuleType=CHO_GP_CCG&Organization.identifier=X2459&MessageHeader.event=pds-change-of-gp-1")
	births := generic("xml", "RY4", "RY4CHILD002", "subscriptionRuleType=CHO_POSTCODE_CCG&Organization.identifier=X2460&MessageHeader.event=pds-birth-notification-1&Patient.age=lt19")
	registered := generic("json", "A91545", "A91545OT003", "subscriptionRuleType=GP_GP_GP&Organization.identifier=A91545&MessageHeader.event=newborn-hearing-1")
	elderly := generic("xml", "A91545", "A91545OT004", "subscriptionRuleType=GP_GP_GP&Organization.identifier=A91545&MessageHeader.event=newborn-hearing-1&Patient.age=gt60")
	// The moved-in rule again, its components in another order, as JSON.
	movedInAgain := generic("json", "B86056", "B86056OT001", "MessageHeader.event=pds-change-of-gp-1&tag=site123&Organization.identifier=B86056&subscriptionRuleType=GP_GP_GP")
	for name, b := range map[string][]byte{"explicitXML": explicitXML, "explicitJSON": explicitJSON, "flaggedJSON": flaggedJSON} {
		if bytes.Equal(b, subXML) || bytes.Equal(b, subJSON) {
			t.Fatalf("test data changed: %s was not made from it", name)
		}
	}
	for name, b := range map[string][]byte{"movedIn": movedIn, "movedOut": movedOut, "area": area, "births": births, "registered": registered, "elderly": elderly, "movedInAgain": movedInAgain} {
		if bytes.Contains(b, []byte("Patient.identifier")) || !bytes.Contains(b, []byte("subscriptionRuleType")) || bytes.Contains(b, []byte("A91545OT001")) {
			t.Fatalf("test data changed: the generic %s was not made from it", name)
		}
	}

	ids := map[string]string{}
	create := func(name string, body []byte, header map[string]string) {
		a := e.do(e2eCall{name: "create " + name, in: request.SubscriptionCreate, header: header, token: write, body: body, want: http.StatusCreated})
		if a.status == http.StatusCreated {
			ids[name] = e.subscriptionID(name, a)
		}
	}
	create("explicit XML", explicitXML, hdr(request.SubscriptionCreate))
	create("explicit JSON", explicitJSON, hdr(request.SubscriptionCreate, jsonCT...))
	create("explicit for a flagged patient", flaggedJSON, hdr(request.SubscriptionCreate, jsonCT...))
	create("generic XML, moved in", movedIn, hdr(request.SubscriptionCreate))
	create("generic JSON, moved out", movedOut, hdr(request.SubscriptionCreate, jsonCT...))
	create("generic JSON, area moved into", area, hdr(request.SubscriptionCreate, jsonCT...))
	create("generic XML, births in an area", births, hdr(request.SubscriptionCreate))
	create("generic JSON, registered", registered, hdr(request.SubscriptionCreate, jsonCT...))
	create("generic XML, over 60", elderly, hdr(request.SubscriptionCreate))
	if len(ids) != 9 {
		t.Fatalf("%d of 9 subscriptions created\n%s", len(ids), p.logs)
	}

	for _, c := range []e2eCall{
		{name: "duplicate explicit XML", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate), token: write, body: explicitXML,
			want: 422, spine: "DUPLICATE_REJECTED", diag: "Subscription already exists : " + ids["explicit XML"]},
		{name: "duplicate generic, as JSON in another order", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate, jsonCT...), token: write, body: movedInAgain,
			want: 422, spine: "DUPLICATE_REJECTED", diag: "Subscription already exists : " + ids["generic XML, moved in"]},
		{name: "create as text/plain", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate, "Content-Type", "text/plain"), token: write, body: subXML,
			want: 415, spine: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "create JSON labelled XML", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate), token: write, body: subJSON,
			want: 400, spine: "MESSAGE_NOT_WELL_FORMED"},
		{name: "create with an expired token", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate), token: spineJWT(owner, "patient/Subscription.write", now.Add(-2*time.Hour)),
			body: bytes.ReplaceAll(subXML, []byte("A91545OT001"), []byte("A91545OT009")), want: 400, spine: "MISSING_OR_INVALID_HEADER"},
	} {
		e.do(c)
	}

	// Events: published by a supplier, or injected as Spine's PDS would.
	vaccination := testdata("publish.xml")
	forNobody := bytes.ReplaceAll(vaccination, []byte(patient), []byte(nobody))
	forFlagged := bytes.ReplaceAll(vaccination, []byte(patient), []byte(flagged))
	hearing, nipe := example("newborn-hearing-1-delete.xml"), example("nipe-outcome-1-delete.xml")
	for _, c := range []e2eCall{
		{name: "publish a matching vaccination", in: request.Publish, header: hdr(request.Publish), token: publish, body: vaccination, want: 202},
		{name: "publish a vaccination nobody subscribed to", in: request.Publish, header: hdr(request.Publish), token: publish, body: forNobody, want: 202},
		{name: "publish a vaccination of a flagged patient", in: request.Publish, header: hdr(request.Publish), token: publish, body: forFlagged, want: 202},
		{name: "publish a newborn hearing outcome", in: request.Publish, header: publishAs("Newbornhearing"), token: publish, body: hearing, want: 202},
		{name: "publish a NIPE outcome nobody subscribed to", in: request.Publish, header: publishAs("Nipeoutcome"), token: publish, body: nipe, want: 202},
		{name: "publish an invalid professional contacts message", in: request.Publish, header: publishAs("Professionalcontacts"), token: publish,
			body: example("Professional-Contacts-1-new.xml"), want: 422, spine: "INVALID_RESOURCE"},
		{name: "publish JSON", in: request.Publish, header: hdr(request.Publish, jsonCT...), token: publish, body: testdata("publish.json"),
			want: 415, spine: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "publish with an expired token", in: request.Publish, header: hdr(request.Publish), token: expired, body: vaccination,
			want: 400, spine: "MISSING_OR_INVALID_HEADER"},
		{name: "publish with a subscription token", in: request.Publish, header: hdr(request.Publish), token: write, body: vaccination,
			want: 400, spine: "MISSING_OR_INVALID_HEADER"},
	} {
		e.do(c)
	}
	inject := func(name string, body []byte, want int) nems.Event {
		resp, b, err := call(e.client, http.MethodPost, e.base+"/admin/events", map[string]string{"Content-Type": "application/fhir+xml"}, "", body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("inject %s: %d, want %d\n%s", name, resp.StatusCode, want, b)
		}
		var ev nems.Event
		if want == http.StatusAccepted {
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatalf("inject %s: %v\n%s", name, err, b)
			}
		}
		return ev
	}
	changeOfGP := sharedtest.GuideChangeOfGP(t)
	moved := inject("the guide's change of GP", changeOfGP, http.StatusAccepted)
	inject("a change of GP nobody subscribed to", changeOfGPElsewhere(t), http.StatusAccepted)
	inject("a vaccination cut short", vaccination[:len(vaccination)/2], http.StatusUnprocessableEntity)
	// A birth: the mother is in no directory, the baby (born 2024) lives
	// in NR2 3DL, and is judged at its own age.
	birth, err := os.ReadFile("../../corpus/rules/valid/pds-birth-notification-1-new.xml")
	if err != nil {
		t.Fatal(err)
	}
	born := inject("a birth notification", birth, http.StatusAccepted)
	if boxes := deliveredTo(born); boxes != "RY4CHILD002" {
		t.Errorf("the birth went to %q, want the baby's area", boxes)
	}
	if boxes := deliveredTo(moved); boxes != "A91545OT005,B86056OT001,RY4CHILD001" {
		t.Errorf("the change of GP went to %q, want the practices left and joined and the new practice's area", boxes)
	}

	// Collection with NHS England's client: one message per mailbox and
	// event, whatever the number of subscriptions that matched.
	type want struct{ workflow, partner string }
	expect := map[string][]want{
		"A91545OT001": {{"VACCINATIONS_1", ids["explicit XML"] + "|ward7~~~" + ids["explicit JSON"] + "|gp2"}},
		"A91545OT002": nil, // the flagged patient's
		"A91545OT003": {{"NEWBORNHEARING_1", ""}},
		"A91545OT004": nil, // the patient is under 60
		"B86056OT001": {{"CHANGEOFGP_1", ids["generic XML, moved in"] + "|site123"}},
		"A91545OT005": {{"CHANGEOFGP_1", ""}},
		"RY4CHILD001": {{"CHANGEOFGP_1", ""}},
		"RY4CHILD002": {{"BIRTHNOTIFICATION_1", ""}},
	}
	bodies := map[string][]byte{"VACCINATIONS_1": vaccination, "NEWBORNHEARING_1": hearing, "CHANGEOFGP_1": changeOfGP, "BIRTHNOTIFICATION_1": birth}
	checkInbox := func(mailbox string, wants []want) {
		t.Helper()
		got := collect(t, python, clientDir, e.base, mailbox, mesh.DefaultPassword, [][3]string{})
		if got.Handshake != "hello" || len(got.Retrieved) != len(wants) || len(got.After) != 0 || got.Count != 0 {
			t.Errorf("%s: handshake %q, retrieved %d (want %d), left %v, count %d", mailbox, got.Handshake, len(got.Retrieved), len(wants), got.After, got.Count)
			return
		}
		for i, w := range wants {
			m := got.Retrieved[i]
			body, _ := base64.StdEncoding.DecodeString(m["body"])
			if m["workflow_id"] != w.workflow || m["mex_partnerid"] != w.partner || m["recipient"] != mailbox || m["sender"] != nems.DefaultMeshFrom {
				t.Errorf("%s: message %d: workflow %q partner %q from %q to %q; want %q %q", mailbox, i, m["workflow_id"], m["mex_partnerid"], m["sender"], m["recipient"], w.workflow, w.partner)
			}
			if !bytes.Equal(body, bodies[w.workflow]) {
				t.Errorf("%s: message %d is not the %s event as published", mailbox, i, w.workflow)
			}
		}
	}
	for mailbox, wants := range expect {
		checkInbox(mailbox, wants)
	}

	// The event log says why each candidate did or did not match.
	evs := eventLog(t, e.client, e.base)
	if len(evs) != 8 {
		t.Errorf("%d events in the log, want the 5 published and the 3 injected", len(evs))
	}
	for _, ev := range evs {
		switch {
		case ev.NHSNumber == flagged:
			if !ev.Withheld || len(ev.Deliveries) != 0 {
				t.Errorf("the flagged patient's event: withheld %v, delivered %+v", ev.Withheld, ev.Deliveries)
			}
		case ev.EventType == "newborn-hearing-1":
			var reasons []string
			for _, m := range ev.Matches {
				reasons = append(reasons, fmt.Sprintf("%s:%v:%s", m.Mailbox, m.Matched, m.Reason))
			}
			if all := strings.Join(reasons, " "); len(ev.Matches) != 2 || !strings.Contains(all, "A91545OT003:true:") ||
				!regexp.MustCompile(`A91545OT004:false:patient is \d+, outside the criteria's Patient.age`).MatchString(all) {
				t.Errorf("the newborn hearing event's candidates: %v", reasons)
			}
		case ev.NHSNumber == nobody || ev.EventType == "nipe-outcome-1" || ev.EventType == "pds-change-of-gp-1" && ev.NHSNumber != mover:
			if len(ev.Deliveries) != 0 {
				t.Errorf("the %s event for %s was delivered: %+v", ev.EventType, ev.NHSNumber, ev.Deliveries)
			}
		}
	}

	// Read, delete and unknown ids.
	unknown := "0123456789abcdef0123456789abcdef"
	subPath := func(name string) string { return request.PathSubscription + "/" + ids[name] }
	readXML := e.do(e2eCall{name: "read explicit XML", in: request.SubscriptionRead, path: subPath("explicit XML"), header: hdr(request.SubscriptionRead), token: read, want: 200})
	readJSON := e.do(e2eCall{name: "read generic as JSON", in: request.SubscriptionRead, path: subPath("generic JSON, area moved into"),
		header: hdr(request.SubscriptionRead, "Accept", "application/fhir+json"), token: read, want: 200})
	for _, r := range []struct {
		a         e2eAnswer
		id, media string
		has       []string
	}{
		{readXML, ids["explicit XML"], "xml", []string{`<id value="` + ids["explicit XML"] + `"/>`, `<versionId value="1"/>`, `<status value="active"/>`, "tag=ward7"}},
		{readJSON, ids["generic JSON, area moved into"], "json", []string{`"id": "` + ids["generic JSON, area moved into"] + `"`, `"versionId": "1"`, `"status": "active"`, "CHO_GP_CCG"}},
	} {
		if !strings.Contains(r.a.header.Get("Content-Type"), r.media) || r.a.header.Get("ETag") != `W/"1"` {
			t.Errorf("read %s: Content-Type %q, ETag %q", r.id, r.a.header.Get("Content-Type"), r.a.header.Get("ETag"))
		}
		for _, s := range r.has {
			if !bytes.Contains(r.a.body, []byte(s)) {
				t.Errorf("read %s: no %s in\n%s", r.id, s, r.a.body)
			}
		}
	}
	// What read returns is a valid resource for $validate, though not a
	// valid create body.
	for _, r := range []e2eAnswer{readXML, readJSON} {
		for mode, want := range map[string]int{"": http.StatusOK, "?mode=create": http.StatusUnprocessableEntity} {
			resp, b, err := call(e.client, http.MethodPost, e.base+"/STU3/Subscription/$validate"+mode,
				map[string]string{"Content-Type": r.header.Get("Content-Type")}, "", r.body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != want {
				t.Errorf("$validate%s of a Subscription read back: %d, want %d\n%s", mode, resp.StatusCode, want, b)
			}
		}
	}
	strangerRead := spineJWT(stranger, "patient/Subscription.read", now.Add(-time.Minute))
	for _, c := range []e2eCall{
		{name: "read by another ASID", in: request.SubscriptionRead, path: subPath("explicit XML"), header: hdr(request.SubscriptionRead, "fromASID", stranger), token: strangerRead,
			want: 403, spine: "ACCESS DENIED"},
		{name: "read an unknown id", in: request.SubscriptionRead, path: request.PathSubscription + "/" + unknown, header: hdr(request.SubscriptionRead), token: read,
			want: 404, spine: "NO_RECORD_FOUND", diag: "No subscription with id " + unknown},
		{name: "read an unknown id, answer in JSON", in: request.SubscriptionRead, path: request.PathSubscription + "/" + unknown,
			header: hdr(request.SubscriptionRead, "Accept", "application/fhir+json"), token: read, want: 404, spine: "NO_RECORD_FOUND"},
		{name: "read asking for HTML", in: request.SubscriptionRead, path: subPath("explicit XML"), header: hdr(request.SubscriptionRead, "Accept", "text/html"), token: read,
			want: 415, spine: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "read with an expired token", in: request.SubscriptionRead, path: subPath("explicit XML"), header: hdr(request.SubscriptionRead),
			token: spineJWT(owner, "patient/Subscription.read", now.Add(-2*time.Hour)), want: 400, spine: "MISSING_OR_INVALID_HEADER"},
		{name: "search", in: request.SubscriptionCreate, method: http.MethodGet, path: request.PathSubscription + "?_id=" + ids["explicit XML"],
			header: hdr(request.SubscriptionRead), token: read, want: 405, spine: "BAD_REQUEST"},
		{name: "update", in: request.SubscriptionRead, method: http.MethodPut, path: subPath("explicit XML"), header: hdr(request.SubscriptionCreate), token: write,
			body: explicitXML, want: 405, spine: "BAD_REQUEST"},
		{name: "delete an unknown id", in: request.SubscriptionDelete, path: request.PathSubscription + "/" + unknown, header: hdr(request.SubscriptionDelete), token: write,
			want: 404, spine: "NO_RECORD_FOUND", diag: "No subscription with id " + unknown},
		{name: "delete by another ASID", in: request.SubscriptionDelete, path: subPath("explicit XML"), header: hdr(request.SubscriptionDelete, "fromASID", stranger),
			token: spineJWT(stranger, "patient/Subscription.write", now.Add(-time.Minute)), want: 403, spine: "ACCESS DENIED"},
		{name: "delete the explicit XML", in: request.SubscriptionDelete, path: subPath("explicit XML"), header: hdr(request.SubscriptionDelete), token: write, want: 200},
		{name: "read it once deleted", in: request.SubscriptionRead, path: subPath("explicit XML"), header: hdr(request.SubscriptionRead), token: read,
			want: 404, spine: "NO_RECORD_FOUND", diag: "No subscription with id " + ids["explicit XML"]},
		{name: "delete it again", in: request.SubscriptionDelete, path: subPath("explicit XML"), header: hdr(request.SubscriptionDelete), token: write,
			want: 404, spine: "NO_RECORD_FOUND"},
		{name: "create it again, no longer a duplicate", in: request.SubscriptionCreate, header: hdr(request.SubscriptionCreate), token: write,
			body: bytes.Replace(explicitXML, []byte("tag=ward7"), []byte("tag=ward8"), 1), want: 201},
		{name: "publish the vaccination again", in: request.Publish, header: hdr(request.Publish), token: publish, body: vaccination, want: 202},
	} {
		a := e.do(c)
		if c.want == 201 && a.status == 201 {
			ids["explicit XML again"] = e.subscriptionID(c.name, a)
		}
	}
	// The deleted subscription no longer matches; the one created since does.
	checkInbox("A91545OT001", []want{{"VACCINATIONS_1", ids["explicit JSON"] + "|gp2~~~" + ids["explicit XML again"] + "|ward8"}})

	for _, status := range []int{200, 201, 202, 400, 403, 404, 405, 415, 422} {
		if e.statuses[status] == 0 {
			t.Errorf("no request was answered %d", status)
		}
	}
	t.Logf("answers by status: %v", e.statuses)
	stopServe(t, p)
}

// deliveredTo lists the mailboxes an event was delivered to, sorted.
func deliveredTo(ev nems.Event) string {
	var out []string
	for _, d := range ev.Deliveries {
		out = append(out, d.Mailbox)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

// changeOfGPElsewhere is the repository's own Change of GP example, for a
// patient neither in the directory nor subscribed to.
func changeOfGPElsewhere(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../corpus/examples/pds-change-of-gp.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestServeLifecycle: `nemsfhir serve --lifecycle FILE` and `nemsfhir
// request --lifecycle FILE` judge an event type's life cycle alike (spec
// 4.2): a deprecated type is accepted with a DEPRECATED notice and still
// delivered, a subscription to a no-longer-supported or withdrawn type is
// refused.
func TestServeLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "lifecycle")
	const note = "Deprecation of vaccinations-1 will occur on 01/01/2030, see https://example.org/nems"
	if err := os.WriteFile(file, []byte("# test\nvaccinations-1 deprecated "+note+"\npds-change-of-gp-1 no-longer-supported\npds-death-notification-1 withdrawn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, filepath.Join(dir, "data"), "--lifecycle", file)
	e := &e2e{t: t, base: p.base, client: &http.Client{Timeout: 20 * time.Second}, logs: p.logs, statuses: map[int]int{}, cliFlags: []string{"--lifecycle", file}}
	now := time.Now().Add(-time.Minute)
	write, publish := spineJWT("200000000205", "patient/Subscription.write", now), spineJWT("200000000205", "patient/Bundle.write", now)
	b, event := requestFixture(t, "subscription.xml"), requestFixture(t, "publish.xml")
	for _, c := range []e2eCall{
		{name: "subscribe to a deprecated type", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, nil), token: write, body: b, want: 201},
		{name: "publish a deprecated type", in: request.Publish, header: with(request.Publish, nil), token: publish, body: event, want: 202},
		{name: "subscribe to a no-longer-supported type", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, nil), token: write,
			body: bytes.Replace(b, []byte("vaccinations-1"), []byte("pds-change-of-gp-1"), 1), want: 400, spine: "NO_LONGER_SUPPORTED"},
		{name: "subscribe to a withdrawn type", in: request.SubscriptionCreate, header: with(request.SubscriptionCreate, nil), token: write,
			body: bytes.Replace(b, []byte("vaccinations-1"), []byte("pds-death-notification-1"), 1), want: 400, spine: "WITHDRAWN"},
	} {
		a := e.do(c)
		if c.want < 300 {
			if issues, err := outcomeIssues(a.header.Get("Content-Type"), a.body); err != nil || len(issues) != 1 || issues[0].Spine != "DEPRECATED" ||
				!strings.Contains(issues[0].Diagnostics, note) {
				t.Errorf("%s: the notice is %+v (%v), want one DEPRECATED issue with %q", c.name, issues, err, note)
			}
		}
	}
	if evs := eventLog(t, e.client, e.base); len(evs) != 1 || len(evs[0].Deliveries) != 1 {
		t.Errorf("the deprecated type's event: %+v, want one delivered", evs)
	}
}
