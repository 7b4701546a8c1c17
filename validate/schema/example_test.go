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

func ExampleValidateXML() {
	doc := []byte(`<Subscription xmlns="http://hl7.org/fhir">
  <status value="requested"/>
  <criteria value="/Bundle?type=message"/>
  <reason value="Health visiting"/>
  <channel><type value="message"/></channel>
</Subscription>`)
	for _, p := range schema.ValidateXML(doc) {
		fmt.Println(p)
	}
	// Output:
	// 3:3: criteria: This element is not expected. Expected is one of ( contact, end, reason ).
}
