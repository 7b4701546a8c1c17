package validate_test

import (
	"errors"
	"os"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// Asking for the XSD check fails closed: a build without it refuses to
// make a Validator rather than validating XML without it.
func TestRequireXSD(t *testing.T) {
	v, err := validate.New(validate.Options{RequireXSD: true})
	switch {
	case schema.XSDBuiltIn && err != nil:
		t.Fatalf("RequireXSD with the XSD check built in: %v", err)
	case !schema.XSDBuiltIn && (v != nil || !errors.Is(err, schema.ErrNoXSD)):
		t.Fatalf("RequireXSD without the XSD check: %v, %v; want schema.ErrNoXSD", v, err)
	}
	if _, err := validate.New(validate.Options{RequireXSD: true, NoSchema: true}); err == nil {
		t.Error("RequireXSD with NoSchema accepted")
	}
	// Without RequireXSD a valid XML example passes in either build: the
	// schema phase of a build without the XSD check does not run for XML,
	// rather than reporting on every payload that it could not.
	src, err := os.ReadFile("../corpus/examples/subscription-explicit.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range d.Validate("subscription-explicit.xml", src).Issues {
		if is.Rule == validate.RuleSchema {
			t.Errorf("schema issue on a valid example: %v", is.Message)
		}
	}
}
