package nems

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

const (
	ownerASID = "200000000205"
	otherASID = "200000000117"
	nemsASID  = "928942012545"
	patient   = "9434765919"
	// another valid NHS number, whom nobody subscribes to
	otherPatient = "9000000009"
)

// jwtFor builds an unsigned Spine JWT for the interaction, as Spine
// clients send them, issued a minute ago for the five minutes Spine Core allows.
func jwtFor(in request.Interaction, asid string, now time.Time) string {
	scope := map[request.Interaction]string{request.Publish: "patient/Bundle.write", request.SubscriptionCreate: "patient/Subscription.write",
		request.SubscriptionRead: "patient/Subscription.read", request.SubscriptionDelete: "patient/Subscription.write"}[in]
	c := map[string]any{
		"iss": "https://cas.nhs.uk", "sub": "https://fhir.nhs.uk/Id/accredited-system|" + asid,
		"aud": "https://clinicals.spineservices.nhs.uk", "exp": now.Unix() + 240, "iat": now.Unix() - 60,
		"reason_for_request": "directcare", "scope": scope,
		"requesting_system":       "https://fhir.nhs.uk/Id/accredited-system|" + asid,
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|A91545",
	}
	enc := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, _ := json.Marshal(c)
	return enc(h) + "." + enc(p) + "."
}

// call is one HTTP request to the server, with the Spine headers of the
// interaction.
type call struct {
	in          request.Interaction
	method      string // "" means the interaction's
	path        string // "" means the interaction's
	asid        string // "" means ownerASID
	contentType string
	accept      string
	body        []byte
	token       string // "" means a good one
	header      map[string]string
}

func (c call) request(t *testing.T, base string) *http.Request {
	t.Helper()
	method, path, asid := c.method, c.path, c.asid
	if method == "" {
		method = c.in.Method()
	}
	if path == "" {
		path = c.in.Path()
	}
	if asid == "" {
		asid = ownerASID
	}
	req, err := http.NewRequest(method, base+path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("fromASID", asid)
	req.Header.Set("toASID", nemsASID)
	if c.in == request.Publish {
		req.Header.Set("InteractionID", "urn:nhs:names:services:events:Vaccinations.Write")
	} else {
		req.Header.Set("InteractionID", c.in.InteractionID())
	}
	tok := c.token
	if tok == "" {
		tok = jwtFor(c.in, asid, time.Now())
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	return req
}

type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, base string, c call) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(c.request(t, base))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestServer runs a server over a fresh SQLite store on loopback.
func newTestServer(t *testing.T, opts Options) (*httptest.Server, *SQLite) {
	t.Helper()
	st := openTestStore(t, t.TempDir())
	opts.Store = st
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, st
}

func wantStatus(t *testing.T, what string, a answer, status int, contains ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, a.status, status, a.body)
	}
	for _, s := range contains {
		if !strings.Contains(a.body, s) {
			t.Fatalf("%s: body lacks %q:\n%s", what, s, a.body)
		}
	}
}

// subscriptionID takes the id from an absolute Location.
func subscriptionID(t *testing.T, base string, a answer) string {
	t.Helper()
	loc := a.header.Get("Location")
	prefix := base + request.PathSubscription + "/"
	if !strings.HasPrefix(loc, prefix) || len(loc) != len(prefix)+32 {
		t.Fatalf("Location %q is not %s<32 hex digits>", loc, prefix)
	}
	return loc[len(prefix):]
}

