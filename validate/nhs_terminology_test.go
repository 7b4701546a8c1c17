package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestNHSTerminologyOffline: the NHS and CareConnect code systems and value
// sets are built in (schemas/stu3/terminology.jsonl, from the NHS assets),
// so the codes of NEMS payloads are judged offline: a code the code system
// defines passes, an unknown one is an error of the code system and of the
// extension's required binding, a display not the code system's is a
// warning, and none of these systems is reported as not checkable.
func TestNHSTerminologyOffline(t *testing.T) {
	const (
		ext    = "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1"
		system = "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"
	)
	patient := func(code, display string) []byte {
		return []byte(`{"resourceType":"Patient","identifier":[{"extension":[{"url":"` + ext + `",
 "valueCodeableConcept":{"coding":[{"system":"` + system + `","code":"` + code + `","display":"` + display + `"}]}}],
 "system":"https://fhir.nhs.uk/Id/nhs-number","value":"9434765919"}]}`)
	}
	for _, tc := range []struct {
		name, code, display string
		want                map[string]validate.Severity // rule → severity; empty: no issue
	}{
		{"known code", "01", "Number present and verified", nil},
		{"unknown code", "99", "Number present and verified", map[string]validate.Severity{
			validate.RuleCodeSystem: validate.SeverityError,
			"fhir:extension:Extension-CareConnect-NHSNumberVerificationStatus-1:binding": validate.SeverityError,
		}},
		{"wrong display", "01", "Verified", map[string]validate.Severity{validate.RuleDisplay: validate.SeverityWarning}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newValidator(t, validate.Options{})
			res := v.Validate(tc.name+".json", patient(tc.code, tc.display))
			got := map[string]validate.Severity{}
			for _, is := range res.Issues {
				got[is.Rule] = is.Severity
			}
			if len(got) != len(tc.want) {
				t.Errorf("issues %v, want rules %v", res.Issues, tc.want)
			}
			for r, sev := range tc.want {
				if s, ok := got[r]; !ok || s != sev {
					t.Errorf("rule %s: severity %q (present %v), want %s; issues %v", r, s, ok, sev, res.Issues)
				}
			}
			for _, is := range v.UncheckedTerminology() {
				if strings.Contains(is.Message, "NHSNumberVerificationStatus") {
					t.Errorf("reported as not checkable offline: %v", is)
				}
			}
		})
	}
}
