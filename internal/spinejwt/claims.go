package spinejwt

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Claim names used by Spine and NEMS (the guide's "JWT Claims" tables and
// the Spine Core JWT page).
const (
	ClaimIss                    = "iss"
	ClaimSub                    = "sub"
	ClaimAud                    = "aud"
	ClaimExp                    = "exp"
	ClaimIat                    = "iat"
	ClaimNbf                    = "nbf" // optional; not used by Spine (RFC 7519 4.1.5)
	ClaimReasonForRequest       = "reason_for_request"
	ClaimScope                  = "scope"
	ClaimRequestingSystem       = "requesting_system"
	ClaimRequestingOrganisation = "requesting_organisation" // NEMS spelling
	ClaimRequestingOrganization = "requesting_organization" // Spine Core spelling
	ClaimRequestingUser         = "requesting_user"
	ClaimRequestingPatient      = "requesting_patient"
)

// NumericDate is a JWT time claim: seconds since 1970-01-01 UTC.
type NumericDate struct {
	Time time.Time
	// Integer is false when the claim was written with a fraction or an
	// exponent; RFC 7519 allows that, Spine Core asks for integer seconds.
	Integer bool
}

// Claims holds the decoded payload of a token. The typed fields hold the
// claims Spine and NEMS define; a field is zero both when its claim is absent
// and when it is empty, so use [Claims.Has] to tell the two apart. Raw holds
// every claim as sent, including unknown ones.
type Claims struct {
	Issuer                 string
	Subject                string
	Audience               []string // a single string aud gives one element
	ExpiresAt              NumericDate
	IssuedAt               NumericDate
	NotBefore              NumericDate
	ReasonForRequest       string
	Scope                  string // space-separated list
	RequestingSystem       string
	RequestingOrganisation string
	RequestingOrganization string
	RequestingUser         string
	RequestingPatient      string

	Raw map[string]json.RawMessage
}

// Has reports whether the payload carries the named claim, whatever its value.
func (c *Claims) Has(name string) bool {
	_, ok := c.Raw[name]
	return ok
}

// Scopes returns the space-separated entries of the scope claim.
func (c *Claims) Scopes() []string { return strings.Fields(c.Scope) }

// maxNumericDate bounds time claims to year 9999 so that conversion to
// time.Time cannot overflow.
const maxNumericDate = 253402300799

// ParseClaims decodes a JWT payload (the JSON, not its base64url form). It
// fails with a [*DecodeError] when the payload is not a JSON object, a claim
// name repeats, or a known claim has the wrong JSON type: the identifier
// claims, iss, sub, scope and reason_for_request must be strings, exp, iat
// and nbf numbers, aud a string or an array of strings. Every wrong type is
// listed in the one error.
func ParseClaims(payload []byte) (*Claims, error) {
	raw, err := parseObject("payload", payload)
	if err != nil {
		return nil, err
	}
	c := &Claims{Raw: raw}
	var problems []string
	bad := func(name, want string) {
		problems = append(problems, fmt.Sprintf("claim %q must be %s; found %s", name, want, jsonKind(raw[name])))
	}
	for name, dst := range map[string]*string{
		ClaimIss:                    &c.Issuer,
		ClaimSub:                    &c.Subject,
		ClaimReasonForRequest:       &c.ReasonForRequest,
		ClaimScope:                  &c.Scope,
		ClaimRequestingSystem:       &c.RequestingSystem,
		ClaimRequestingOrganisation: &c.RequestingOrganisation,
		ClaimRequestingOrganization: &c.RequestingOrganization,
		ClaimRequestingUser:         &c.RequestingUser,
		ClaimRequestingPatient:      &c.RequestingPatient,
	} {
		if v, ok := raw[name]; ok && !unmarshalString(v, dst) {
			bad(name, "a string")
		}
	}
	if v, ok := raw[ClaimAud]; ok {
		var one string
		var many []json.RawMessage
		switch {
		case unmarshalString(v, &one):
			c.Audience = []string{one}
		case json.Unmarshal(v, &many) == nil && many != nil:
			c.Audience = make([]string, len(many))
			for i, m := range many {
				if !unmarshalString(m, &c.Audience[i]) {
					c.Audience = nil
					bad(ClaimAud, "a string or an array of strings")
					break
				}
			}
		default:
			bad(ClaimAud, "a string or an array of strings")
		}
	}
	for name, dst := range map[string]*NumericDate{ClaimExp: &c.ExpiresAt, ClaimIat: &c.IssuedAt, ClaimNbf: &c.NotBefore} {
		v, ok := raw[name]
		if !ok {
			continue
		}
		var n json.Number
		// json.Number would also take a quoted number; a NumericDate is bare.
		if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &n) != nil {
			bad(name, "a number of seconds since 1970-01-01 UTC")
			continue
		}
		d, err := numericDate(n)
		if err != nil {
			problems = append(problems, fmt.Sprintf("claim %q %v", name, err))
			continue
		}
		*dst = d
	}
	if len(problems) > 0 {
		slices.Sort(problems) // map order must not change the message
		return nil, decodeErr("payload", nil, "%s", strings.Join(problems, "; "))
	}
	return c, nil
}

// unmarshalString decodes a JSON string into dst; unlike json.Unmarshal it
// refuses null, which would otherwise leave dst silently unchanged.
func unmarshalString(v json.RawMessage, dst *string) bool {
	return len(v) > 0 && v[0] == '"' && json.Unmarshal(v, dst) == nil
}

func numericDate(n json.Number) (NumericDate, error) {
	if i, err := n.Int64(); err == nil {
		if i < 0 || i > maxNumericDate {
			return NumericDate{}, fmt.Errorf("is %s, outside the years 1970 to 9999", n)
		}
		return NumericDate{Time: time.Unix(i, 0).UTC(), Integer: true}, nil
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || f < 0 || f > maxNumericDate {
		return NumericDate{}, fmt.Errorf("is %s, outside the years 1970 to 9999", n)
	}
	sec, frac := math.Modf(f)
	return NumericDate{Time: time.Unix(int64(sec), int64(frac*1e9)).UTC()}, nil
}
