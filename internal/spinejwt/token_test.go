package spinejwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// unsigned builds an unsecured token from header and payload JSON text.
func unsigned(header, payload string) string { return b64(header) + "." + b64(payload) + "." }

const noneHeader = `{"alg":"none","typ":"JWT"}`

// spineExamplePayload follows the Spine Core example claims (spec/nems.md 3.2).
const spineExamplePayload = `{
 "iss": "https://cas.nhs.uk",
 "sub": "https://fhir.nhs.uk/Id/accredited-system|200000000205",
 "aud": "https://clinicals.spineservices.nhs.uk",
 "exp": 1469436987,
 "iat": 1469436687,
 "reason_for_request": "directcare",
 "scope": "patient/Bundle.write",
 "requesting_system": "https://fhir.nhs.uk/Id/accredited-system|200000000205",
 "requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|RR8"
}`

func TestDecodeUnsigned(t *testing.T) {
	tok, err := Decode(unsigned(noneHeader, spineExamplePayload))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Unsigned() || tok.Header.Typ != "JWT" || len(tok.Signature) != 0 {
		t.Errorf("header %+v signature %q", tok.Header, tok.Signature)
	}
	c := tok.Claims
	if c.Issuer != "https://cas.nhs.uk" || c.Scope != issue.ScopeBundleWrite || c.RequestingOrganisation == "" ||
		len(c.Audience) != 1 || !c.ExpiresAt.Integer || c.ExpiresAt.Time.Unix() != 1469436987 ||
		c.IssuedAt.Time.Unix() != 1469436687 || !c.Has(ClaimSub) || c.Has(ClaimRequestingUser) {
		t.Errorf("claims decoded wrongly: %+v", c)
	}
}

