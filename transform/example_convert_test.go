package transform_test

import (
	"errors"
	"fmt"

	"github.com/nemsfhir/nemsfhir/transform"
)

func ExampleXMLToJSON() {
	src := []byte(`<Observation xmlns="http://hl7.org/fhir">
  <!-- a comment JSON cannot hold -->
  <status value="final"/>
  <code><text value="weight"/></code>
  <valueQuantity><value value="70.50"/><unit value="kg"/></valueQuantity>
</Observation>`)
	out, rep, err := transform.XMLToJSON(src, transform.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	fmt.Println("comments dropped:", rep.CommentsDropped)
	// Output:
	// {"resourceType":"Observation","status":"final","code":{"text":"weight"},"valueQuantity":{"value":70.50,"unit":"kg"}}
	// comments dropped: 1
}

func ExampleJSONToXML() {
	src := []byte(`{
  "resourceType": "Patient",
  "active": "true",
  "name": {"family": "Jones"}
}`)
	_, _, err := transform.JSONToXML(src, transform.Options{})
	var list transform.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// 3:13: Patient.active: wrong JSON type: boolean is written as a boolean, found a string
	// 4:3: Patient.name: a single value where an array belongs (Patient.name repeats: max *)
}
