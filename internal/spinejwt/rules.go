package spinejwt

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/nhsid"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// The interactions a token is presented with are the NEMS API calls,
// [issue.Interaction]; each needs the scope its RequiredScope says.

// Request carries what the claim rules compare the token with.
type Request struct {
	// FromASID is the fromASID header of the request. When empty the
	// comparison with requesting_system is skipped: the header is checked
	// on its own elsewhere.
	FromASID string
	// Audience is the endpoint the token should be addressed to. When empty
	// aud is only checked to be an absolute URI.
	Audience string
	// Now is the time the token is judged at; zero means time.Now().
	Now time.Time
	// Leeway is the clock difference tolerated for exp, iat and nbf. Zero
	// means none.
	Leeway time.Duration
	// IgnoreTime skips the expiry, issued-at and not-before window checks
	// (but not the presence and type of exp and iat), for validating stored
	// fixtures whose tokens expired long ago.
	IgnoreTime bool
	// Key, when not nil, makes [CheckAuthorization] verify the signature
	// with [Token.Verify]; an unsecured token is then refused. Without a key
	// signatures are not checked: Spine tokens are unsigned.
	Key *Key
}

// Rule ids of the findings, one per claim plus the token-level ones.
const (
	RuleAuthorization          = "jwt:authorization"
	RuleFormat                 = "jwt:format"
	RuleSignature              = "jwt:signature"
	RuleIss                    = "jwt:iss"
	RuleSub                    = "jwt:sub"
	RuleAud                    = "jwt:aud"
	RuleExp                    = "jwt:exp"
	RuleIat                    = "jwt:iat"
	RuleNbf                    = "jwt:nbf"
	RuleReasonForRequest       = "jwt:reason_for_request"
	RuleScope                  = "jwt:scope"
	RuleRequestingSystem       = "jwt:requesting_system"
	RuleFromASID               = "jwt:from-asid"
	RuleRequestingOrganisation = "jwt:requesting_organisation"
	RuleRequestingUser         = "jwt:requesting_user"
	RuleRequestingPatient      = "jwt:requesting_patient"
)

// Finding is one broken claim rule: an issue of severity error or
// warning, with what Spine answers when it rejects the token (on a warning,
// what it would answer if it enforced the rule): MISSING_OR_INVALID_HEADER,
// issue type structure, and so HTTP 400. Path and place are empty: a token
// is not a FHIR resource.
type Finding struct {
	issue.Issue
	Claim string // the claim concerned, empty for token-level findings
}

func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s, HTTP %d): %s", f.Severity, f.Rule, f.Spine, f.Spine.Status(), f.Message)
}

func newFinding(rule string, sev issue.Severity, claim, format string, args ...any) Finding {
	return Finding{Issue: issue.Issue{
		Rule: rule, Severity: sev, Spine: issue.SpineMissingOrInvalidHeader, Code: issue.TypeStructure,
		Message: fmt.Sprintf(format, args...),
	}, Claim: claim}
}

// ReasonsForRequest are the reason_for_request values Spine Core allows.
var ReasonsForRequest = []string{"directcare", "secondaryuses", "patientaccess"}

// MaxTokenLifetime is the exp - iat span Spine Core describes ("now + 5
// minutes"); a longer one draws a warning.
const MaxTokenLifetime = 5 * time.Minute

// CheckAuthorization runs the whole JWT check of a request: it takes the
// token out of the Authorization header value, decodes it, verifies the
// signature when req.Key is set, and applies [CheckClaims]. A header or
// token that cannot be read gives a single finding.
func CheckAuthorization(header string, in issue.Interaction, req Request) []Finding {
	raw, err := FromAuthorization(header)
	if err != nil {
		return []Finding{MalformedFinding(err)}
	}
	tok, err := Decode(raw)
	if err != nil {
		return []Finding{MalformedFinding(err)}
	}
	var out []Finding
	if req.Key != nil {
		if err := tok.Verify(req.Key); err != nil {
			out = append(out, newFinding(RuleSignature, issue.SeverityError, "", "%v", err))
		}
	}
	return append(out, CheckClaims(tok.Claims, in, req)...)
}

// MalformedFinding turns an error of [FromAuthorization] or [Decode] into the
// finding Spine would answer with: a missing header under
// [RuleAuthorization], an unreadable token under [RuleFormat].
func MalformedFinding(err error) Finding {
	if errors.Is(err, ErrNoAuthorization) {
		return newFinding(RuleAuthorization, issue.SeverityError, "",
			"the Authorization header must be supplied, as \"Bearer <jwt>\"")
	}
	return newFinding(RuleFormat, issue.SeverityError, "", "%v", err)
}

