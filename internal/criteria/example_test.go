package criteria_test

import (
	"fmt"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
)

func ExampleParse() {
	s := "/Bundle?type=message&subscriptionRuleType=GP_GP_GP&Organization.identifier=B86056" +
		"&MessageHeader.event=pds-change-of-gp-1&Patient.age=lt14&tag=site123"
	c, findings := criteria.Parse(s)
	fmt.Println(c.Kind, c.RuleType, c.Organization, c.Events, c.Age.Matches(13))
	fmt.Println(len(findings), "findings")
	// Output:
	// generic GP_GP_GP B86056 [pds-change-of-gp-1] true
	// 0 findings
}

func ExampleFinding_Excerpt() {
	s := "/Bundle?type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|6101231234" +
		"&MessageHeader.event=pds-death-notification-1"
	_, findings := criteria.Parse(s)
	for _, f := range findings {
		r, _ := criteria.LookupRule(f.Rule)
		fmt.Println(f.Rule, f.Spine, r.HTTPStatus)
		fmt.Println(f.Message)
	}
	// Output:
	// criteria:nhs-number-check-digit INVALID_NHS_NUMBER 400
	// NHS number 6101231234 fails the modulus-11 check: its last digit is 4 but the first nine digits require 2
}

func ExampleNew() {
	chk := criteria.New(criteria.Options{Lifecycle: map[string]criteria.EventLifecycle{
		"newborn-hearing-1": {State: criteria.Deprecated, Note: "deprecation on 22/06/2019"},
	}})
	_, findings := chk.Parse("/Bundle?type=message&subscriptionRuleType=COUNTRYCODE" +
		"&Organization.identifier=E92000001&MessageHeader.event=newborn-hearing-1")
	for _, f := range findings {
		r, _ := criteria.LookupRule(f.Rule)
		fmt.Println(f.Severity, f.Spine, r.HTTPStatus, f.Message)
	}
	// Output:
	// information DEPRECATED 201 event type newborn-hearing-1 is deprecated; the subscription is still created: deprecation on 22/06/2019
}
