package spinejwt

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

const (
	asid        = "200000000205"
	systemClaim = "https://fhir.nhs.uk/Id/accredited-system|" + asid
	orgClaim    = "https://fhir.nhs.uk/Id/ods-organization-code|RR8"
	userClaim   = "https://fhir.nhs.uk/Id/sds-role-profile-id|fakeRoleId"
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// goodClaims returns claims that pass every rule for a publish call at now.
func goodClaims() map[string]any {
	return map[string]any{
		"iss":                     "https://cas.nhs.uk",
		"sub":                     systemClaim,
		"aud":                     "https://clinicals.spineservices.nhs.uk",
		"exp":                     now.Add(4 * time.Minute).Unix(),
		"iat":                     now.Add(-time.Minute).Unix(),
		"reason_for_request":      "directcare",
		"scope":                   issue.ScopeBundleWrite,
		"requesting_system":       systemClaim,
		"requesting_organisation": orgClaim,
	}
}

func claimsFrom(t *testing.T, m map[string]any) *Claims {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseClaims(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// want is a finding expected from a rule: its id, severity and a piece of its
// message.
type want struct {
	rule  string
	sev   issue.Severity
	inMsg string
}

func E(rule, inMsg string) want { return want{rule, issue.SeverityError, inMsg} }
func W(rule, inMsg string) want { return want{rule, issue.SeverityWarning, inMsg} }

// claimCase is one row of the claim-rule table.
type claimCase struct {
	name string
	in   issue.Interaction
	edit func(map[string]any)
	req  func(*Request)
	want []want
}

func claimCases() []claimCase {
	set := func(kv ...any) func(map[string]any) {
		return func(m map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
		}
	}
	del := func(names ...string) func(map[string]any) {
		return func(m map[string]any) {
			for _, n := range names {
				delete(m, n)
			}
		}
	}
	return []claimCase{
		// Good tokens, one per interaction.
		{name: "publish good", in: issue.Publish},
		{name: "subscription create good", in: issue.SubscriptionCreate, edit: set("scope", issue.ScopeSubscriptionWrite)},
		{name: "subscription delete good", in: issue.SubscriptionDelete, edit: set("scope", issue.ScopeSubscriptionWrite)},
		{name: "subscription read good", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead)},
		{name: "extra scopes allowed", in: issue.SubscriptionRead, edit: set("scope", "patient/Subscription.write patient/Subscription.read")},
		{name: "user and sub agree", in: issue.Publish, edit: set("requesting_user", userClaim, "sub", userClaim)},
		{name: "local user system", in: issue.Publish, edit: set("requesting_user", "https://example.org/users|u1", "sub", "https://example.org/users|u1")},
		{name: "valid patient", in: issue.SubscriptionCreate, edit: set("scope", issue.ScopeSubscriptionWrite, "requesting_patient", "http://fhir.nhs.net/Id/nhs-number|9434765919")},
		{name: "aud array", in: issue.Publish, edit: set("aud", []string{"https://other.example", "https://clinicals.spineservices.nhs.uk"})},
		{name: "both org spellings agree", in: issue.Publish, edit: set("requesting_organization", orgClaim)},
		{name: "secondaryuses", in: issue.Publish, edit: set("reason_for_request", "secondaryuses")},
		{name: "patientaccess", in: issue.Publish, edit: set("reason_for_request", "patientaccess")},
		{name: "unknown claims ignored", in: issue.Publish, edit: set("jti", "x", "requested_record", "y")},

		// scope
		{name: "scope missing", in: issue.Publish, edit: del("scope"), want: []want{E(RuleScope, "mandatory claim scope is missing (expected patient/Bundle.write for publish)")}},
		{name: "scope empty", in: issue.Publish, edit: set("scope", " "), want: []want{E(RuleScope, "is empty")}},
		{name: "publish with subscription scope", in: issue.Publish, edit: set("scope", issue.ScopeSubscriptionWrite), want: []want{E(RuleScope, `scope is "patient/Subscription.write"; publish requires patient/Bundle.write`)}},
		{name: "read with write scope", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionWrite), want: []want{E(RuleScope, "subscription-read requires patient/Subscription.read")}},
		{name: "create with read scope", in: issue.SubscriptionCreate, edit: set("scope", issue.ScopeSubscriptionRead), want: []want{E(RuleScope, "subscription-create requires patient/Subscription.write")}},
		{name: "delete with read scope", in: issue.SubscriptionDelete, edit: set("scope", issue.ScopeSubscriptionRead), want: []want{E(RuleScope, "subscription-delete requires patient/Subscription.write")}},
		{name: "scope case differs", in: issue.Publish, edit: set("scope", "patient/bundle.write"), want: []want{E(RuleScope, "requires patient/Bundle.write")}},
		{name: "scope with comma", in: issue.Publish, edit: set("scope", "patient/Bundle.write,patient/Subscription.read"), want: []want{E(RuleScope, "requires")}},
		{name: "unknown interaction", in: issue.Interaction(9), want: []want{E(RuleScope, "unknown interaction Interaction(9)")}},

		// sub
		{name: "sub missing", in: issue.Publish, edit: del("sub"), want: []want{E(RuleSub, "mandatory claim sub is missing")}},
		{name: "sub not system", in: issue.Publish, edit: set("sub", "https://fhir.nhs.uk/Id/accredited-system|200000000206"),
			want: []want{E(RuleSub, "requesting_user is absent, so sub must equal requesting_system")}},
		{name: "sub not user", in: issue.Publish, edit: set("requesting_user", userClaim),
			want: []want{E(RuleSub, "requesting_user is present, so sub must equal it")}},
		{name: "sub equals patient is not enough", in: issue.SubscriptionCreate,
			edit: set("scope", issue.ScopeSubscriptionWrite, "requesting_patient", "http://fhir.nhs.net/Id/nhs-number|9434765919", "sub", "http://fhir.nhs.net/Id/nhs-number|9434765919"),
			want: []want{E(RuleSub, "must equal requesting_system")}},

		// requesting_system and fromASID
		{name: "system missing", in: issue.Publish, edit: del("requesting_system"), want: []want{E(RuleRequestingSystem, "mandatory claim requesting_system is missing")}},
		{name: "system wrong system", in: issue.Publish, edit: set("requesting_system", "https://fhir.nhs.uk/Id/ods-organization-code|"+asid, "sub", "https://fhir.nhs.uk/Id/ods-organization-code|"+asid),
			want: []want{E(RuleRequestingSystem, `has system "https://fhir.nhs.uk/Id/ods-organization-code"; expected https://fhir.nhs.uk/Id/accredited-system|<value>`)}},
		{name: "system bare ASID", in: issue.Publish, edit: set("requesting_system", asid, "sub", asid),
			want: []want{W(RuleRequestingSystem, "without its system; Spine Core expects https://fhir.nhs.uk/Id/accredited-system|200000000205")}},
		{name: "system slash form", in: issue.Publish, edit: set("requesting_system", "https://fhir.nhs.uk/Id/accredited-system/"+asid, "sub", "https://fhir.nhs.uk/Id/accredited-system/"+asid),
			want: []want{W(RuleRequestingSystem, "Spine Core identifiers use")}},
		{name: "system URI without value", in: issue.Publish, edit: set("requesting_system", "https://fhir.nhs.uk/Id/accredited-system", "sub", "https://fhir.nhs.uk/Id/accredited-system"),
			want: []want{E(RuleRequestingSystem, "expected https://fhir.nhs.uk/Id/accredited-system|<value>")}},
		{name: "system bad ASID", in: issue.Publish, edit: set("requesting_system", "https://fhir.nhs.uk/Id/accredited-system|2000", "sub", "https://fhir.nhs.uk/Id/accredited-system|2000"),
			want: []want{E(RuleRequestingSystem, `invalid ASID "2000": has 4 digits; expected 12`)}},
		{name: "fromASID matches", in: issue.Publish, req: func(r *Request) { r.FromASID = asid }},
		{name: "fromASID differs", in: issue.Publish, req: func(r *Request) { r.FromASID = "477121000323" },
			want: []want{E(RuleFromASID, `requesting_system ASID is "200000000205" but the fromASID header is "477121000323"`)}},
		{name: "fromASID compared with bare ASID", in: issue.Publish, edit: set("requesting_system", asid, "sub", asid), req: func(r *Request) { r.FromASID = "477121000323" },
			want: []want{W(RuleRequestingSystem, "without its system"), E(RuleFromASID, "must be equal")}},

		// requesting_organisation
		{name: "organisation missing", in: issue.Publish, edit: del("requesting_organisation"), want: []want{E(RuleRequestingOrganisation, "mandatory claim requesting_organisation is missing")}},
		{name: "organisation empty", in: issue.Publish, edit: set("requesting_organisation", ""), want: []want{E(RuleRequestingOrganisation, "requesting_organisation is empty")}},
		{name: "organization z only", in: issue.Publish, edit: func(m map[string]any) {
			m["requesting_organization"] = m["requesting_organisation"]
			delete(m, "requesting_organisation")
		},
			want: []want{W(RuleRequestingOrganisation, "Spine Core spelling")}},
		{name: "organization z only and bad", in: issue.Publish, edit: func(m map[string]any) { m["requesting_organization"] = "x"; delete(m, "requesting_organisation") },
			want: []want{W(RuleRequestingOrganisation, "Spine Core spelling"), W(RuleRequestingOrganisation, "requesting_organization is \"x\" without its system"), E(RuleRequestingOrganisation, "requesting_organization: invalid ODS organisation code")}},
		{name: "both spellings disagree", in: issue.Publish, edit: set("requesting_organization", "https://fhir.nhs.uk/Id/ods-organization-code|RY6"), want: []want{E(RuleRequestingOrganisation, "they disagree")}},
		{name: "organisation bare code", in: issue.Publish, edit: set("requesting_organisation", "RR8"), want: []want{W(RuleRequestingOrganisation, "without its system")}},
		{name: "organisation site system", in: issue.Publish, edit: set("requesting_organisation", "https://fhir.nhs.uk/Id/ods-site-code|RR830"), want: []want{E(RuleRequestingOrganisation, "has system")}},
		{name: "organisation bad code", in: issue.Publish, edit: set("requesting_organisation", "https://fhir.nhs.uk/Id/ods-organization-code|rr8"), want: []want{E(RuleRequestingOrganisation, `contains lower-case letters; ODS codes are upper case ("RR8")`)}},
		{name: "organisation empty code", in: issue.Publish, edit: set("requesting_organisation", "https://fhir.nhs.uk/Id/ods-organization-code|"), want: []want{E(RuleRequestingOrganisation, "invalid ODS organisation code \"\"")}},

		// requesting_user
		{name: "user empty", in: issue.Publish, edit: set("requesting_user", ""), want: []want{E(RuleRequestingUser, "present but empty")}},
		{name: "user bare", in: issue.Publish, edit: set("requesting_user", "u1", "sub", "u1"), want: []want{W(RuleRequestingUser, "without a system")}},
		{name: "user system not URI", in: issue.Publish, edit: set("requesting_user", "local|u1", "sub", "local|u1"), want: []want{E(RuleRequestingUser, "is not an absolute URI")}},
		{name: "user no id", in: issue.Publish, edit: set("requesting_user", "https://fhir.nhs.uk/Id/sds-role-profile-id|", "sub", "https://fhir.nhs.uk/Id/sds-role-profile-id|"), want: []want{E(RuleRequestingUser, "has no id")}},

		// requesting_patient
		{name: "patient bad check digit", in: issue.SubscriptionCreate, edit: set("scope", issue.ScopeSubscriptionWrite, "requesting_patient", "http://fhir.nhs.net/Id/nhs-number|6101231234"),
			want: []want{E(RuleRequestingPatient, "check digit is 4; the modulus 11 check of the first nine digits expects 2")}},
		{name: "patient on publish checked too", in: issue.Publish, edit: set("requesting_patient", "http://fhir.nhs.net/Id/nhs-number|1112223330"),
			want: []want{E(RuleRequestingPatient, "expects 9")}},
		{name: "patient message system", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead, "requesting_patient", "https://fhir.nhs.uk/Id/nhs-number|9434765919"),
			want: []want{W(RuleRequestingPatient, "Spine JWTs use http://fhir.nhs.net/Id/nhs-number")}},
		{name: "patient bare", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead, "requesting_patient", "9434765919"), want: []want{W(RuleRequestingPatient, "without its system")}},
		{name: "patient empty", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead, "requesting_patient", ""), want: []want{E(RuleRequestingPatient, "present but empty")}},
		{name: "patient spaces", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead, "requesting_patient", "http://fhir.nhs.net/Id/nhs-number|943 476 5919"),
			want: []want{E(RuleRequestingPatient, "without separators")}},
		{name: "patient wrong system", in: issue.SubscriptionRead, edit: set("scope", issue.ScopeSubscriptionRead, "requesting_patient", "https://fhir.nhs.uk/Id/local-patient-identifier|123"),
			want: []want{E(RuleRequestingPatient, "has system")}},

		// iss and aud
		{name: "iss missing", in: issue.Publish, edit: del("iss"), want: []want{E(RuleIss, "mandatory claim iss is missing")}},
		{name: "iss not URI", in: issue.Publish, edit: set("iss", "cas.nhs.uk"), want: []want{E(RuleIss, `iss is "cas.nhs.uk"; expected an absolute URI`)}},
		{name: "aud missing", in: issue.Publish, edit: del("aud"), want: []want{E(RuleAud, "mandatory claim aud is missing")}},
		{name: "aud empty array", in: issue.Publish, edit: set("aud", []string{}), want: []want{E(RuleAud, "aud is empty")}},
		{name: "aud not URI", in: issue.Publish, edit: set("aud", "clinicals"), want: []want{E(RuleAud, "not an absolute URI")}},
		{name: "aud expected matches with slash", in: issue.Publish, req: func(r *Request) { r.Audience = "https://clinicals.spineservices.nhs.uk/" }},
		{name: "aud expected differs", in: issue.Publish, req: func(r *Request) { r.Audience = "https://demographics.spineservices.nhs.uk" },
			want: []want{E(RuleAud, `expected "https://demographics.spineservices.nhs.uk"`)}},

		// exp and iat
		{name: "exp missing", in: issue.Publish, edit: del("exp"), want: []want{E(RuleExp, "mandatory claim exp is missing")}},
		{name: "iat missing", in: issue.Publish, edit: del("iat"), want: []want{E(RuleIat, "mandatory claim iat is missing")}},
		{name: "expired", in: issue.Publish, edit: set("exp", now.Add(-time.Second).Unix(), "iat", now.Add(-time.Minute).Unix()),
			want: []want{E(RuleExp, "token expired at 2025-03-01T11:59:59Z; the time now is 2025-03-01T12:00:00Z")}},
		{name: "expires exactly now", in: issue.Publish, edit: set("exp", now.Unix()), want: []want{E(RuleExp, "expired")}},
		{name: "expired within leeway", in: issue.Publish, edit: set("exp", now.Add(-time.Second).Unix()), req: func(r *Request) { r.Leeway = 30 * time.Second }},
		{name: "expired but time ignored", in: issue.Publish, edit: set("exp", now.Add(-time.Hour).Unix(), "iat", now.Add(-time.Hour-time.Minute).Unix()), req: func(r *Request) { r.IgnoreTime = true }},
		{name: "issued in future", in: issue.Publish, edit: set("iat", now.Add(time.Minute).Unix()),
			want: []want{E(RuleIat, "later than the time now")}},
		{name: "issued in future within leeway", in: issue.Publish, edit: set("iat", now.Add(time.Minute).Unix()), req: func(r *Request) { r.Leeway = 2 * time.Minute }},
		{name: "exp before iat", in: issue.Publish, edit: set("exp", now.Add(time.Minute).Unix(), "iat", now.Add(2*time.Minute).Unix()), req: func(r *Request) { r.IgnoreTime = true },
			want: []want{E(RuleExp, "is not after iat")}},
		{name: "lifetime too long", in: issue.Publish, edit: set("exp", now.Add(time.Hour).Unix()),
			want: []want{W(RuleExp, "token lives 1h1m0s")}},
		{name: "fractional exp", in: issue.Publish, edit: set("exp", float64(now.Add(time.Minute).Unix())+0.5),
			want: []want{W(RuleExp, "not integer seconds")}},

		// nbf: optional, but honoured with the clock and leeway of exp and iat.
		{name: "nbf in the past", in: issue.Publish, edit: set("nbf", now.Add(-time.Minute).Unix())},
		{name: "nbf exactly now", in: issue.Publish, edit: set("nbf", now.Unix())},
		{name: "nbf in the future", in: issue.Publish, edit: set("nbf", now.Add(time.Minute).Unix()),
			want: []want{E(RuleNbf, "token is not valid before 2025-03-01T12:01:00Z (nbf); the time now is 2025-03-01T12:00:00Z")}},
		{name: "nbf in the future within leeway", in: issue.Publish, edit: set("nbf", now.Add(time.Minute).Unix()), req: func(r *Request) { r.Leeway = 2 * time.Minute }},
		{name: "nbf in the future, time ignored", in: issue.Publish, edit: set("nbf", now.Add(time.Hour).Unix()), req: func(r *Request) { r.IgnoreTime = true }},

		// reason_for_request
		{name: "reason missing", in: issue.Publish, edit: del("reason_for_request"), want: []want{E(RuleReasonForRequest, "mandatory claim reason_for_request is missing")}},
		{name: "reason unknown", in: issue.Publish, edit: set("reason_for_request", "DirectCare"),
			want: []want{E(RuleReasonForRequest, `reason_for_request is "DirectCare"; expected one of directcare, secondaryuses, patientaccess`)}},

		// Several at once, in the fixed order.
		{name: "empty payload", in: issue.SubscriptionRead, edit: func(m map[string]any) { clear(m) }, want: []want{
			E(RuleIss, "missing"), E(RuleSub, "missing"), E(RuleAud, "missing"), E(RuleExp, "missing"), E(RuleIat, "missing"),
			E(RuleReasonForRequest, "missing"), E(RuleScope, "patient/Subscription.read"), E(RuleRequestingSystem, "missing"),
			E(RuleRequestingOrganisation, "missing"),
		}},
	}
}

