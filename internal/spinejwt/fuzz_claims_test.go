package spinejwt

import (
	"errors"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// FuzzParseClaims feeds ParseClaims arbitrary JSON payloads: no panic, and
// a failure is a *DecodeError. What decodes is then checked against every
// interaction, which must not panic either.
func FuzzParseClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"https://x","sub":"1","aud":"https://clinicals.spineservices.nhs.uk","exp":1700000300,"iat":1700000000,"reason_for_request":"directcare","scope":"patient/Bundle.write","requesting_system":"https://fhir.nhs.uk/Id/accredited-system|200000000205","requesting_organization":"https://fhir.nhs.uk/Id/ods-organization-code|X26"}`,
		`{"aud":["a","b"],"exp":1e999999,"iat":-1}`,
		`{"iss":"a","iss":"b"}`,
		`{"exp":"soon","aud":[1,2],"scope":null}`,
		`[]`, `"x"`, ``, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := ParseClaims(payload)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DecodeError", err, err)
			}
			return
		}
		if c == nil {
			t.Fatal("nil claims and nil error")
		}
		for _, in := range []issue.Interaction{issue.Publish, issue.SubscriptionCreate, issue.SubscriptionRead, issue.SubscriptionDelete} {
			for _, fd := range CheckClaims(c, in, Request{}) {
				if fd.Message == "" {
					t.Fatalf("finding without a message: %+v", fd)
				}
			}
		}
	})
}