func TestEndToEnd(t *testing.T) {
	ts, st := newTestServer(t, Options{})
	base := ts.URL
	ctx := context.Background()
	subXML, subJSON, event := readTestdata(t, "subscription.xml"), readTestdata(t, "subscription.json"), readTestdata(t, "publish.xml")

	// Explicit subscription in XML.
	a := do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: subXML})
	wantStatus(t, "create XML", a, http.StatusCreated)
	if a.body != "" {
		t.Errorf("create XML: a 201 without notices has no body, got:\n%s", a.body)
	}
	if a.header.Get("ETag") != `W/"1"` || a.header.Get("Last-Modified") == "" {
		t.Errorf("create XML: ETag %q, Last-Modified %q", a.header.Get("ETag"), a.header.Get("Last-Modified"))
	}
	idXML := subscriptionID(t, base, a)

	// The same again: NEMS names the one that exists.
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: subXML})
	wantStatus(t, "duplicate", a, http.StatusUnprocessableEntity, "DUPLICATE_REJECTED", "Subscription already exists : "+idXML+`"`)

	// The same criteria with the components in another order is the same
	// subscription.
	reordered := bytes.Replace(subXML, []byte("/Bundle?type=message&amp;Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9434765919&amp;MessageHeader.event=vaccinations-1"),
		[]byte("/Bundle?type=message&amp;MessageHeader.event=vaccinations-1&amp;Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9434765919"), 1)
	if bytes.Equal(reordered, subXML) {
		t.Fatal("test data changed: criteria not found")
	}
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: reordered})
	wantStatus(t, "duplicate, reordered", a, http.StatusUnprocessableEntity, "Subscription already exists : "+idXML)

	// A tagged subscription for the same mailbox: a second subscription,
	// but still one copy per message for that mailbox.
	tagged := bytes.Replace(subXML, []byte("MessageHeader.event=vaccinations-1"), []byte("MessageHeader.event=vaccinations-1&amp;tag=tagB"), 1)
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: tagged})
	wantStatus(t, "create tagged", a, http.StatusCreated)
	idTagged := subscriptionID(t, base, a)

	// JSON, another mailbox of the same organisation, tagged.
	js := bytes.Replace(subJSON, []byte("MessageHeader.event=vaccinations-1"), []byte("MessageHeader.event=vaccinations-1&tag=site123"), 1)
	js = bytes.Replace(js, []byte(`"A91545OT001"`), []byte(`"A91545OT002"`), 1)
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+json", body: js})
	wantStatus(t, "create JSON", a, http.StatusCreated)
	idJSON := subscriptionID(t, base, a)

	// Read back, in JSON though created in XML, with what NEMS adds.
	a = do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + idXML, accept: "application/fhir+json"})
	wantStatus(t, "read", a, http.StatusOK, `"id": "`+idXML+`"`, `"versionId": "1"`, `"lastUpdated": "`, `"status": "active"`,
		"nhs-number|9434765919")
	if ct := a.header.Get("Content-Type"); !strings.Contains(ct, "json") || a.header.Get("ETag") != `W/"1"` {
		t.Errorf("read: Content-Type %q, ETag %q", ct, a.header.Get("ETag"))
	}
	a = do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + idJSON})
	wantStatus(t, "read JSON-created as XML", a, http.StatusOK, `<id value="`+idJSON+`"/>`, `<versionId value="1"/>`, "tag=site123")
	// What read returns passes $validate, which judges a resource as a
	// resource; as the body of a create it breaks the three create-only
	// rules (no id, no meta.versionId, status requested).
	readBack := []byte(a.body)
	for _, fmtName := range []string{"xml", "json"} {
		back := readBack
		if fmtName == "json" {
			back = []byte(do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + idJSON, accept: "application/fhir+json"}).body)
		}
		v := validateCall(t, base, "/STU3/Subscription/$validate", "", back)
		wantStatus(t, "$validate of the "+fmtName+" read back", v, http.StatusOK, "No issues found")
		v = validateCall(t, base, "/STU3/Subscription/$validate?mode=create", "", back)
		wantStatus(t, "$validate?mode=create of the "+fmtName+" read back", v, http.StatusUnprocessableEntity,
			"[nems:sub:id-on-create]", "[nems:sub:meta-on-create]", "[nems:sub:status]")
	}

	// A matching event: one message per mailbox, forwarded unchanged.
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
	wantStatus(t, "publish matching", a, http.StatusAccepted)
	if a.body != "" {
		t.Errorf("publish: a 202 without notices has no body, got:\n%s", a.body)
	}
	for _, want := range []struct{ mailbox, partner string }{
		{"A91545OT001", idTagged + "|tagB"},
		{"A91545OT002", idJSON + "|site123"},
	} {
		ids, err := waiting(ctx, st, want.mailbox, "VACCINATIONS_1")
		if err != nil || len(ids) != 1 {
			t.Fatalf("inbox %s: %v %v, want one message", want.mailbox, ids, err)
		}
		m, found, err := st.Message(ctx, want.mailbox, ids[0])
		if err != nil || !found {
			t.Fatalf("message %s: %v %v", ids[0], found, err)
		}
		if !bytes.Equal(m.Body, event) || m.PartnerID != want.partner || m.WorkflowID != "VACCINATIONS_1" ||
			m.From != DefaultMeshFrom || m.To != want.mailbox || m.ContentType != "application/fhir+xml" {
			t.Errorf("message to %s: partner %q, workflow %q, from %q, to %q, type %q, body unchanged %v",
				want.mailbox, m.PartnerID, m.WorkflowID, m.From, m.To, m.ContentType, bytes.Equal(m.Body, event))
		}
	}

	// An event for another patient matches nothing.
	other := bytes.ReplaceAll(event, []byte(patient), []byte(otherPatient))
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: other})
	wantStatus(t, "publish not matching", a, http.StatusAccepted)
	for _, mb := range []string{"A91545OT001", "A91545OT002"} {
		if ids, _ := waiting(ctx, st, mb, ""); len(ids) != 1 {
			t.Errorf("inbox %s after a non-matching event: %v, want the one message", mb, ids)
		}
	}

	// Unknown id, someone else's subscription, delete, gone.
	a = do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/0123456789abcdef0123456789abcdef"})
	wantStatus(t, "read unknown", a, http.StatusNotFound, "NO_RECORD_FOUND")
	a = do(t, base, call{in: request.SubscriptionDelete, path: request.PathSubscription + "/" + idXML, asid: otherASID})
	wantStatus(t, "delete by another ASID", a, http.StatusForbidden, "ACCESS DENIED")
	a = do(t, base, call{in: request.SubscriptionDelete, path: request.PathSubscription + "/" + idXML})
	wantStatus(t, "delete", a, http.StatusOK)
	a = do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + idXML})
	wantStatus(t, "read deleted", a, http.StatusNotFound, "NO_RECORD_FOUND")
	a = do(t, base, call{in: request.SubscriptionDelete, path: request.PathSubscription + "/" + idXML})
	wantStatus(t, "delete deleted", a, http.StatusNotFound, "NO_RECORD_FOUND")

	// Refusals decided by the checker.
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "text/plain", body: subXML})
	wantStatus(t, "bad media type", a, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
	a = do(t, base, call{in: request.SubscriptionRead, method: http.MethodPut, path: request.PathSubscription + "/" + idJSON, contentType: "application/fhir+xml", body: subXML})
	wantStatus(t, "PUT", a, http.StatusMethodNotAllowed, "no update")
	if allow := a.header.Get("Allow"); allow != "GET, DELETE" {
		t.Errorf("PUT: Allow %q", allow)
	}
	a = do(t, base, call{in: request.SubscriptionCreate, method: http.MethodGet, path: request.PathSubscription + "?_id=" + idJSON})
	wantStatus(t, "search", a, http.StatusMethodNotAllowed)
	expired := jwtFor(request.SubscriptionRead, ownerASID, time.Now().Add(-time.Hour))
	a = do(t, base, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + idJSON, token: expired})
	wantStatus(t, "expired JWT", a, http.StatusBadRequest, "MISSING_OR_INVALID_HEADER", "jwt:")
	a = do(t, base, call{in: request.Publish, contentType: "application/fhir+xml", body: bytes.Repeat([]byte(" "), 3<<20+10)})
	wantStatus(t, "oversized", a, http.StatusRequestEntityTooLarge)
	if ids, _ := waiting(ctx, st, "A91545OT002", ""); len(ids) != 1 {
		t.Errorf("a refused request changed the mailbox: %v", ids)
	}

	// A generic subscription without Organization.identifier could never
	// match: refused rather than kept.
	noOrg := bytes.Replace(subXML, []byte("Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9434765919"),
		[]byte("subscriptionRuleType=COUNTRYCODE"), 1)
	a = do(t, base, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: noOrg})
	if a.status/100 == 2 {
		t.Errorf("generic subscription without Organization.identifier: %d\n%s", a.status, a.body)
	}

	// Outside NEMS's paths.
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/nowhere")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/nowhere: %v %v", resp, err)
	}
	resp.Body.Close()
}

