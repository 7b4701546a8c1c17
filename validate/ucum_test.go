package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestUCUMCodes checks that a UCUM-coded Quantity (and Age, Duration, a
// SimpleQuantity) with a code that is not valid UCUM gets one error on its
// code, in both formats, and that valid units, other systems and Money
// get none.
func TestUCUMCodes(t *testing.T) {
	v := validator(t)
	obsXML := func(q string) string {
		return "<Observation xmlns=\"http://hl7.org/fhir\"><status value=\"final\"/><code><text value=\"x\"/></code>\n<valueQuantity><value value=\"4\"/>" + q + "</valueQuantity></Observation>"
	}
	ucumXML := func(code string) string {
		return "<system value=\"http://unitsofmeasure.org\"/>\n<code value=\"" + code + "\"/>"
	}
	obsJSON := func(code string) string {
		return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\n\"valueQuantity\":{\"value\":4,\"system\":\"http://unitsofmeasure.org\",\n\"code\":\"" + code + "\"}}"
	}
	for _, tc := range []struct {
		name, src  string
		path       string // "" when no UCUM issue is expected
		line       int
		wantSubstr string
	}{
		{"xml case", obsXML(ucumXML("mg/DL")), "Observation.valueQuantity.code", 3, `at character 4: unknown unit "DL"`},
		{"json case", obsJSON("mEq/L"), "Observation.valueQuantity.code", 3, `unknown unit "mEq" (UCUM is case sensitive: did you mean meq?)`},
		{"xml not metric", obsXML(ucumXML("k[arb'U]/L")), "Observation.valueQuantity.code", 3, "not a metric unit"},
		{"json syntax", obsJSON("g/12h"), "Observation.valueQuantity.code", 3, "as in 12.h"},
		{"json free text", obsJSON("tablets"), "Observation.valueQuantity.code", 3, `unknown unit "tablets"`},
		{"xml valid", obsXML(ucumXML("mg/dL")), "", 0, ""},
		{"json valid annotation", obsJSON("{beats}/min"), "", 0, ""},
		{"json valid special", obsJSON("Cel"), "", 0, ""},
		{"xml other system", obsXML("<system value=\"http://snomed.info/sct\"/><code value=\"mg/DL\"/>"), "", 0, ""},
		{"xml no system", obsXML("<code value=\"mg/DL\"/>"), "", 0, ""},
		{"json age", "{\"resourceType\":\"Condition\",\"subject\":{\"display\":\"p\"},\n\"onsetAge\":{\"value\":4,\"system\":\"http://unitsofmeasure.org\",\"code\":\"yr\"}}",
			"Condition.onsetAge.code", 2, `unknown unit "yr"`},
		{"json simple quantity", "{\"resourceType\":\"MedicationRequest\",\"intent\":\"order\",\"subject\":{\"display\":\"p\"},\"medicationCodeableConcept\":{\"text\":\"m\"},\n\"dispenseRequest\":{\"quantity\":{\"value\":4,\"system\":\"http://unitsofmeasure.org\",\"code\":\"TAB\"}}}",
			"MedicationRequest.dispenseRequest.quantity.code", 2, `unknown unit "TAB"`},
		{"json duration", "{\"resourceType\":\"MedicationRequest\",\"intent\":\"order\",\"subject\":{\"display\":\"p\"},\"medicationCodeableConcept\":{\"text\":\"m\"},\n\"dispenseRequest\":{\"expectedSupplyDuration\":{\"value\":4,\"system\":\"http://unitsofmeasure.org\",\"code\":\"days\"}}}",
			"MedicationRequest.dispenseRequest.expectedSupplyDuration.code", 2, `unknown unit "days"`},
		{"json money", "{\"resourceType\":\"Account\",\n\"balance\":{\"value\":4,\"system\":\"http://unitsofmeasure.org\",\"code\":\"GBPx\"}}", "", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := v.Validate(tc.name, []byte(tc.src))
			var got []validate.Issue
			for _, is := range res.Issues {
				if is.Rule == validate.RuleUCUM {
					got = append(got, is)
				}
			}
			if tc.path == "" {
				if len(got) != 0 {
					t.Fatalf("want no UCUM issue, got %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want one UCUM issue, got %v", res.Issues)
			}
			is := got[0]
			if is.Path != tc.path || is.Line != tc.line || is.Severity != validate.SeverityError || is.Spine != validate.SpineInvalidCodeValue ||
				!strings.Contains(is.Message, tc.wantSubstr) || res.Valid() {
				t.Errorf("got %s (%s line %d), want an error at %s line %d saying %q", is, is.Path, is.Line, tc.path, tc.line, tc.wantSubstr)
			}
		})
	}
}
