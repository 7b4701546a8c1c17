package structuredef

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

const careConnectPatient = "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"

// patientJSON is a hand-written CareConnect patient: an NHS number with its
// verification status, a local identifier after it (openAtEnd), an ethnic
// category and an NHS communication (a complex extension).
const patientJSON = `{
  "resourceType": "Patient",
  "meta": {"profile": ["https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1"]},
  "extension": [
    {
      "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-EthnicCategory-1",
      "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-EthnicCategory-1", "code": "A", "display": "British, Mixed British"}]}
    },
    {
      "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSCommunication-1",
      "extension": [
        {"url": "language", "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-HumanLanguage-1", "code": "en", "display": "English"}]}},
        {"url": "preferred", "valueBoolean": true}
      ]
    }
  ],
  "identifier": [
    {
      "extension": [{
        "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
        "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1", "code": "01", "display": "Number present and verified"}]}
      }],
      "system": "https://fhir.nhs.uk/Id/nhs-number",
      "value": "9434765919"
    },
    {"system": "https://example.org/local-patient-id", "value": "L123"}
  ],
  "name": [{"use": "official", "family": "Smith", "given": ["Ann"]}],
  "gender": "female",
  "birthDate": "1980-01-01"
}`

func TestCareConnectPatientSlices(t *testing.T) {
	r := nhsRegistry(t)
	if fs := r.Check(parse(t, "p.json", []byte(patientJSON)), nil); len(fs) != 0 {
		t.Errorf("valid patient: want no findings, got")
		dump(t, fs)
	}
	verification := `{
        "url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-NHSNumberVerificationStatus-1",
        "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1", "code": "01", "display": "Number present and verified"}]}
      }`
	cases := []struct {
		name, old, new string
		rule, path     string
		spine          issue.SpineCode
	}{
		{"NHS number without verification status", `"extension": [` + verification + `],`, ``,
			"profile:CareConnect-Patient-1:slice", "Patient.identifier[0].extension", issue.SpineInvalidResource},
		{"NHS number value absent", `"value": "9434765919"`, `"period": {"start": "2000"}`,
			"profile:CareConnect-Patient-1:cardinality", "Patient.identifier[0].value", issue.SpineInvalidResource},
		{"two NHS numbers", `{"system": "https://example.org/local-patient-id", "value": "L123"}`,
			`{"extension": [` + verification + `], "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9000000009"}`,
			"profile:CareConnect-Patient-1:slice", "Patient.identifier[1]", issue.SpineInvalidResource},
		{"local identifier before the NHS number (openAtEnd)", `"identifier": [`, `"identifier": [{"system": "https://example.org/other", "value": "O1"},`,
			"profile:CareConnect-Patient-1:slice", "Patient.identifier[1]", issue.SpineInvalidResource},
		{"verification status code outside its value set", `"code": "01", "display": "Number present and verified"`, `"code": "99"`,
			"profile:Extension-CareConnect-NHSNumberVerificationStatus-1:binding", "Patient.identifier[0].extension[0].valueCodeableConcept", issue.SpineInvalidCodeValue},
		{"verification status from another code system", `"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-NHSNumberVerificationStatus-1"`, `"system": "https://fhir.hl7.org.uk/STU3/CareConnect-NHSNumberVerificationStatus-1"`,
			"profile:Extension-CareConnect-NHSNumberVerificationStatus-1:binding", "Patient.identifier[0].extension[0].valueCodeableConcept", issue.SpineInvalidCodeSystem},
		{"ethnic category of the wrong type", `"valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-EthnicCategory-1", "code": "A", "display": "British, Mixed British"}]}`, `"valueString": "A"`,
			"profile:Extension-CareConnect-EthnicCategory-1:type", "Patient.extension[0].valueString", issue.SpineInvalidResource},
		{"two ethnic categories", `"extension": [
    {`, `"extension": [
    {"url": "https://fhir.hl7.org.uk/STU3/StructureDefinition/Extension-CareConnect-EthnicCategory-1", "valueCodeableConcept": {"text": "x"}},
    {`,
			"profile:CareConnect-Patient-1:slice", "Patient.extension[1]", issue.SpineInvalidResource},
		{"nested extension slice: preferred of the wrong type", `"valueBoolean": true`, `"valueString": "yes"`,
			"profile:Extension-CareConnect-NHSCommunication-1:type", "Patient.extension[1].extension[1].valueString", issue.SpineInvalidResource},
		{"nested extension slice: language absent", `{"url": "language", "valueCodeableConcept": {"coding": [{"system": "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-HumanLanguage-1", "code": "en", "display": "English"}]}},`, ``,
			"profile:Extension-CareConnect-NHSCommunication-1:slice", "Patient.extension[1].extension", issue.SpineInvalidResource},
		{"extension used outside its context", `"name": [{"use": "official",`, `"name": [{"extension": [` + verification + `], "use": "official",`,
			"profile:Extension-CareConnect-NHSNumberVerificationStatus-1:context", "Patient.name[0].extension[0]", issue.SpineInvalidResource},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mutated := strings.Replace(patientJSON, tc.old, tc.new, 1)
			if mutated == patientJSON {
				t.Fatal("mutation did not apply")
			}
			fs := r.Check(parse(t, "p.json", []byte(mutated)), nil)
			got := find(fs, tc.rule, tc.path)
			if len(got) != 1 {
				t.Errorf("want one %s at %s, got:", tc.rule, tc.path)
				dump(t, fs)
				return
			}
			if got[0].Spine != tc.spine || got[0].Line == 0 {
				t.Errorf("got spine %s line %d, want %s and a line", got[0].Spine, got[0].Line, tc.spine)
			}
		})
	}
}
