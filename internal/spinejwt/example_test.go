package spinejwt_test

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

func ExampleCheckAuthorization() {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"alg":"none","typ":"JWT"}`))
	payload := enc([]byte(`{
		"iss": "https://cas.nhs.uk",
		"sub": "https://fhir.nhs.uk/Id/accredited-system|200000000205",
		"aud": "https://clinicals.spineservices.nhs.uk",
		"exp": 1740830700, "iat": 1740830400,
		"reason_for_request": "directcare",
		"scope": "patient/Subscription.read",
		"requesting_system": "https://fhir.nhs.uk/Id/accredited-system|200000000205",
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|RR8",
		"requesting_patient": "http://fhir.nhs.net/Id/nhs-number|6101231234"
	}`))
	findings := spinejwt.CheckAuthorization("Bearer "+header+"."+payload+".", issue.SubscriptionCreate,
		spinejwt.Request{FromASID: "477121000323", Now: time.Unix(1740830500, 0)})
	for _, f := range findings {
		fmt.Println(f)
	}
	// Output:
	// error jwt:scope (MISSING_OR_INVALID_HEADER, HTTP 400): scope is "patient/Subscription.read"; subscription-create requires patient/Subscription.write
	// error jwt:from-asid (MISSING_OR_INVALID_HEADER, HTTP 400): requesting_system ASID is "200000000205" but the fromASID header is "477121000323"; they must be equal
	// error jwt:requesting_patient (MISSING_OR_INVALID_HEADER, HTTP 400): requesting_patient must hold a valid NHS number: invalid NHS number "6101231234": check digit is 4; the modulus 11 check of the first nine digits expects 2
}

func ExampleDecode() {
	_, err := spinejwt.Decode("eyJhbGciOiJub25lIn0.e30")
	fmt.Println(err)
	// Output:
	// malformed JWT: has 2 dot-separated parts; expected 3 (header.payload.signature); an unsecured token still ends with "." before its empty signature
}
