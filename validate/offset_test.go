package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// Every issue with a place in the source also has the bytes of the token
// there, so that a reporter can quote the line and underline it: the start
// tag in XML, the property name in JSON, a byte order mark counted.
func TestIssueOffsets(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1, Schema: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, src, path, want string
	}{
		{"xml", "<Patient xmlns=\"http://hl7.org/fhir\">\n  <gender value=\"mail\"/>\n</Patient>", "Patient.gender", `<gender value="mail"/>`},
		{"xml with a mark", "\uFEFF<Patient xmlns=\"http://hl7.org/fhir\">\n  <gender value=\"mail\"/>\n</Patient>", "Patient.gender", `<gender value="mail"/>`},
		{"json", "{\"resourceType\": \"Patient\",\n \"name\": [{\"family\": \"Ünal\"}], \"gender\": \"mail\"}", "Patient.gender", `"gender"`},
		{"json with a mark", "\uFEFF{\"resourceType\": \"Patient\", \"gender\": \"mail\"}", "Patient.gender", `"gender"`},
		{"not well-formed", "<Patient xmlns=\"http://hl7.org/fhir\">\n  <gender value=\"x\">\n</Patient>", "", "</Patient>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate("", []byte(tc.src))
			found := false
			for _, is := range res.Issues {
				if is.Line == 0 {
					continue
				}
				if is.Length <= 0 || is.Offset+is.Length > len(tc.src) {
					t.Fatalf("%v: bytes %d+%d outside the %d-byte source", is, is.Offset, is.Length, len(tc.src))
				}
				got := tc.src[is.Offset : is.Offset+is.Length]
				if is.Path == tc.path && strings.HasPrefix(got, tc.want) {
					found = true
				}
				// The offset is on the issue's line.
				if line := 1 + strings.Count(tc.src[:is.Offset], "\n"); line != is.Line {
					t.Errorf("%v: offset %d is on line %d", is, is.Offset, line)
				}
			}
			if !found {
				t.Errorf("no issue at %s covering %q: %v", tc.path, tc.want, res.Issues)
			}
		})
	}
}
