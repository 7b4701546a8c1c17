package schema_test

import (
	"fmt"

	"github.com/nemsfhir/nemsfhir/validate/schema"
)

func ExampleValidateJSON() {
	doc := []byte(`{
  "resourceType": "Subscription",
  "status": "requested",
  "reason": "Health visiting",
  "criteria": "/Bundle?type=message&serviceType=UHV",
  "channel": {"type": "message", "endpoint": "Mailbox1234"},
  "colour": "red"
}`)
	for _, p := range schema.ValidateJSON(doc) {
		fmt.Println(p)
	}
	// Output:
	// 7:3: /colour: unknown property "colour": STU3 defines no such element here
}