// validateCall posts body to a $validate path; a Content-Type ct of ""
// is taken from the body's syntax.
func validateCall(t *testing.T, base, path, ct string, body []byte) answer {
	t.Helper()
	if ct == "" {
		ct = "application/fhir+xml"
		if validate.Sniff(body) == "json" {
			ct = "application/fhir+json"
		}
	}
	resp, err := http.Post(base+path, ct, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestValidateOperation(t *testing.T) {
	ts, _ := newTestServer(t, Options{})
	post := func(path, ct string, body []byte) answer {
		t.Helper()
		return validateCall(t, ts.URL, path, ct, body)
	}
	sub := readTestdata(t, "subscription.json")
	a := post("/STU3/Subscription/$validate", "application/fhir+json", sub)
	wantStatus(t, "valid", a, http.StatusOK, `"resourceType": "OperationOutcome"`, "No issues found")
	bad := bytes.Replace(sub, []byte(`"status": "requested",`), nil, 1)
	a = post("/STU3/Subscription/$validate", "application/fhir+json", bad)
	wantStatus(t, "invalid", a, http.StatusUnprocessableEntity, `"resourceType": "OperationOutcome"`, "status")
	a = post("/STU3/Patient/$validate", "application/fhir+json", sub)
	wantStatus(t, "wrong type", a, http.StatusUnprocessableEntity, "the path names Patient but the body is Subscription")

	// A Subscription as NEMS keeps it: with an id and meta, active. As a
	// resource it is valid; as the body of a create it is not; its
	// status must still be a Subscription status either way.
	stored := bytes.Replace(sub, []byte(`"meta": {`), []byte(`"id": "ea0a485187204b49b978bdcf7102388c", "meta": {"versionId": "1", "lastUpdated": "2025-03-01T10:00:00.000Z",`), 1)
	stored = bytes.Replace(stored, []byte(`"status": "requested"`), []byte(`"status": "active"`), 1)
	if bytes.Equal(stored, sub) || !bytes.Contains(stored, []byte(`"status": "active"`)) {
		t.Fatal("test data changed: meta or status not found")
	}
	a = post("/STU3/Subscription/$validate", "application/fhir+json", stored)
	wantStatus(t, "stored, as a resource", a, http.StatusOK, "No issues found")
	for _, mode := range []string{"create", "create&_format=xml"} {
		a = post("/STU3/Subscription/$validate?mode="+mode, "application/fhir+json", stored)
		wantStatus(t, "stored, mode="+mode, a, http.StatusUnprocessableEntity, "nems:sub:id-on-create", "nems:sub:meta-on-create", "nems:sub:status")
	}
	a = post("/STU3/Subscription/$validate?mode=create", "application/fhir+json", sub)
	wantStatus(t, "a create body, mode=create", a, http.StatusOK, "No issues found")
	a = post("/STU3/Subscription/$validate", "application/fhir+json", bytes.Replace(stored, []byte(`"status": "active"`), []byte(`"status": "paused"`), 1))
	wantStatus(t, "stored, status not a Subscription status", a, http.StatusUnprocessableEntity, "paused")
	a = post("/STU3/Subscription/$validate?mode=update", "application/fhir+json", stored)
	wantStatus(t, "mode=update", a, http.StatusBadRequest, `mode \"update\"`)
}

func TestActivateAfterAndOwner(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	ts, st := newTestServer(t, Options{ActivateAfter: time.Hour, AnyOwner: true, Now: clock})
	a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: readTestdata(t, "subscription.xml")})
	wantStatus(t, "create", a, http.StatusCreated)
	id := subscriptionID(t, ts.URL, a)
	a = do(t, ts.URL, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + id, asid: otherASID})
	wantStatus(t, "read by another ASID with AnyOwner", a, http.StatusOK, `<status value="requested"/>`)
	a = do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: readTestdata(t, "publish.xml")})
	wantStatus(t, "publish", a, http.StatusAccepted)
	if ids, _ := waiting(context.Background(), st, "A91545OT001", ""); len(ids) != 0 {
		t.Fatalf("a requested subscription received %v", ids)
	}
	now = now.Add(2 * time.Hour)
	a = do(t, ts.URL, call{in: request.SubscriptionRead, path: request.PathSubscription + "/" + id})
	wantStatus(t, "read once active", a, http.StatusOK, `<status value="active"/>`)
}

