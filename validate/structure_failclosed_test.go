package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestEle1IDOnly checks that an element whose only child is its id breaks
// ele-1, "hasValue() or (children().count() > id.count())", whatever its
// type, in both formats, and that an id beside a value or an extension
// does not.
func TestEle1IDOnly(t *testing.T) {
	v := validator(t)
	for _, tc := range []struct {
		name, src  string
		path       string // "" when the payload is valid
		line, col  int
		wantSubstr string
	}{
		{"xml primitive", "<Patient xmlns=\"http://hl7.org/fhir\">\n  <active id=\"a\"/>\n</Patient>",
			"Patient.active", 2, 3, "only an id"},
		{"json primitive", "{\"resourceType\":\"Patient\",\n  \"_active\": {\"id\": \"a\"}}",
			"Patient.active", 2, 3, "only an id"},
		{"xml complex", "<Patient xmlns=\"http://hl7.org/fhir\">\n  <name id=\"n\"/>\n</Patient>",
			"Patient.name[0]", 2, 3, "only an id"},
		{"json complex", "{\"resourceType\":\"Patient\",\n  \"name\": [{\"id\": \"n\"}]}",
			"Patient.name[0]", 2, 12, "only an id"},
		{"xml id and value", `<Patient xmlns="http://hl7.org/fhir"><active id="a" value="true"/></Patient>`, "", 0, 0, ""},
		{"json id and value", `{"resourceType":"Patient","active":true,"_active":{"id":"a"}}`, "", 0, 0, ""},
		{"xml id and extension", `<Patient xmlns="http://hl7.org/fhir"><active id="a"><extension url="http://example.org/x"><valueString value="x"/></extension></active></Patient>`, "", 0, 0, ""},
		{"json id and extension", `{"resourceType":"Patient","_active":{"id":"a","extension":[{"url":"http://example.org/x","valueString":"x"}]}}`, "", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			if tc.path == "" {
				if !res.Valid() {
					t.Fatalf("want valid, got %v", res.Issues)
				}
				return
			}
			var got []validate.Issue
			for _, is := range res.Issues {
				if is.Rule == validate.RuleEmpty {
					got = append(got, is)
				}
			}
			if len(got) != 1 {
				t.Fatalf("want one ele-1 issue, got %v", res.Issues)
			}
			is := got[0]
			if is.Path != tc.path || is.Line != tc.line || is.Column != tc.col || is.Severity != validate.SeverityError ||
				!strings.Contains(is.Message, tc.wantSubstr) {
				t.Errorf("got %s (%s %d:%d), want %s at %d:%d saying %q", is, is.Path, is.Line, is.Column, tc.path, tc.line, tc.col, tc.wantSubstr)
			}
		})
	}
}
