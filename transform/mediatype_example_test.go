package transform_test

import (
	"errors"
	"fmt"

	"github.com/nemsfhir/nemsfhir/transform"
)

func ExampleNegotiate() {
	// A subscriber that prefers JSON but takes anything.
	m, _ := transform.Negotiate(transform.Subscription, "application/fhir+json, */*;q=0.1", "")
	fmt.Println(m, m.Format)

	// _format wins over Accept; "json" is answered in the default's spelling.
	m, _ = transform.Negotiate(transform.Subscription, "application/fhir+xml", "json")
	fmt.Println(m)

	// The publication API only speaks XML.
	_, err := transform.Negotiate(transform.Publication, "application/fhir+json", "")
	fmt.Println(errors.Is(err, transform.ErrUnsupportedMediaType))
	// Output:
	// application/fhir+json;charset=utf-8 json
	// application/json+fhir;charset=utf-8
	// true
}

func ExampleAPI_ContentType() {
	for _, ct := range []string{"", "Application/FHIR+XML; charset=UTF-8", "application/fhir+json"} {
		m, err := transform.Publication.ContentType(ct)
		fmt.Println(m, err)
	}
	// Output:
	// application/xml+fhir;charset=utf-8 <nil>
	// application/fhir+xml;charset=utf-8 <nil>
	// MediaType(invalid) Content-Type "application/fhir+json": json is not accepted for the NEMS publication API; accepted are application/xml+fhir;charset=utf-8, application/xml+fhir, application/fhir+xml;charset=utf-8, application/fhir+xml
}
