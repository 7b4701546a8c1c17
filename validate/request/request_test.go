package request

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/transform"
	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// The clock every test token is judged by.
var testNow = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

const (
	testFromASID = "200000000205"
	testToASID   = "928942012545"
	testSubID    = "ea0a485187204b49b978bdcf7102388c"
	hmacKey      = "a shared secret of at least 32 bytes for HS256 tests"
)

// testHMACKey verifies tokens made by token with hmacKey.
var testHMACKey = func() *JWTKey {
	k, err := NewJWTHMACSecret([]byte(hmacKey))
	if err != nil {
		panic(err)
	}
	return k
}()

// claims returns a good claim set for the interaction.
func claims(in Interaction) map[string]any {
	scope := map[Interaction]string{Publish: "patient/Bundle.write", SubscriptionCreate: "patient/Subscription.write",
		SubscriptionRead: "patient/Subscription.read", SubscriptionDelete: "patient/Subscription.write"}[in]
	return map[string]any{
		"iss":                     "https://cas.nhs.uk",
		"sub":                     "https://fhir.nhs.uk/Id/accredited-system|" + testFromASID,
		"aud":                     "https://clinicals.spineservices.nhs.uk",
		"exp":                     testNow.Unix() + 240,
		"iat":                     testNow.Unix() - 60,
		"reason_for_request":      "directcare",
		"scope":                   scope,
		"requesting_system":       "https://fhir.nhs.uk/Id/accredited-system|" + testFromASID,
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|A91545",
	}
}

// token builds a compact JWT: unsecured, or HS256 when key is set.
func token(c map[string]any, key string) string {
	enc := base64.RawURLEncoding.EncodeToString
	alg := "none"
	if key != "" {
		alg = "HS256"
	}
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT"})
	p, _ := json.Marshal(c)
	in := enc(h) + "." + enc(p)
	if key == "" {
		return in + "."
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(in))
	return in + "." + enc(m.Sum(nil))
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goodRequest returns a request NEMS accepts for the interaction.
func goodRequest(t testing.TB, in Interaction) *Request {
	h := http.Header{}
	h.Set(HeaderFromASID, testFromASID)
	h.Set(HeaderToASID, testToASID)
	h.Set(HeaderAuthorization, "Bearer "+token(claims(in), ""))
	r := &Request{Interaction: in, Method: in.Method(), Target: in.Path(), Header: h}
	switch in {
	case Publish:
		h.Set(HeaderInteractionID, "urn:nhs:names:services:events:Vaccinations.Write")
		h.Set(HeaderContentType, "application/fhir+xml")
		r.Body = []byte(readTestdata(t, "publish.xml"))
	case SubscriptionCreate:
		h.Set(HeaderInteractionID, in.InteractionID())
		h.Set(HeaderContentType, "application/fhir+xml")
		r.Body = []byte(readTestdata(t, "subscription.xml"))
	default:
		h.Set(HeaderInteractionID, in.InteractionID())
		r.Target = PathSubscription + "/" + testSubID
	}
	return r
}

// reqCase is one row of the request table.
type reqCase struct {
	name string
	in   Interaction
	opts Options
	// edit changes the good request of the interaction.
	edit func(t testing.TB, r *Request)

	status int
	spine  issue.SpineCode // of the decisive finding; "" when accepted
	rule   string          // of the decisive finding; "" when accepted
	// also lists rules that must be among the findings.
	also []string
	// media is the response media type expected, when set.
	media string
	// absent lists rules that must not be among the findings.
	absent []string
}

// Edits used by many rows.
func setHeader(name, value string) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) { r.Header.Del(name); r.Header[name] = []string{value} }
}
func delHeader(name string) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) { r.Header.Del(name) }
}
func addHeader(name, value string) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) { r.Header.Add(name, value) }
}
func withClaims(edit func(map[string]any)) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) {
		c := claims(r.Interaction)
		edit(c)
		r.Header.Set(HeaderAuthorization, "Bearer "+token(c, ""))
	}
}
func withBody(file string, from, to string, ct string) func(testing.TB, *Request) {
	return func(t testing.TB, r *Request) {
		b := readTestdata(t, file)
		if from != "" {
			if !strings.Contains(b, from) {
				t.Fatalf("%s has no %q", file, from)
			}
			b = strings.Replace(b, from, to, 1)
		}
		r.Body = []byte(b)
		if ct != "" {
			r.Header.Set(HeaderContentType, ct)
		}
	}
}
func both(edits ...func(testing.TB, *Request)) func(testing.TB, *Request) {
	return func(t testing.TB, r *Request) {
		for _, e := range edits {
			e(t, r)
		}
	}
}
func target(s string) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) { r.Target = s }
}
func method(s string) func(testing.TB, *Request) {
	return func(_ testing.TB, r *Request) { r.Method = s }
}

const mhb = issue.SpineMissingOrInvalidHeader

var (
	baseOnce sync.Once
	baseV    *validate.Validator
)

// baseValidator checks bodies without the NEMS rule packs, for the rows
// about the request checker's own body rules.
func baseValidator() *validate.Validator {
	baseOnce.Do(func() {
		v, err := validate.New(validate.Options{NoRules: true})
		if err != nil {
			panic(err)
		}
		baseV = v
	})
	return baseV
}

