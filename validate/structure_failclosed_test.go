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

// TestDecimalRangeWarning checks the warning the HL7 reference validator
// gives for decimals of more than 18 digits, in both formats, and that it
// stays a warning: the value is a valid STU3 decimal.
func TestDecimalRangeWarning(t *testing.T) {
	// The schema phase is left out: libxml2 holds at most 24 digits of an
	// xsd:decimal, and says so on its own.
	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, NoSchema: true})
	if err != nil {
		t.Fatal(err)
	}
	xmlObs := func(d string) string {
		return "<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/><code><text value=\"x\"/></code>\n<valueQuantity><value value=\"" + d + "\"/></valueQuantity></Observation>"
	}
	jsonObs := func(d string) string {
		return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\n\"valueQuantity\":{\"value\":" + d + "}}"
	}
	huge := "1" + strings.Repeat("0", 99999)
	for _, tc := range []struct {
		name, src string
		warn      bool
	}{
		{"xml 18 digits", xmlObs("-12345678.9012345678"), false},
		{"json 18 digits", jsonObs("0.12345678901234567"), false},
		{"xml 19 digits", xmlObs("1234567890.123456789"), true},
		{"json 19 digits", jsonObs("-0.123456789012345678"), true},
		{"xml 100000 digits", xmlObs(huge), true},
		{"json 100000 digits", jsonObs(huge), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			if !res.Valid() {
				t.Fatalf("want valid, got %v", res.Issues)
			}
			var warned []validate.Issue
			for _, is := range res.Issues {
				if is.Rule == validate.RuleDecimalRange {
					warned = append(warned, is)
				}
			}
			if !tc.warn {
				if len(warned) != 0 {
					t.Errorf("unexpected warning %v", warned)
				}
				return
			}
			if len(warned) != 1 {
				t.Fatalf("want one %s warning, got %v", validate.RuleDecimalRange, res.Issues)
			}
			is := warned[0]
			if is.Severity != validate.SeverityWarning || is.Path != "Observation.valueQuantity.value" || is.Line != 2 ||
				!strings.Contains(is.Message, "commonly supported decimals") || len(is.Message) > 400 {
				t.Errorf("got %s", is)
			}
		})
	}
}
