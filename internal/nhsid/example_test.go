package nhsid_test

import (
	"errors"
	"fmt"

	"github.com/nemsfhir/nemsfhir/internal/nhsid"
)

func ExampleCheckNHSNumber() {
	fmt.Println(nhsid.CheckNHSNumber("9434765919"))
	err := nhsid.CheckNHSNumber("1112223330")
	fmt.Println(err)
	fmt.Println(errors.Is(err, nhsid.ErrCheckDigit))
	// Output:
	// <nil>
	// invalid NHS number "1112223330": check digit is 0; the modulus 11 check of the first nine digits expects 9
	// true
}

func ExampleUUIDFromURN() {
	id, err := nhsid.UUIDFromURN("urn:uuid:3CFDF880-86E9-4B5B-8FF0-4A2D4D0A23B7")
	fmt.Printf("%q %v\n", id, err)
	// Output:
	// "" invalid urn:uuid "urn:uuid:3CFDF880-86E9-4B5B-8FF0-4A2D4D0A23B7": contains upper-case hex digits; the FHIR uuid datatype allows only lower case ("urn:uuid:3cfdf880-86e9-4b5b-8ff0-4a2d4d0a23b7")
}