func TestCheckClaims(t *testing.T) {
	for _, tt := range claimCases() {
		t.Run(tt.name, func(t *testing.T) {
			m := goodClaims()
			if tt.edit != nil {
				tt.edit(m)
			}
			req := Request{Now: now}
			if tt.req != nil {
				tt.req(&req)
			}
			got := CheckClaims(claimsFrom(t, m), tt.in, req)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings, want %d:\n%s", len(got), len(tt.want), list(got))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Rule != w.rule || g.Severity != w.sev || !strings.Contains(g.Message, w.inMsg) {
					t.Errorf("finding %d = %v\nwant %s %s containing %q", i, g, w.sev, w.rule, w.inMsg)
				}
				if g.Spine != issue.SpineMissingOrInvalidHeader || g.Spine.Status() != 400 || g.Code != "structure" || g.Claim == "" {
					t.Errorf("finding %d has code %s, status %d, type %s, claim %q", i, g.Spine, g.Spine.Status(), g.Code, g.Claim)
				}
			}
		})
	}
}

func list(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %v\n", f)
	}
	return b.String()
}

// TestEveryRuleCovered makes sure the table exercises every claim rule in
// both directions: the good claims pass all of them, and at least one row
// breaks each of them with an error.
func TestEveryRuleCovered(t *testing.T) {
	good := CheckClaims(claimsFrom(t, goodClaims()), issue.Publish, Request{Now: now, FromASID: asid})
	if len(good) != 0 {
		t.Fatalf("good claims draw findings:\n%s", list(good))
	}
	broken := map[string]bool{}
	for _, c := range claimCases() {
		for _, w := range c.want {
			if w.sev == issue.SeverityError {
				broken[w.rule] = true
			}
		}
	}
	for _, r := range []string{RuleIss, RuleSub, RuleAud, RuleExp, RuleIat, RuleNbf, RuleReasonForRequest, RuleScope,
		RuleRequestingSystem, RuleFromASID, RuleRequestingOrganisation, RuleRequestingUser, RuleRequestingPatient} {
		if !broken[r] {
			t.Errorf("no row breaks rule %s", r)
		}
	}
}