// CheckClaims applies the NEMS claim rules ("JWT Claims" of the generic API
// pages) and those of the Spine Core JWT page to the claims of a token presented with interaction in, and
// returns one [Finding] per broken rule, in a fixed order, or nil. Rules
// the specification leaves open are decided as the package documentation
// says under DECISIONS.
func CheckClaims(c *Claims, in issue.Interaction, req Request) []Finding {
	if c == nil {
		c = &Claims{}
	}
	ck := &checker{c: c}
	ck.iss()
	ck.sub()
	ck.aud(req.Audience)
	ck.times(req)
	ck.reason()
	ck.scope(in)
	ck.system(req.FromASID)
	ck.organisation()
	ck.user()
	ck.patient()
	return ck.out
}

type checker struct {
	c   *Claims
	out []Finding
}

func (k *checker) add(rule string, sev issue.Severity, claim, format string, args ...any) {
	k.out = append(k.out, newFinding(rule, sev, claim, format, args...))
}

// required reports whether a mandatory string claim is present and not
// empty, adding a finding when it is not.
func (k *checker) required(rule, claim, value, why string) bool {
	switch {
	case !k.c.Has(claim):
		k.add(rule, issue.SeverityError, claim, "mandatory claim %s is missing (%s)", claim, why)
		return false
	case strings.TrimSpace(value) == "":
		k.add(rule, issue.SeverityError, claim, "mandatory claim %s is empty (%s)", claim, why)
		return false
	}
	return true
}

func (k *checker) iss() {
	if !k.required(RuleIss, ClaimIss, k.c.Issuer, "Spine Core requires the issuer URI") {
		return
	}
	if !isAbsoluteURI(k.c.Issuer) {
		k.add(RuleIss, issue.SeverityError, ClaimIss, "iss is %s; expected an absolute URI such as \"https://cas.nhs.uk\"", quote(k.c.Issuer))
	}
}

func (k *checker) sub() {
	if !k.required(RuleSub, ClaimSub, k.c.Subject, "NEMS requires it") {
		return
	}
	other, otherValue := ClaimRequestingSystem, k.c.RequestingSystem
	if k.c.Has(ClaimRequestingUser) {
		other, otherValue = ClaimRequestingUser, k.c.RequestingUser
	}
	if otherValue == "" {
		return // the missing claim has its own finding
	}
	if k.c.Subject != otherValue {
		when := "requesting_user is absent, so sub must equal requesting_system"
		if other == ClaimRequestingUser {
			when = "requesting_user is present, so sub must equal it"
		}
		k.add(RuleSub, issue.SeverityError, ClaimSub, "sub is %s but %s is %s; %s",
			quote(k.c.Subject), other, quote(otherValue), when)
	}
}

func (k *checker) aud(want string) {
	if !k.c.Has(ClaimAud) {
		k.add(RuleAud, issue.SeverityError, ClaimAud, "mandatory claim aud is missing (Spine Core requires the endpoint URL of the API)")
		return
	}
	if len(k.c.Audience) == 0 {
		k.add(RuleAud, issue.SeverityError, ClaimAud, "aud is empty; expected the endpoint URL of the API")
		return
	}
	matched := false
	for _, a := range k.c.Audience {
		if !isAbsoluteURI(a) {
			k.add(RuleAud, issue.SeverityError, ClaimAud, "aud value %s is not an absolute URI; expected the endpoint URL of the API", quote(a))
		}
		if strings.TrimRight(a, "/") == strings.TrimRight(want, "/") {
			matched = true
		}
	}
	if want != "" && !matched {
		k.add(RuleAud, issue.SeverityError, ClaimAud, "aud is %s; expected %s", quote(strings.Join(k.c.Audience, " ")), quote(want))
	}
}