func TestDecodeErrors(t *testing.T) {
	good := b64(spineExamplePayload)
	tests := []struct {
		name, raw, part, inMsg string
	}{
		{"empty", "", "token", "empty token"},
		{"two parts", b64(noneHeader) + "." + good, "token", `still ends with "."`},
		{"one part", b64(noneHeader), "token", "1 dot-separated parts"},
		{"four parts", b64(noneHeader) + "." + good + "..", "token", "4 dot-separated"},
		{"JWE", "a.b.c.d.e", "token", "JWE"},
		{"bearer", "Bearer " + unsigned(noneHeader, "{}"), "token", "Bearer scheme"},
		{"white space", unsigned(noneHeader, "{}") + "\n", "token", "white space at byte"},
		{"too big", strings.Repeat("a", MaxTokenSize+1), "token", "at most"},
		{"empty header", "." + good + ".", "header", "is empty"},
		{"empty payload", b64(noneHeader) + "..", "payload", "is empty"},
		{"padding", base64.URLEncoding.EncodeToString([]byte(noneHeader+"  ")) + "." + good + ".", "header", "padding"},
		{"std alphabet", b64(noneHeader) + ".+/+/.", "payload", "standard base64"},
		{"bad base64", b64(noneHeader) + ".a*b.", "payload", "not valid base64url"},
		{"header not JSON", b64("{alg:none}") + "." + good + ".", "header", "not valid JSON"},
		{"header array", b64(`["none"]`) + "." + good + ".", "header", "must be a JSON object; found an array"},
		{"alg missing", b64(`{"typ":"JWT"}`) + "." + good + ".", "header", `"alg" is missing`},
		{"alg empty", b64(`{"alg":""}`) + "." + good + ".", "header", `"alg" is empty`},
		{"alg number", b64(`{"alg":1}`) + "." + good + ".", "header", `"alg" must be a string; found a number`},
		{"typ object", b64(`{"alg":"none","typ":{}}`) + "." + good + ".", "header", `"typ" must be a string; found an object`},
		{"crit", b64(`{"alg":"none","crit":["x"]}`) + "." + good + ".", "header", "crit"},
		{"duplicate header", b64(`{"alg":"HS256","alg":"none"}`) + "." + good + ".", "header", `"alg" appears more than once`},
		{"none with signature", b64(noneHeader) + "." + good + "." + b64("sig"), "signature", "not empty"},
		{"HS256 without signature", b64(`{"alg":"HS256"}`) + "." + good + ".", "signature", "empty"},
		{"bad signature base64", b64(`{"alg":"HS256"}`) + "." + good + ".%%", "signature", "base64url"},
		{"payload string", unsigned(noneHeader, `"claims"`), "payload", "must be a JSON object; found a string"},
		{"payload trailing", unsigned(noneHeader, `{} {}`), "payload", "data after"},
		{"payload truncated", unsigned(noneHeader, `{"iss":`), "payload", "not valid JSON"},
		{"duplicate claim", unsigned(noneHeader, `{"sub":"a","sub":"b"}`), "payload", `"sub" appears more than once`},
		{"exp string", unsigned(noneHeader, `{"exp":"1469436987"}`), "payload", `claim "exp" must be a number`},
		{"nbf string", unsigned(noneHeader, `{"nbf":"1469436987"}`), "payload", `claim "nbf" must be a number`},
		{"iat negative", unsigned(noneHeader, `{"iat":-5}`), "payload", "outside the years"},
		{"exp huge", unsigned(noneHeader, `{"exp":1e300}`), "payload", "outside the years"},
		{"aud number", unsigned(noneHeader, `{"aud":5}`), "payload", `"aud" must be a string or an array`},
		{"aud mixed array", unsigned(noneHeader, `{"aud":["https://a",5]}`), "payload", `"aud" must be a string or an array`},
		{"scope array", unsigned(noneHeader, `{"scope":["patient/Bundle.write"]}`), "payload", `"scope" must be a string; found an array`},
		{"two wrong types listed", unsigned(noneHeader, `{"sub":1,"requesting_system":null}`), "payload",
			`claim "requesting_system" must be a string; found null; claim "sub" must be a string; found a number 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Decode(tt.raw)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %v, %v; want a *DecodeError", tok, err)
			}
			if de.Part != tt.part || !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("Decode error %q (part %s); want part %s containing %q", err, de.Part, tt.part, tt.inMsg)
			}
		})
	}
}

func TestParseClaimsFractionalTime(t *testing.T) {
	c, err := ParseClaims([]byte(`{"exp":1469436987.5,"iat":1.4694366e9,"aud":["https://a","https://b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.ExpiresAt.Integer || c.ExpiresAt.Time.UnixMilli() != 1469436987500 || c.IssuedAt.Integer {
		t.Errorf("fractional times decoded as %+v, %+v", c.ExpiresAt, c.IssuedAt)
	}
	if len(c.Audience) != 2 {
		t.Errorf("aud array decoded as %q", c.Audience)
	}
}

func TestFromAuthorization(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"Bearer abc.def.", "abc.def.", false},
		{"bearer abc.def.", "abc.def.", false},
		{"  Bearer   abc.def.  ", "abc.def.", false},
		{"", "", true},
		{"Basic dXNlcjpwYXNz", "", true},
		{"abc.def.", "", true},
		{"Bearer ", "", true},
	}
	for _, tt := range tests {
		got, err := FromAuthorization(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("FromAuthorization(%q) = %q, %v", tt.in, got, err)
		}
	}
	if _, err := FromAuthorization(" "); !errors.Is(err, ErrNoAuthorization) {
		t.Errorf("blank header: %v, want ErrNoAuthorization", err)
	}
}

func signHS256(secret []byte, payload string) string {
	in := b64(`{"alg":"HS256","typ":"JWT"}`) + "." + b64(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func FuzzDecode(f *testing.F) {
	f.Add(unsigned(noneHeader, spineExamplePayload))
	f.Add(signHS256([]byte("k"), spineExamplePayload))
	f.Add(unsigned(noneHeader, `{"exp":1e300,"aud":[1]}`))
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Decode(raw)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Msg == "" {
				t.Fatalf("Decode(%q) returned an undescriptive error %#v", raw, err)
			}
			return
		}
		if tok.Claims == nil || tok.Header.Alg == "" || (tok.Unsigned() != (len(tok.Signature) == 0)) {
			t.Fatalf("Decode(%q) returned an inconsistent token %+v", raw, tok)
		}
		// Neither the rules nor verification may panic on a decoded token.
		CheckClaims(tok.Claims, issue.Publish, Request{FromASID: "200000000205", Now: time.Unix(1469436700, 0)})
		_ = tok.Verify(testKeys(t).hmac)
		if _, err := json.Marshal(tok.Claims.Raw); err != nil {
			t.Fatalf("claims of %q do not re-encode: %v", raw, err)
		}
	})
}

func FuzzCheckAuthorization(f *testing.F) {
	f.Add("Bearer "+unsigned(noneHeader, spineExamplePayload), int(issue.Publish))
	f.Add("Bearer "+unsigned(noneHeader, `{"requesting_organization":"x|","requesting_user":"|"}`), int(issue.SubscriptionRead))
	f.Fuzz(func(t *testing.T, header string, in int) {
		for _, fd := range CheckAuthorization(header, issue.Interaction(in), Request{}) {
			if fd.Rule == "" || fd.Message == "" || fd.Spine == "" {
				t.Fatalf("incomplete finding %+v", fd)
			}
		}
	})
}