// requestTable builds the table: good requests and one row per rule broken.
func requestTable() []reqCase {
	var rows []reqCase
	add := func(c ...reqCase) { rows = append(rows, c...) }
	ok := func(in Interaction) int { return success(in) }

	// Good requests, and header names in other cases.
	for _, in := range issue.Interactions() {
		add(reqCase{name: "good", in: in, status: ok(in), media: "application/xml+fhir;charset=utf-8"})
		if in != Publish {
			// The create body is XML; a read or delete has none.
			if in == SubscriptionCreate {
				rows[len(rows)-1].media = "application/fhir+xml"
			}
		} else {
			rows[len(rows)-1].media = "application/fhir+xml"
		}
		add(reqCase{name: "header names in lower case", in: in, status: ok(in), edit: func(_ testing.TB, r *Request) {
			h := http.Header{}
			for k, v := range r.Header {
				h[strings.ToLower(k)] = v
			}
			r.Header = h
		}})
		add(reqCase{name: "header names in Spine Core spelling", in: in, status: ok(in), edit: func(_ testing.TB, r *Request) {
			h := http.Header{}
			for k, v := range r.Header {
				switch strings.ToLower(k) {
				case "fromasid":
					k = "FromASID"
				case "toasid":
					k = "ToASID"
				case "interactionid":
					k = "INTERACTIONID"
				}
				h[k] = v
			}
			r.Header = h
		}})
	}

	// Each Spine header: missing, empty, repeated, malformed.
	for _, in := range issue.Interactions() {
		for _, hd := range []struct{ name, rule string }{{HeaderFromASID, RuleFromASID}, {HeaderToASID, RuleToASID}, {HeaderInteractionID, RuleInteractionID}} {
			add(reqCase{name: hd.name + " missing", in: in, edit: delHeader(hd.name), status: 400, spine: mhb, rule: hd.rule})
			add(reqCase{name: hd.name + " empty", in: in, edit: setHeader(hd.name, " "), status: 400, spine: mhb, rule: hd.rule})
			add(reqCase{name: hd.name + " repeated", in: in, edit: addHeader(hd.name, "200000000206"), status: 400, spine: mhb, rule: hd.rule})
		}
		for _, bad := range []string{"12345", "2000000002O5", "2000000002050", "urn:nhs:addressing:asid:200000000205"} {
			add(reqCase{name: "fromASID " + bad, in: in, edit: setHeader(HeaderFromASID, bad), status: 400, spine: mhb, rule: RuleFromASID})
			add(reqCase{name: "toASID " + bad, in: in, edit: setHeader(HeaderToASID, bad), status: 400, spine: mhb, rule: RuleToASID})
		}
		add(reqCase{name: "toASID not the NEMS ASID", in: in, opts: Options{ToASID: "111111111111"}, status: 403, spine: "ASID_CHECK_FAILED", rule: RuleToASID})
		add(reqCase{name: "toASID is the NEMS ASID", in: in, opts: Options{ToASID: testToASID}, status: ok(in)})
		add(reqCase{name: "fromASID padded with spaces", in: in, edit: setHeader(HeaderFromASID, "  "+testFromASID+"\t"), status: ok(in)})
		add(reqCase{name: "fromASID differs from requesting_system", in: in, edit: setHeader(HeaderFromASID, "200000000206"), status: 400, spine: mhb, rule: "jwt:from-asid"})
	}

	// InteractionID values.
	for _, in := range issue.Interactions() {
		for _, other := range issue.Interactions() {
			if other == in || other == Publish {
				continue
			}
			add(reqCase{name: "InteractionID of " + other.String(), in: in, edit: setHeader(HeaderInteractionID, other.InteractionID()), status: 400, spine: mhb, rule: RuleInteractionID})
		}
		add(reqCase{name: "InteractionID unknown", in: in, edit: setHeader(HeaderInteractionID, "urn:nhs:names:services:clinicals-sync:SubscriptionsApiPut"), status: 400, spine: mhb, rule: RuleInteractionID})
		if in != Publish {
			add(reqCase{name: "InteractionID in wrong case", in: in, edit: setHeader(HeaderInteractionID, strings.ToLower(in.InteractionID())), status: 400, spine: mhb, rule: RuleInteractionID})
			add(reqCase{name: "InteractionID of publish", in: in, edit: setHeader(HeaderInteractionID, "urn:nhs:names:services:events:Vaccinations.Write"), status: 400, spine: mhb, rule: RuleInteractionID})
		}
	}
	pubID := func(code string) func(testing.TB, *Request) {
		return setHeader(HeaderInteractionID, "urn:nhs:names:services:events:"+code+".Write")
	}
	add(
		reqCase{name: "publish InteractionID code in wrong case", in: Publish, edit: pubID("VACCINATIONS"), status: 400, spine: mhb, rule: RuleInteractionID},
		reqCase{name: "publish InteractionID with EventType code (pre 2.3.0)", in: Publish, edit: pubID("vaccinations-1"), status: 400, spine: mhb, rule: RuleInteractionID},
		reqCase{name: "publish InteractionID of a PDS event", in: Publish, edit: pubID("pds-change-of-address-1"), status: 400, spine: mhb, rule: RuleInteractionID},
		reqCase{name: "publish InteractionID unknown event", in: Publish, edit: pubID("Immunisations"), status: 400, spine: mhb, rule: RuleInteractionID},
		reqCase{name: "publish InteractionID without .Write", in: Publish, edit: setHeader(HeaderInteractionID, "urn:nhs:names:services:events:Vaccinations"), status: 400, spine: mhb, rule: RuleInteractionID},
		reqCase{name: "publish InteractionID names another event than the body", in: Publish, edit: pubID("Nipeoutcome"), status: 400, spine: mhb, rule: RuleInteractionEvent},
		reqCase{name: "publish PDS event body", in: Publish, edit: withBody("publish.xml", `<code value="vaccinations-1"/>`, `<code value="pds-change-of-address-1"/>`, ""),
			status: 400, spine: issue.SpineInvalidCodeValue, rule: RulePublishableEvent},
		reqCase{name: "publish unsupported event body", in: Publish, edit: withBody("publish.xml", `<code value="vaccinations-1"/>`, `<code value="failsafe-message-gp-1"/>`, ""),
			status: 400, spine: issue.SpineInvalidCodeValue, rule: RulePublishableEvent},
	)
	for ev, code := range publishCodes {
		add(reqCase{name: "publish " + ev + " body with its InteractionID", in: Publish,
			edit: both(pubID(code), withBody("publish.xml", `<code value="vaccinations-1"/>`, `<code value="`+ev+`"/>`, "")),
			// The body is a vaccination; the event rules may refuse it
			// for another event type. Only the InteractionID is judged.
			status: -1, absent: []string{RuleInteractionEvent, RuleInteractionID, RulePublishableEvent}})
	}

	// Authorization and every JWT claim rule, per interaction.
	for _, in := range issue.Interactions() {
		jwtRow := func(name, rule string, edit func(map[string]any)) {
			add(reqCase{name: "jwt " + name, in: in, edit: withClaims(edit), status: 400, spine: mhb, rule: rule})
		}
		add(
			reqCase{name: "Authorization missing", in: in, edit: delHeader(HeaderAuthorization), status: 400, spine: mhb, rule: "jwt:authorization"},
			reqCase{name: "Authorization repeated", in: in, edit: addHeader(HeaderAuthorization, "Bearer x.y."), status: 400, spine: mhb, rule: RuleAuthorization},
			reqCase{name: "Authorization not Bearer", in: in, edit: setHeader(HeaderAuthorization, "Basic dXNlcjpwYXNz"), status: 400, spine: mhb, rule: "jwt:format"},
			reqCase{name: "Authorization token with two parts", in: in, edit: setHeader(HeaderAuthorization, "Bearer eyJhbGciOiJub25lIn0.e30"), status: 400, spine: mhb, rule: "jwt:format"},
			reqCase{name: "Authorization scheme in lower case", in: in, edit: func(_ testing.TB, r *Request) {
				r.Header.Set(HeaderAuthorization, "bearer "+token(claims(in), ""))
			}, status: ok(in)},
		)
		for _, c := range []string{"iss", "sub", "aud", "exp", "iat", "reason_for_request", "scope", "requesting_system", "requesting_organisation"} {
			rule := "jwt:" + c
			jwtRow(c+" missing", rule, func(m map[string]any) { delete(m, c) })
		}
		jwtRow("iss not a URI", "jwt:iss", func(m map[string]any) { m["iss"] = "cas" })
		jwtRow("sub not requesting_system", "jwt:sub", func(m map[string]any) { m["sub"] = "someone" })
		jwtRow("sub not requesting_user", "jwt:sub", func(m map[string]any) {
			m["requesting_user"] = "https://fhir.nhs.uk/Id/sds-role-profile-id|555021935107"
		})
		jwtRow("expired", "jwt:exp", func(m map[string]any) { m["exp"] = testNow.Unix() - 1; m["iat"] = testNow.Unix() - 200 })
		jwtRow("issued in the future", "jwt:iat", func(m map[string]any) { m["iat"] = testNow.Unix() + 60 })
		jwtRow("reason_for_request unknown", "jwt:reason_for_request", func(m map[string]any) { m["reason_for_request"] = "curiosity" })
		jwtRow("requesting_system of another system", "jwt:requesting_system", func(m map[string]any) {
			m["requesting_system"] = "https://fhir.nhs.uk/Id/ods-organization-code|" + testFromASID
			m["sub"] = m["requesting_system"]
		})
		jwtRow("requesting_system not an ASID", "jwt:requesting_system", func(m map[string]any) {
			m["requesting_system"] = "https://fhir.nhs.uk/Id/accredited-system|ABC"
			m["sub"] = m["requesting_system"]
		})
		jwtRow("requesting_organisation not ODS", "jwt:requesting_organisation", func(m map[string]any) {
			m["requesting_organisation"] = "https://fhir.nhs.uk/Id/ods-organization-code|a!"
		})
		jwtRow("requesting_user system not a URI", "jwt:requesting_user", func(m map[string]any) {
			m["requesting_user"] = "role profile|555021935107"
			m["sub"] = m["requesting_user"]
		})
		jwtRow("requesting_patient invalid NHS number", "jwt:requesting_patient", func(m map[string]any) {
			m["requesting_patient"] = "http://fhir.nhs.net/Id/nhs-number|6101231234"
		})
		for _, other := range issue.Interactions() {
			if other.RequiredScope() != in.RequiredScope() {
				jwtRow("scope of "+other.String(), "jwt:scope", func(m map[string]any) { m["scope"] = claims(other)["scope"] })
			}
		}
		add(
			reqCase{name: "jwt requesting_organization with z (warning)", in: in, status: ok(in), also: []string{"jwt:requesting_organisation"}, edit: withClaims(func(m map[string]any) {
				m["requesting_organization"] = m["requesting_organisation"]
				delete(m, "requesting_organisation")
			})},
			reqCase{name: "jwt bare ASID (warning)", in: in, status: ok(in), also: []string{"jwt:requesting_system"}, edit: withClaims(func(m map[string]any) {
				m["requesting_system"] = testFromASID
				m["sub"] = testFromASID
			})},
			reqCase{name: "jwt expired, time ignored", in: in, opts: Options{IgnoreTime: true}, status: ok(in), edit: withClaims(func(m map[string]any) {
				m["exp"] = testNow.Unix() - 3600
				m["iat"] = testNow.Unix() - 3900
			})},
			reqCase{name: "jwt expired within leeway", in: in, opts: Options{Leeway: time.Minute}, status: ok(in), edit: withClaims(func(m map[string]any) {
				m["exp"] = testNow.Unix() - 30
				m["iat"] = testNow.Unix() - 300
			})},
			reqCase{name: "jwt aud is the expected audience", in: in, opts: Options{Audience: "https://clinicals.spineservices.nhs.uk/"}, status: ok(in)},
			reqCase{name: "jwt aud is not the expected audience", in: in, opts: Options{Audience: "https://demographics.spineservices.nhs.uk"}, status: 400, spine: mhb, rule: "jwt:aud"},
			reqCase{name: "jwt signed, no key: signature not checked", in: in, status: ok(in), edit: func(_ testing.TB, r *Request) {
				r.Header.Set(HeaderAuthorization, "Bearer "+token(claims(in), "some other secret"))
			}},
			reqCase{name: "jwt signed, key matches", in: in, opts: Options{Key: testHMACKey}, status: ok(in), edit: func(_ testing.TB, r *Request) {
				r.Header.Set(HeaderAuthorization, "Bearer "+token(claims(in), hmacKey))
			}},
			reqCase{name: "jwt signed, key does not match", in: in, opts: Options{Key: testHMACKey}, status: 400, spine: mhb, rule: "jwt:signature", edit: func(_ testing.TB, r *Request) {
				r.Header.Set(HeaderAuthorization, "Bearer "+token(claims(in), "some other secret"))
			}},
			reqCase{name: "jwt unsigned, key given: refused", in: in, opts: Options{Key: testHMACKey}, status: 400, spine: mhb, rule: "jwt:signature"},
			reqCase{name: "jwt nbf in the future", in: in, status: 400, spine: mhb, rule: "jwt:nbf", edit: withClaims(func(m map[string]any) {
				m["nbf"] = testNow.Unix() + 60
			})},
			reqCase{name: "jwt nbf in the past", in: in, status: ok(in), edit: withClaims(func(m map[string]any) {
				m["nbf"] = testNow.Unix() - 60
			})},
		)
	}

	// Media types: every NEMS type as Content-Type and as Accept.
	for _, mt := range transform.MediaTypes() {
		s := mt.String()
		body := "subscription.xml"
		if mt.Format == transform.JSON {
			body = "subscription.json"
		}
		add(reqCase{name: "create Content-Type " + s, in: SubscriptionCreate, edit: withBody(body, "", "", s), status: 201, media: s})
		// An Accept without charset is answered with it: Spine always
		// answers in UTF-8 (spec 2.3).
		utf8 := mt
		utf8.Charset = true
		add(reqCase{name: "create Accept " + s, in: SubscriptionCreate, edit: setHeader(HeaderAccept, s), status: 201, media: utf8.String()})
		add(reqCase{name: "read Accept " + s, in: SubscriptionRead, edit: setHeader(HeaderAccept, s), status: 200, media: utf8.String()})
		add(reqCase{name: "delete Accept " + s, in: SubscriptionDelete, edit: setHeader(HeaderAccept, s), status: 200, media: utf8.String()})
		if mt.Format == transform.XML {
			add(reqCase{name: "publish Content-Type " + s, in: Publish, edit: setHeader(HeaderContentType, s), status: 202, media: s})
			add(reqCase{name: "publish Accept " + s, in: Publish, edit: setHeader(HeaderAccept, s), status: 202, media: utf8.String()})
		} else {
			add(reqCase{name: "publish Content-Type " + s, in: Publish, edit: withBody("publish.json", "", "", s),
				status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleContentType, media: "application/xml+fhir;charset=utf-8"})
			add(reqCase{name: "publish Accept " + s, in: Publish, edit: setHeader(HeaderAccept, s),
				status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleAccept})
		}
	}
	for _, bad := range []string{"application/xml", "application/json", "text/xml", "text/plain", "application/fhir+xml;charset=iso-8859-1",
		"application/fhir+xml;version=3.0", "application/", "application/fhir+yaml"} {
		for _, in := range []Interaction{Publish, SubscriptionCreate} {
			add(reqCase{name: "Content-Type " + bad, in: in, edit: setHeader(HeaderContentType, bad), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleContentType})
		}
		for _, in := range issue.Interactions() {
			add(reqCase{name: "Accept " + bad, in: in, edit: setHeader(HeaderAccept, bad), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleAccept})
		}
	}
	add(
		reqCase{name: "Content-Type in other case and spacing", in: SubscriptionCreate, edit: setHeader(HeaderContentType, "Application/FHIR+XML ; Charset=UTF-8"), status: 201, media: "application/fhir+xml;charset=utf-8"},
		reqCase{name: "Content-Type repeated", in: SubscriptionCreate, edit: addHeader(HeaderContentType, "application/fhir+xml"), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleContentType},
		reqCase{name: "no Content-Type: XML default", in: SubscriptionCreate, edit: delHeader(HeaderContentType), status: 201, media: "application/xml+fhir;charset=utf-8"},
		reqCase{name: "no Content-Type: XML default", in: Publish, edit: delHeader(HeaderContentType), status: 202, media: "application/xml+fhir;charset=utf-8"},
		reqCase{name: "no Content-Type, JSON body", in: SubscriptionCreate, edit: both(delHeader(HeaderContentType), withBody("subscription.json", "", "", "")), status: 400, spine: issue.SpineMessageNotWellFormed, rule: RuleBodyFormat},
		reqCase{name: "no Content-Type, JSON body", in: Publish, edit: both(delHeader(HeaderContentType), withBody("publish.json", "", "", "")), status: 400, spine: issue.SpineMessageNotWellFormed, rule: RuleBodyFormat},
		reqCase{name: "XML body with JSON Content-Type", in: SubscriptionCreate, edit: setHeader(HeaderContentType, "application/fhir+json"), status: 400, spine: issue.SpineMessageNotWellFormed, rule: RuleBodyFormat},
		reqCase{name: "JSON body with XML Content-Type", in: SubscriptionCreate, edit: withBody("subscription.json", "", "", "application/xml+fhir"), status: 400, spine: issue.SpineMessageNotWellFormed, rule: RuleBodyFormat},
		reqCase{name: "JSON body with XML Content-Type", in: Publish, edit: withBody("publish.json", "", "", "application/fhir+xml"), status: 400, spine: issue.SpineMessageNotWellFormed, rule: RuleBodyFormat},
		reqCase{name: "Accept */*", in: SubscriptionRead, edit: setHeader(HeaderAccept, "*/*"), status: 200, media: "application/xml+fhir;charset=utf-8"},
		reqCase{name: "Accept JSON preferred by q", in: SubscriptionRead, edit: setHeader(HeaderAccept, "application/fhir+xml;q=0.5, application/fhir+json"), status: 200, media: "application/fhir+json;charset=utf-8"},
		reqCase{name: "Accept all refused with q=0", in: SubscriptionRead, edit: setHeader(HeaderAccept, "application/*;q=0"), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleAccept},
		reqCase{name: "Accept split over two headers", in: SubscriptionRead, edit: both(setHeader(HeaderAccept, "text/html"), addHeader(HeaderAccept, "application/json+fhir")), status: 200, media: "application/json+fhir;charset=utf-8"},
		reqCase{name: "JSON create answers in JSON", in: SubscriptionCreate, edit: withBody("subscription.json", "", "", "application/fhir+json"), status: 201, media: "application/fhir+json"},
		reqCase{name: "_format json", in: SubscriptionRead, edit: target(PathSubscription + "/" + testSubID + "?_format=json"), status: 200, media: "application/json+fhir;charset=utf-8"},
		reqCase{name: "_format xml", in: SubscriptionDelete, edit: target(PathSubscription + "/" + testSubID + "?_format=xml"), status: 200, media: "application/xml+fhir;charset=utf-8"},
		reqCase{name: "_format wins over Accept", in: SubscriptionRead, edit: both(setHeader(HeaderAccept, "application/fhir+xml"), target(PathSubscription+"/"+testSubID+"?_format=application/fhir%2Bjson")), status: 200, media: "application/fhir+json"},
		reqCase{name: "_format with unescaped +", in: SubscriptionCreate, edit: target(PathSubscription + "?_format=application/fhir+json"), status: 201, media: "application/fhir+json"},
		reqCase{name: "_format json", in: Publish, edit: target(PathPublish + "?_format=json"), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleFormatParam},
		reqCase{name: "_format html", in: SubscriptionRead, edit: target(PathSubscription + "/" + testSubID + "?_format=html"), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleFormatParam},
		reqCase{name: "_format twice", in: SubscriptionRead, edit: target(PathSubscription + "/" + testSubID + "?_format=xml&_format=json"), status: 415, spine: issue.SpineUnsupportedMediaType, rule: RuleFormatParam},
	)

	// Routing.
	add(
		reqCase{name: "absolute URL", in: Publish, edit: target("https://clinicals.spineservices.nhs.uk" + PathPublish), status: 202},
		reqCase{name: "absolute URL on the other host", in: Publish, edit: target("https://demographics.spineservices.nhs.uk" + PathPublish), status: 202},
		reqCase{name: "$ percent-encoded", in: Publish, edit: target("/STU3/Events/1/%24process-message"), status: 202},
		reqCase{name: "path of subscription create", in: Publish, edit: target(PathSubscription), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath},
		reqCase{name: "path without /STU3", in: Publish, edit: target("/Events/1/$process-message"), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath},
		reqCase{name: "path without /STU3", in: SubscriptionCreate, edit: target("/Subscription"), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath},
		reqCase{name: "path with id", in: SubscriptionCreate, edit: target(PathSubscription + "/" + testSubID), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath, also: []string{RuleMethod}},
		reqCase{name: "GET", in: Publish, edit: method("GET"), status: 405, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "PUT", in: SubscriptionCreate, edit: method("PUT"), status: 405, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "lower-case method", in: SubscriptionRead, edit: method("get"), status: 405, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "PUT (no update)", in: SubscriptionRead, edit: method("PUT"), status: 405, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "DELETE sent for read", in: SubscriptionRead, edit: method("DELETE"), status: 400, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "GET sent for delete", in: SubscriptionDelete, edit: method("GET"), status: 400, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "POST sent for delete", in: SubscriptionDelete, edit: method("POST"), status: 405, spine: issue.SpineBadRequest, rule: RuleMethod},
		reqCase{name: "UUID id", in: SubscriptionRead, edit: target(PathSubscription + "/8f9e2b1c-3d4a-4b5c-9d6e-7f8a9b0c1d2e"), status: 200},
		reqCase{name: "upper-case hex id", in: SubscriptionDelete, edit: target(PathSubscription + "/" + strings.ToUpper(testSubID)), status: 200},
	)
	for _, in := range []Interaction{SubscriptionRead, SubscriptionDelete} {
		add(
			reqCase{name: "no id", in: in, edit: target(PathSubscription), status: 400, spine: issue.SpineBadRequest, rule: RuleSubscriptionID},
			reqCase{name: "no id, trailing slash", in: in, edit: target(PathSubscription + "/"), status: 400, spine: issue.SpineBadRequest, rule: RuleSubscriptionID},
			reqCase{name: "id not hex", in: in, edit: target(PathSubscription + "/subscription-1"), status: 404, spine: issue.SpineNoRecordFound, rule: RuleSubscriptionID},
			reqCase{name: "id too short", in: in, edit: target(PathSubscription + "/ea0a485187204b49"), status: 404, spine: issue.SpineNoRecordFound, rule: RuleSubscriptionID},
			reqCase{name: "_history path", in: in, edit: target(PathSubscription + "/" + testSubID + "/_history/1"), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath},
			reqCase{name: "publish path", in: in, edit: target(PathPublish), status: 404, spine: issue.SpineNoRecordFound, rule: RulePath},
			reqCase{name: "body sent (warning)", in: in, edit: withBody("subscription.xml", "", "", ""), status: 200, also: []string{RuleBodyUnexpected}},
		)
	}
	add(reqCase{name: "bad target", in: Publish, edit: target("%zz"), status: 400, spine: issue.SpineBadRequest, rule: RuleTarget})

	// Size.
	for _, in := range []Interaction{Publish, SubscriptionCreate} {
		add(
			reqCase{name: "body over the limit", in: in, opts: Options{MaxSize: 100}, status: 413, spine: issue.SpineBadRequest, rule: RuleSize},
			reqCase{name: "no limit", in: in, opts: Options{MaxSize: -1}, status: ok(in)},
			reqCase{name: "body over 3 MB", in: in, status: 413, spine: issue.SpineBadRequest, rule: RuleSize, edit: func(_ testing.TB, r *Request) {
				r.Body = append(r.Body, make([]byte, 3<<20)...)
			}},
		)
	}
	if fi, err := os.Stat(filepath.Join("testdata", "subscription.xml")); err == nil {
		add(reqCase{name: "body exactly at the limit", in: SubscriptionCreate, status: 201, opts: Options{MaxSize: fi.Size()}})
		// A body cut short by its reader is refused even where its bytes
		// are well-formed and within the limit: the rest was never seen.
		add(reqCase{name: "body cut short by the reader", in: SubscriptionCreate, opts: Options{MaxSize: -1},
			status: 413, spine: issue.SpineBadRequest, rule: RuleSize, edit: func(_ testing.TB, r *Request) { r.BodyTruncated = true }})
		add(reqCase{name: "body cut short at the limit", in: SubscriptionCreate, opts: Options{MaxSize: fi.Size() - 1},
			status: 413, spine: issue.SpineBadRequest, rule: RuleSize, edit: func(_ testing.TB, r *Request) { r.BodyTruncated = true }})
	}

	// Bodies.
	for _, in := range []Interaction{Publish, SubscriptionCreate} {
		file := map[Interaction]string{Publish: "publish.xml", SubscriptionCreate: "subscription.xml"}[in]
		other := map[Interaction]string{Publish: "subscription.xml", SubscriptionCreate: "publish.xml"}[in]
		add(
			reqCase{name: "no body", in: in, edit: func(_ testing.TB, r *Request) { r.Body = nil }, status: 400, spine: issue.SpineBadRequest, rule: RuleBodyMissing},
			reqCase{name: "blank body", in: in, edit: func(_ testing.TB, r *Request) { r.Body = []byte("\n  \n") }, status: 400, spine: issue.SpineBadRequest, rule: RuleBodyMissing},
			reqCase{name: "truncated XML", in: in, edit: func(t testing.TB, r *Request) { r.Body = r.Body[:len(r.Body)/2] }, status: 400, spine: issue.SpineMessageNotWellFormed, rule: validate.RuleWellFormed},
			reqCase{name: "neither XML nor JSON", in: in, edit: func(t testing.TB, r *Request) { r.Body = []byte("hello") }, status: 400, spine: issue.SpineMessageNotWellFormed, rule: validate.RuleWellFormed},
			reqCase{name: "the other interaction's resource", in: in, edit: withBody(other, "", "", ""), status: 422, spine: issue.SpineInvalidResource, rule: RuleResourceKind},
			reqCase{name: "a Patient", in: in, edit: func(_ testing.TB, r *Request) {
				r.Body = []byte(`<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>`)
			}, status: 422, spine: issue.SpineInvalidResource, rule: RuleResourceKind},
			reqCase{name: "unknown element", in: in, edit: withBody(file, `<status value=`, `<colour value="blue"/><status value=`, ""), status: 422, spine: issue.SpineInvalidResource},
		)
	}
	add(
		reqCase{name: "publish a document Bundle", in: Publish, edit: withBody("publish.xml", `<type value="message"/>`, `<type value="document"/>`, ""), status: 422, spine: issue.SpineInvalidResource},
		// The NEMS rule pack reports a client id and version metadata;
		// the request checker reports them itself when the validator runs
		// without the packs.
		reqCase{name: "create with id", in: SubscriptionCreate, edit: withBody("subscription.xml", "<meta>", `<id value="`+testSubID+`"/><meta>`, ""), status: 405, spine: issue.SpineMsgResourceIDFail, rule: "nems:sub:id-on-create", absent: []string{RuleClientID}},
		reqCase{name: "create with id (JSON)", in: SubscriptionCreate, edit: withBody("subscription.json", `"meta"`, `"id": "`+testSubID+`", "meta"`, "application/fhir+json"), status: 405, spine: issue.SpineMsgResourceIDFail, rule: "nems:sub:id-on-create", absent: []string{RuleClientID}},
		reqCase{name: "create with meta.versionId", in: SubscriptionCreate, edit: withBody("subscription.xml", "<meta>", `<meta><versionId value="1"/>`, ""), status: 422, spine: issue.SpineInvalidResource, rule: "nems:sub:meta-on-create", absent: []string{RuleClientMeta}},
		reqCase{name: "create with meta.lastUpdated", in: SubscriptionCreate, edit: withBody("subscription.xml", "<meta>", `<meta><lastUpdated value="2025-03-01T09:00:00Z"/>`, ""), status: 422, spine: issue.SpineInvalidResource, rule: "nems:sub:meta-on-create", absent: []string{RuleClientMeta}},
		reqCase{name: "create with id, no rule packs", in: SubscriptionCreate, opts: Options{Validator: baseValidator()}, edit: withBody("subscription.xml", "<meta>", `<id value="`+testSubID+`"/><meta>`, ""), status: 405, spine: issue.SpineMsgResourceIDFail, rule: RuleClientID},
		reqCase{name: "create with id (JSON), no rule packs", in: SubscriptionCreate, opts: Options{Validator: baseValidator()}, edit: withBody("subscription.json", `"meta"`, `"id": "`+testSubID+`", "meta"`, "application/fhir+json"), status: 405, spine: issue.SpineMsgResourceIDFail, rule: RuleClientID},
		reqCase{name: "create with meta.versionId, no rule packs", in: SubscriptionCreate, opts: Options{Validator: baseValidator()}, edit: withBody("subscription.xml", "<meta>", `<meta><versionId value="1"/>`, ""), status: 422, spine: issue.SpineInvalidResource, rule: RuleClientMeta},
		reqCase{name: "create with meta.lastUpdated, no rule packs", in: SubscriptionCreate, opts: Options{Validator: baseValidator()}, edit: withBody("subscription.xml", "<meta>", `<meta><lastUpdated value="2025-03-01T09:00:00Z"/>`, ""), status: 422, spine: issue.SpineInvalidResource, rule: RuleClientMeta},
		reqCase{name: "create with a bad status code", in: SubscriptionCreate, edit: withBody("subscription.xml", `"requested"`, `"asked"`, ""), status: 0},
	)

	// Life cycle (spec 4.2).
	lc := func(s LifecycleState) Options {
		return Options{Lifecycle: map[string]Lifecycle{"vaccinations-1": {State: s, Note: "see https://example.org/notice"}}}
	}
	add(
		reqCase{name: "deprecated event", in: Publish, opts: lc(Deprecated), status: 202, also: []string{RuleLifecycle}},
		reqCase{name: "no longer supported event", in: Publish, opts: lc(NoLongerSupported), status: 202, also: []string{RuleLifecycle}},
		reqCase{name: "withdrawn event", in: Publish, opts: lc(Withdrawn), status: 400, spine: issue.SpineWithdrawn, rule: RuleLifecycle},
		reqCase{name: "deprecated event", in: SubscriptionCreate, opts: lc(Deprecated), status: 201, also: []string{RuleLifecycle}},
		reqCase{name: "no longer supported event", in: SubscriptionCreate, opts: lc(NoLongerSupported), status: 400, spine: issue.SpineNoLongerSupported, rule: RuleLifecycle},
		reqCase{name: "withdrawn event", in: SubscriptionCreate, opts: lc(Withdrawn), status: 400, spine: issue.SpineWithdrawn, rule: RuleLifecycle},
		reqCase{name: "another event withdrawn", in: SubscriptionCreate, opts: Options{Lifecycle: map[string]Lifecycle{"nipe-outcome-1": {State: Withdrawn}}}, status: 201},
	)

	// Stage order: the earliest stage decides.
	add(
		reqCase{name: "bad header and bad body: header decides", in: SubscriptionCreate,
			edit:   both(delHeader(HeaderToASID), withBody("subscription.xml", "<meta>", `<id value="x"/><meta>`, "")),
			status: 400, spine: mhb, rule: RuleToASID, also: []string{"nems:sub:id-on-create"}},
		reqCase{name: "bad JWT and bad media type: JWT decides", in: SubscriptionRead,
			edit:   both(delHeader(HeaderAuthorization), setHeader(HeaderAccept, "text/html")),
			status: 400, spine: mhb, rule: "jwt:authorization", also: []string{RuleAccept}},
		reqCase{name: "wrong method and too large: size decides", in: Publish, opts: Options{MaxSize: 10},
			edit:   method("PUT"),
			status: 413, spine: issue.SpineBadRequest, rule: RuleSize, also: []string{RuleMethod}},
		reqCase{name: "nothing at all", in: Publish, edit: func(_ testing.TB, r *Request) { *r = Request{Interaction: Publish} },
			status: 400, spine: mhb, rule: RuleFromASID, also: []string{RuleToASID, RuleInteractionID, "jwt:authorization", RuleBodyMissing}},
	)
	return rows
}