func (k *checker) times(req Request) {
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	hasExp := k.timeClaim(RuleExp, ClaimExp, k.c.ExpiresAt)
	hasIat := k.timeClaim(RuleIat, ClaimIat, k.c.IssuedAt)
	exp, iat := k.c.ExpiresAt.Time, k.c.IssuedAt.Time
	if hasExp && hasIat {
		if !exp.After(iat) {
			k.add(RuleExp, issue.SeverityError, ClaimExp, "exp %s is not after iat %s", stamp(exp), stamp(iat))
		} else if life := exp.Sub(iat); life > MaxTokenLifetime {
			k.add(RuleExp, issue.SeverityWarning, ClaimExp,
				"token lives %s (iat %s to exp %s); Spine Core sets exp to iat plus %s",
				life, stamp(iat), stamp(exp), MaxTokenLifetime)
		}
	}
	if req.IgnoreTime {
		return
	}
	// RFC 7519: the token must not be accepted on or after exp.
	if hasExp && !now.Before(exp.Add(req.Leeway)) {
		k.add(RuleExp, issue.SeverityError, ClaimExp, "token expired at %s; the time now is %s", stamp(exp), stamp(now))
	}
	if hasIat && iat.After(now.Add(req.Leeway)) {
		k.add(RuleIat, issue.SeverityError, ClaimIat, "token is issued at %s, later than the time now, %s", stamp(iat), stamp(now))
	}
	// RFC 7519 4.1.5: the token must not be accepted before nbf. Spine
	// tokens do not carry it, but one that does is held to it.
	if nbf := k.c.NotBefore.Time; k.c.Has(ClaimNbf) && nbf.After(now.Add(req.Leeway)) {
		k.add(RuleNbf, issue.SeverityError, ClaimNbf, "token is not valid before %s (nbf); the time now is %s", stamp(nbf), stamp(now))
	}
}

// timeClaim checks that a time claim is present and whole seconds, and
// reports whether it is present (ParseClaims has already checked its type).
func (k *checker) timeClaim(rule, claim string, d NumericDate) bool {
	if !k.c.Has(claim) {
		k.add(rule, issue.SeverityError, claim, "mandatory claim %s is missing (Spine Core requires it, in integer seconds since 1970 UTC)", claim)
		return false
	}
	if !d.Integer {
		k.add(rule, issue.SeverityWarning, claim, "%s is %s, not integer seconds as Spine Core describes", claim, bounded(string(k.c.Raw[claim])))
	}
	return true
}

func (k *checker) reason() {
	r := k.c.ReasonForRequest
	if !k.required(RuleReasonForRequest, ClaimReasonForRequest, r, "Spine Core requires one of "+strings.Join(ReasonsForRequest, ", ")) {
		return
	}
	for _, ok := range ReasonsForRequest {
		if r == ok {
			return
		}
	}
	k.add(RuleReasonForRequest, issue.SeverityError, ClaimReasonForRequest,
		"reason_for_request is %s; expected one of %s", quote(r), strings.Join(ReasonsForRequest, ", "))
}

func (k *checker) scope(in issue.Interaction) {
	want := in.RequiredScope()
	if want == "" {
		k.add(RuleScope, issue.SeverityError, ClaimScope, "cannot check scope for unknown interaction %s", in)
		return
	}
	if !k.required(RuleScope, ClaimScope, k.c.Scope, "expected "+want+" for "+in.String()) {
		return
	}
	for _, s := range k.c.Scopes() {
		if s == want {
			return
		}
	}
	k.add(RuleScope, issue.SeverityError, ClaimScope, "scope is %s; %s requires %s", quote(k.c.Scope), in, want)
}

func (k *checker) system(fromASID string) {
	v := k.c.RequestingSystem
	if !k.required(RuleRequestingSystem, ClaimRequestingSystem, v, "expected "+nhsid.SystemASID+"|<ASID>") {
		return
	}
	asid, ok := k.qualified(RuleRequestingSystem, ClaimRequestingSystem, v, nhsid.SystemASID, nil)
	if !ok {
		return
	}
	if err := nhsid.CheckASID(asid); err != nil {
		k.add(RuleRequestingSystem, issue.SeverityError, ClaimRequestingSystem, "requesting_system: %v", err)
		return
	}
	if fromASID != "" && asid != fromASID {
		k.add(RuleFromASID, issue.SeverityError, ClaimRequestingSystem,
			"requesting_system ASID is %s but the fromASID header is %s; they must be equal", quote(asid), quote(fromASID))
	}
}

