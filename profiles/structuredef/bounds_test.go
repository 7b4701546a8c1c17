package structuredef

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

var boundFiles = map[string]string{
	"obs.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-Bounds-1",
  "name": "Test-Bounds-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.effective[x]", "path": "Observation.effective[x]", "type": [{"code": "dateTime"}],
     "minValueDateTime": "2000-01-01"},
    {"id": "Observation.value[x]", "path": "Observation.value[x]", "type": [{"code": "Quantity"}],
     "minValueQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "kg", "unit": "kg"},
     "maxValueQuantity": {"value": 500, "system": "http://unitsofmeasure.org", "code": "kg", "unit": "kg"}}
  ]}
}`,
	"pat.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-BoundsPatient-1",
  "name": "Test-BoundsPatient-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "differential": {"element": [
    {"id": "Patient", "path": "Patient"},
    {"id": "Patient.multipleBirth[x]", "path": "Patient.multipleBirth[x]", "type": [{"code": "integer"}],
     "minValueInteger": 1, "maxValueInteger": 9}
  ]}
}`,
}

func boundObservation(effective, value, comparator, code string, xml bool) (string, []byte) {
	if xml {
		cmp := ""
		if comparator != "" {
			cmp = `<comparator value="` + strings.ReplaceAll(comparator, "<", "&lt;") + `"/>`
		}
		return "o.xml", []byte(`<Observation xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-Bounds-1"/></meta>` +
			`<status value="final"/><code><text value="weight"/></code><effectiveDateTime value="` + effective + `"/>` +
			`<valueQuantity><value value="` + value + `"/>` + cmp + `<system value="http://unitsofmeasure.org"/><code value="` + code + `"/></valueQuantity></Observation>`)
	}
	cmp := ""
	if comparator != "" {
		cmp = `"comparator": "` + comparator + `", `
	}
	return "o.json", []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-Bounds-1"]},
  "status": "final", "code": {"text": "weight"}, "effectiveDateTime": "` + effective + `",
  "valueQuantity": {"value": ` + value + `, ` + cmp + `"system": "http://unitsofmeasure.org", "code": "` + code + `"}}`)
}

// minValue[x] and maxValue[x]: numbers, date-times (by FHIRPath's rules,
// so a coarser precision is not judged) and quantities (through UCUM when
// the units differ).
func TestMinMaxValue(t *testing.T) {
	r := loadFiles(t, boundFiles)
	const minRule, maxRule = "profile:Test-Bounds-1:minValue", "profile:Test-Bounds-1:maxValue"
	cases := []struct {
		name                               string
		effective, value, comparator, code string
		rule                               string
		sev                                issue.Severity // "" for no finding
	}{
		{"inside, other units", "2001-05-05T10:00:00Z", "2000", "", "g", "", ""},
		{"inside", "2000-01-01", "70", "", "kg", "", ""},
		{"weight above the maximum in grams", "2001-05-05", "600000", "", "g", maxRule, "error"},
		{"weight below the minimum", "2001-05-05", "0.5", "", "kg", minRule, "error"},
		{"date before the minimum", "1999-12-31", "70", "", "kg", minRule, "error"},
		{"year only: not judged", "2000", "70", "", "kg", minRule, "warning"},
		// Both limits: neither is compared (the maxValue warning is the other).
		{"units not commensurable", "2001-05-05", "70", "", "cm", minRule, "warning"},
		{"less than a value inside", "2001-05-05", "2", "<", "kg", minRule, "warning"},
		{"less than the minimum", "2001-05-05", "1", "<", "kg", minRule, "error"},
	}
	for _, xml := range []bool{false, true} {
		for _, tc := range cases {
			name, src := boundObservation(tc.effective, tc.value, tc.comparator, tc.code, xml)
			fs := r.Check(parse(t, name, src), nil)
			if tc.rule == "" {
				if len(fs) != 0 {
					t.Errorf("%s %s: want no findings, got", name, tc.name)
					dump(t, fs)
				}
				continue
			}
			want := 1
			if tc.code == "cm" {
				want = 2
			}
			if len(fs) != want || fs[0].Rule != tc.rule || fs[0].Severity != tc.sev || fs[want-1].Severity != tc.sev {
				t.Errorf("%s %s: want one %s %s, got", name, tc.name, tc.sev, tc.rule)
				dump(t, fs)
			}
		}
	}
	for birth, want := range map[string]string{"1": "", "9": "", "0": "profile:Test-BoundsPatient-1:minValue", "10": "profile:Test-BoundsPatient-1:maxValue"} {
		src := `{"resourceType": "Patient", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-BoundsPatient-1"]}, "multipleBirthInteger": ` + birth + `}`
		fs := r.Check(parse(t, "p.json", []byte(src)), nil)
		if want == "" && len(fs) != 0 || want != "" && (len(fs) != 1 || fs[0].Rule != want || fs[0].Path != "Patient.multipleBirthInteger") {
			t.Errorf("multipleBirthInteger %s: want %q, got", birth, want)
			dump(t, fs)
		}
	}
}

// A limit that cannot be read is a load warning, not a silent pass.
func TestMinValueUnreadable(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-BadBound-1",
  "name": "Test-BadBound-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "differential": {"element": [
    {"id": "Patient", "path": "Patient"},
    {"id": "Patient.birthDate", "path": "Patient.birthDate", "minValueDate": "1900-01-01') or true or ('"}
  ]}
}`})
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ws := r.Warnings()
	if len(ws) != 1 || !strings.Contains(ws[0].Error(), "minValueDate of Patient.birthDate is not checked") {
		t.Errorf("want one warning on minValueDate, got %v", ws)
	}
}