var (
	checkersMu sync.Mutex
	checkers   = map[string]*Checker{}
	sharedV    *validate.Validator
)

// checkerFor shares one validator between all checkers of the test.
func checkerFor(t *testing.T, o Options) *Checker {
	checkersMu.Lock()
	defer checkersMu.Unlock()
	if sharedV == nil {
		v, err := validate.New(validate.Options{MaxSize: -1})
		if err != nil {
			t.Fatal(err)
		}
		sharedV = v
	}
	if o.Validator == nil {
		o.Validator = sharedV
	}
	o.Now = func() time.Time { return testNow }
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestTable(t *testing.T) {
	rows := requestTable()
	perInteraction := map[Interaction][2]int{}
	accepted, refused := 0, 0
	for _, tc := range rows {
		t.Run(tc.in.String()+"/"+tc.name, func(t *testing.T) {
			req := goodRequest(t, tc.in)
			if tc.edit != nil {
				tc.edit(t, req)
			}
			resp := checkerFor(t, tc.opts).Check(req)
			n := perInteraction[tc.in]
			if resp.Accepted() {
				accepted++
				n[0]++
			} else {
				refused++
				n[1]++
			}
			perInteraction[tc.in] = n
			describe := func() string {
				var b strings.Builder
				for _, f := range resp.Findings {
					b.WriteString("\n    " + f.Stage.String() + " " + f.Issue.String())
				}
				return b.String()
			}
			for _, r := range tc.absent {
				if slices.Contains(resp.Rules(), r) {
					t.Errorf("unexpected finding of rule %s%s", r, describe())
				}
			}
			if tc.status == -1 {
				return
			}
			if tc.status == 0 {
				// The payload rules decide; only the shape is checked.
				if resp.Accepted() || resp.Decisive < 0 || resp.Findings[resp.Decisive].Stage != StageBody {
					t.Errorf("want a refusal by the body stage; got %s%s", resp.StatusLine(), describe())
				}
				return
			}
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d%s", resp.Status, tc.status, describe())
			}
			if tc.rule == "" && tc.spine == "" {
				if resp.Decisive != -1 {
					t.Errorf("decisive finding %d, want none%s", resp.Decisive, describe())
				}
			} else if resp.Decisive < 0 {
				t.Errorf("no decisive finding, want %s %s%s", tc.spine, tc.rule, describe())
			} else {
				d := resp.Findings[resp.Decisive]
				if tc.spine != "" && d.Spine != tc.spine {
					t.Errorf("decisive Spine code %s, want %s%s", d.Spine, tc.spine, describe())
				}
				if tc.rule != "" && d.Rule != tc.rule {
					t.Errorf("decisive rule %s, want %s%s", d.Rule, tc.rule, describe())
				}
			}
			for _, r := range tc.also {
				if !slices.Contains(resp.Rules(), r) {
					t.Errorf("no finding of rule %s%s", r, describe())
				}
			}
			if tc.media != "" && resp.MediaType.String() != tc.media {
				t.Errorf("response media type %s, want %s", resp.MediaType, tc.media)
			}
			// Every error finding must carry a Spine code with a display,
			// and the outcome must render in both formats.
			for _, f := range resp.Findings {
				if f.Severity.IsError() {
					if _, ok := f.Spine.Info(); !ok {
						t.Errorf("finding without a Spine code: %v", f.Issue)
					}
					if f.Status < 400 {
						t.Errorf("error finding with status %d: %v", f.Status, f.Issue)
					}
				}
			}
			if len(resp.Findings) > 0 {
				if o := resp.Body(); len(o) == 0 || !strings.Contains(string(o), "OperationOutcome") {
					t.Errorf("no OperationOutcome body")
				}
				if ct := resp.Header.Get("Content-Type"); ct != resp.MediaType.String() {
					t.Errorf("Content-Type %q, want %q", ct, resp.MediaType)
				}
			} else if resp.Body() != nil {
				t.Error("body without findings")
			}
			if resp.Decisive >= 0 && resp.Findings[resp.Decisive].Rule == RuleMethod && resp.Status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
	t.Logf("request table: %d rows, %d accepted, %d refused", len(rows), accepted, refused)
	for _, in := range issue.Interactions() {
		n := perInteraction[in]
		t.Logf("  %-20s %3d accepted, %3d refused", in, n[0], n[1])
	}
}

// TestRuleCoverage makes sure the table exercises every rule of this
// package.
func TestRuleCoverage(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range requestTable() {
		seen[tc.rule] = true
		for _, r := range tc.also {
			seen[r] = true
		}
	}
	for _, r := range []string{RuleSize, RuleTarget, RulePath, RuleMethod, RuleSubscriptionID, RuleFromASID, RuleToASID,
		RuleInteractionID, RuleAuthorization, RuleInteractionEvent, RulePublishableEvent, RuleContentType, RuleAccept,
		RuleFormatParam, RuleBodyMissing, RuleBodyUnexpected, RuleBodyFormat, RuleResourceKind, RuleClientID,
		RuleClientMeta, RuleLifecycle} {
		if !seen[r] {
			t.Errorf("no row of the table expects rule %s", r)
		}
	}
}

// zeros is an endless body that counts what was read from it.
type zeros struct{ read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += int64(len(p))
	return len(p), nil
}

// TestReadBodyBounded: an endless body (like /dev/zero on standard input) is
// read up to limit+1 bytes and then refused by the size check, which says
// that reading stopped.
func TestReadBodyBounded(t *testing.T) {
	const limit = 1000
	z := &zeros{}
	body, truncated, err := ReadBody(z, limit)
	if err != nil || !truncated || len(body) != limit+1 || z.read != limit+1 {
		t.Fatalf("ReadBody = %d bytes, truncated %v, err %v; read %d bytes from the reader, want %d", len(body), truncated, err, z.read, limit+1)
	}
	c, err := New(Options{MaxSize: limit})
	if err != nil {
		t.Fatal(err)
	}
	resp := c.Check(&Request{Interaction: Publish, Header: http.Header{}, Body: body, BodyTruncated: truncated})
	if resp.Status != 413 || resp.Findings[resp.Decisive].Rule != RuleSize ||
		!strings.Contains(resp.Findings[resp.Decisive].Message, "more than the 1000 bytes NEMS accepts (reading stopped after 1001 bytes)") {
		t.Errorf("truncated body: %d %v", resp.Status, resp.Findings)
	}
	body, truncated, err = ReadBody(strings.NewReader("{}"), limit)
	if err != nil || truncated || string(body) != "{}" {
		t.Errorf("short body: %q, %v, %v", body, truncated, err)
	}
	if _, _, err := ReadBody(z, 0); err == nil {
		t.Error("ReadBody with no limit did not refuse")
	}
}