func (k *checker) organisation() {
	s, z := ClaimRequestingOrganisation, ClaimRequestingOrganization
	claim, v := s, k.c.RequestingOrganisation
	switch {
	case k.c.Has(s) && k.c.Has(z):
		if k.c.RequestingOrganisation != k.c.RequestingOrganization {
			k.add(RuleRequestingOrganisation, issue.SeverityError, s, "%s is %s but %s is %s; they disagree",
				s, quote(k.c.RequestingOrganisation), z, quote(k.c.RequestingOrganization))
		}
	case k.c.Has(z):
		k.add(RuleRequestingOrganisation, issue.SeverityWarning, z,
			"the token carries %s (Spine Core spelling) but not %s, the claim NEMS makes mandatory", z, s)
		claim, v = z, k.c.RequestingOrganization
	}
	if !k.required(RuleRequestingOrganisation, claim, v, "NEMS requires "+nhsid.SystemODSOrganisation+"|<ODS code>") {
		return
	}
	code, ok := k.qualified(RuleRequestingOrganisation, claim, v, nhsid.SystemODSOrganisation, nil)
	if !ok {
		return
	}
	if err := nhsid.CheckODSOrganisationCode(code); err != nil {
		k.add(RuleRequestingOrganisation, issue.SeverityError, claim, "%s: %v", claim, err)
	}
}

func (k *checker) user() {
	if !k.c.Has(ClaimRequestingUser) {
		return
	}
	v := k.c.RequestingUser
	if strings.TrimSpace(v) == "" {
		k.add(RuleRequestingUser, issue.SeverityError, ClaimRequestingUser, "requesting_user is present but empty; expected %s|<SDS role profile id> or a local system URI and id", nhsid.SystemSDSRoleProfile)
		return
	}
	system, value, ok := nhsid.SplitToken(v)
	switch {
	case !ok:
		k.add(RuleRequestingUser, issue.SeverityWarning, ClaimRequestingUser,
			"requesting_user is %s without a system; Spine Core expects %s|<id> (or a local system URI)", quote(v), nhsid.SystemSDSRoleProfile)
	case !isAbsoluteURI(system):
		k.add(RuleRequestingUser, issue.SeverityError, ClaimRequestingUser,
			"requesting_user system %s is not an absolute URI; expected %s or a local system URI", quote(system), nhsid.SystemSDSRoleProfile)
	case value == "":
		k.add(RuleRequestingUser, issue.SeverityError, ClaimRequestingUser, "requesting_user %s has no id after \"|\"", quote(v))
	}
}

func (k *checker) patient() {
	if !k.c.Has(ClaimRequestingPatient) {
		return
	}
	v := k.c.RequestingPatient
	if strings.TrimSpace(v) == "" {
		k.add(RuleRequestingPatient, issue.SeverityError, ClaimRequestingPatient, "requesting_patient is present but empty; expected %s|<NHS number>", nhsid.SystemNHSNumberSpine)
		return
	}
	alt := map[string]string{nhsid.SystemNHSNumber: "the system of NHS numbers inside messages; Spine JWTs use " + nhsid.SystemNHSNumberSpine}
	n, ok := k.qualified(RuleRequestingPatient, ClaimRequestingPatient, v, nhsid.SystemNHSNumberSpine, alt)
	if !ok {
		return
	}
	if err := nhsid.CheckNHSNumber(n); err != nil {
		k.add(RuleRequestingPatient, issue.SeverityError, ClaimRequestingPatient, "requesting_patient must hold a valid NHS number: %v", err)
	}
}

// qualified reads an identifier claim of the form "<system>|<value>" and
// returns the value. A bare value and the "<system>/<value>" form of one
// Spine Core page are accepted with a warning; a system in alt is accepted
// with the warning alt gives; any other system is an error.
func (k *checker) qualified(rule, claim, v, system string, alt map[string]string) (string, bool) {
	if sys, value, ok := nhsid.SplitToken(v); ok {
		switch note, isAlt := alt[sys]; {
		case sys == system:
		case isAlt:
			k.add(rule, issue.SeverityWarning, claim, "%s uses system %s, %s", claim, quote(sys), note)
		default:
			k.add(rule, issue.SeverityError, claim, "%s has system %s; expected %s|<value>", claim, quote(sys), system)
			return "", false
		}
		return value, true
	}
	if value, ok := strings.CutPrefix(v, system+"/"); ok {
		k.add(rule, issue.SeverityWarning, claim, "%s is written %s; Spine Core identifiers use %s|<value>", claim, quote(v), system)
		return value, true
	}
	if isAbsoluteURI(v) {
		k.add(rule, issue.SeverityError, claim, "%s is %s; expected %s|<value>", claim, quote(v), system)
		return "", false
	}
	k.add(rule, issue.SeverityWarning, claim, "%s is %s without its system; Spine Core expects %s|%s", claim, quote(v), system, v)
	return v, true
}

func isAbsoluteURI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
