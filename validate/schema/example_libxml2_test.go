//go:build libxml2

package schema_test

import (
	"fmt"

	"github.com/nemsfhir/nemsfhir/validate/schema"
)

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