func TestCheckAuthorization(t *testing.T) {
	secret1, secret2 := []byte("the first shared secret, 32 bytes or more"), []byte("the second shared secret, 32 bytes or more")
	payload, _ := json.Marshal(goodClaims())
	good := "Bearer " + unsigned(noneHeader, string(payload))
	if got := CheckAuthorization(good, issue.Publish, Request{Now: now, FromASID: asid}); len(got) != 0 {
		t.Errorf("good header: %s", list(got))
	}
	tests := []struct {
		name, header string
		req          Request
		rule, inMsg  string
	}{
		{"no header", "", Request{Now: now}, RuleAuthorization, "must be supplied"},
		{"basic auth", "Basic dXNlcjpwYXNz", Request{Now: now}, RuleFormat, `must be "Bearer <jwt>"`},
		{"two parts", "Bearer " + b64(noneHeader) + "." + b64(string(payload)), Request{Now: now}, RuleFormat, "2 dot-separated parts"},
		{"unsigned with key", good, Request{Now: now, Key: hmacKey(t, secret1)}, RuleSignature, "unsecured"},
		{"bad HS256", "Bearer " + signHS256(secret1, string(payload)), Request{Now: now, Key: hmacKey(t, secret2)}, RuleSignature, "does not verify"},
	}
	for _, tt := range tests {
		got := CheckAuthorization(tt.header, issue.Publish, tt.req)
		if len(got) != 1 || got[0].Rule != tt.rule || !strings.Contains(got[0].Message, tt.inMsg) ||
			got[0].Spine != issue.SpineMissingOrInvalidHeader {
			t.Errorf("%s: got\n%s want one %s containing %q", tt.name, list(got), tt.rule, tt.inMsg)
		}
	}
	if got := CheckAuthorization("Bearer "+signHS256(secret1, string(payload)), issue.Publish, Request{Now: now, Key: hmacKey(t, secret1)}); len(got) != 0 {
		t.Errorf("good HS256 with key: %s", list(got))
	}
	// Without a key a signed token's signature is not looked at.
	if got := CheckAuthorization("Bearer "+signHS256(secret1, string(payload)), issue.Publish, Request{Now: now}); len(got) != 0 {
		t.Errorf("signed token without key: %s", list(got))
	}
}

func TestCheckClaimsNil(t *testing.T) {
	if got := CheckClaims(nil, issue.Publish, Request{Now: now}); len(got) == 0 {
		t.Error("nil claims drew no findings")
	}
}
