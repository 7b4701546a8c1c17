//go:build !libxml2

package schema

import (
	"strings"
	"testing"
)

// Built without the tag libxml2, the package still compiles and warms the
// JSON Schema, and an XML payload is never passed: ValidateXML answers
// that the XSD check is not built in, whatever the payload.
func TestXSDNotBuiltIn(t *testing.T) {
	if XSDBuiltIn {
		t.Fatal("XSDBuiltIn is true in a build without the tag libxml2")
	}
	Warm()
	if err := Compile(); err != nil {
		t.Fatalf("Compile: %v", err)
	}
	for _, doc := range []string{patientXML, "", "<not-xml"} {
		ps := ValidateXML([]byte(doc))
		if len(ps) != 1 || ps[0].Message != ErrNoXSD.Error() {
			t.Errorf("ValidateXML(%q) = %v, want one problem: %v", doc, ps, ErrNoXSD)
		}
	}
	if !strings.Contains(ErrNoXSD.Error(), "-tags libxml2") {
		t.Errorf("ErrNoXSD does not say how to get the check: %v", ErrNoXSD)
	}
}