// genericSubscription is the XML example made generic.
func genericSubscription(t *testing.T, rule, org, mailbox, extra string) []byte {
	t.Helper()
	b := bytes.Replace(readTestdata(t, "subscription.xml"), []byte("Patient.identifier=http://fhir.nhs.net/Id/nhs-number|9434765919"),
		[]byte("subscriptionRuleType="+rule+"&amp;Organization.identifier="+org+extra), 1)
	return bytes.Replace(b, []byte("A91545OT001"), []byte(mailbox), 1)
}

func TestGenericMatching(t *testing.T) {
	dir, err := LoadDirectory(strings.NewReader(`{
		"patients": [
			{"nhsNumber": "9434765919", "gp": "A91545", "postcode": "LS17 7DF"},
			{"nhsNumber": "9000000009", "postcode": "LS17 7DF", "flags": "S"}
		],
		"postcodes": [{"postcode": "ls177df", "localAuthority": "E08000035", "icbSubLocation": "X2458", "country": "E92000001"}],
		"practices": [{"code": "A91545", "icbSubLocation": "X2458"}]
	}`), "directory.json")
	if err != nil {
		t.Fatal(err)
	}
	ts, st := newTestServer(t, Options{Directory: dir})
	ctx := context.Background()
	create := func(body []byte) string {
		a := do(t, ts.URL, call{in: request.SubscriptionCreate, contentType: "application/fhir+xml", body: body})
		wantStatus(t, "create generic", a, http.StatusCreated)
		return subscriptionID(t, ts.URL, a)
	}
	// One mailbox per rule type that places the patient, one that names
	// another area, and one that wants unregistered patients only.
	want := map[string]bool{}
	for i, rc := range []struct{ rule, org string }{
		{"GP_GP_GP", "A91545"}, {"CHO_GP_CCG", "X2458"}, {"CHO_POSTCODE_CCG", "X2458"},
		{"UHV_POSTCODE_LACODE", "E08000035"}, {"COUNTRYCODE", "E92000001"},
	} {
		mb := fmt.Sprintf("A91545OT10%d", i)
		create(genericSubscription(t, rc.rule, rc.org, mb, ""))
		want[mb] = true
	}
	create(genericSubscription(t, "COUNTRYCODE", "W92000004", "A91545OT200", ""))
	create(genericSubscription(t, "GP_GP_GP", "A91545", "A91545OT201", "&amp;GPRegistration=UnregisteredOnly"))
	tagged := create(genericSubscription(t, "GP_GP_GP", "A91545", "A91545OT100", "&amp;tag=gp"))

	event := readTestdata(t, "publish.xml")
	a := do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: event})
	wantStatus(t, "publish", a, http.StatusAccepted)
	for _, mb := range []string{"A91545OT100", "A91545OT101", "A91545OT102", "A91545OT103", "A91545OT104", "A91545OT200", "A91545OT201"} {
		ids, err := waiting(ctx, st, mb, "")
		if err != nil {
			t.Fatal(err)
		}
		if want[mb] != (len(ids) == 1) || len(ids) > 1 {
			t.Errorf("mailbox %s holds %d messages; want one: %v", mb, len(ids), want[mb])
		}
	}
	ids, _ := waiting(ctx, st, "A91545OT100", "")
	if m, _, _ := st.Message(ctx, "A91545OT100", ids[0]); m.PartnerID != tagged+"|gp" {
		t.Errorf("Mex-Partnerid %q, want %s|gp", m.PartnerID, tagged)
	}

	// A patient flagged S: accepted, and nothing flows, not even to an
	// explicit subscription.
	explicit := bytes.ReplaceAll(readTestdata(t, "subscription.xml"), []byte(patient), []byte(otherPatient))
	explicit = bytes.Replace(explicit, []byte("A91545OT001"), []byte("A91545OT300"), 1)
	create(explicit)
	a = do(t, ts.URL, call{in: request.Publish, contentType: "application/fhir+xml", body: bytes.ReplaceAll(event, []byte(patient), []byte(otherPatient))})
	wantStatus(t, "publish for a sensitive patient", a, http.StatusAccepted)
	for _, mb := range []string{"A91545OT300", "A91545OT104"} {
		if ids, _ := waiting(ctx, st, mb, ""); len(ids) > 1 || mb == "A91545OT300" && len(ids) != 0 {
			t.Errorf("mailbox %s got a message about a patient flagged S: %v", mb, ids)
		}
	}
}

func TestLoadDirectoryErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{`{"patients": [{"gp": "A91545"}]}`, "patients[0]: no nhsNumber"},
		{`{"patients": [{"nhsNumber": "9434765919"}, {"nhsNumber": "9434765919"}]}`, "listed twice"},
		{`{"patients": [{"nhsNumber": "9434765919", "flags": "X"}]}`, "only S (sensitive) and I (invalid)"},
		{`{"patient": []}`, "unknown field"},
		{`{"postcodes": [{"country": "E92000001"}]}`, "postcodes[0]: no postcode"},
	} {
		_, err := LoadDirectory(strings.NewReader(tc.doc), "d.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "d.json: ") {
			t.Errorf("%s: %v, want d.json: ...%s", tc.doc, err, tc.want)
		}
	}
	if p, ok := SampleDirectory().Patient("9434765919"); !ok || p.GP != "A91545" {
		t.Errorf("sample directory: %+v %v", p, ok)
	}
}
