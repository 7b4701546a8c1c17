package structuredef

import (
	"path/filepath"
	"testing"
)

// A profile that binds a core element to a value set the STU3 package
// binds with a weaker strength is judged against the package's expansion
// (schemas.STU3Terminology); a binding that only repeats the base's
// strength and value set is left to package validate, not reported twice.
func TestProfileBindingUsesPackageTerminology(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-BoundPatient-1",
  "name": "Test-BoundPatient-1",
  "status": "draft",
  "kind": "resource",
  "abstract": false,
  "type": "Patient",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "derivation": "constraint",
  "differential": {"element": [
    {"id": "Patient", "path": "Patient"},
    {"id": "Patient.maritalStatus", "path": "Patient.maritalStatus",
     "binding": {"strength": "required", "valueSetReference": {"reference": "http://hl7.org/fhir/ValueSet/marital-status"}}},
    {"id": "Patient.communication.language", "path": "Patient.communication.language",
     "binding": {"strength": "extensible", "valueSetReference": {"reference": "http://hl7.org/fhir/ValueSet/languages"}}}
  ]}
}`})
	r, err := Load(filepath.Join(dir, "sd.json"))
	if err != nil {
		t.Fatal(err)
	}
	const rule = "profile:Test-BoundPatient-1:binding"
	p := `{"resourceType": "Patient", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-BoundPatient-1"]},
  "maritalStatus": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "male"}]},
  "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "xx-YY"}]}}]}`
	fs := r.Check(parse(t, "p.json", []byte(p)), nil)
	if got := find(fs, rule, "Patient.maritalStatus"); len(got) != 1 || got[0].Severity != "error" {
		t.Errorf("required profile binding on marital-status: want one error")
		dump(t, fs)
	}
	if got := find(fs, rule, "Patient.communication[0].language"); len(got) != 0 {
		t.Errorf("a binding repeating the base's is reported by the profile too")
		dump(t, fs)
	}
	ok := `{"resourceType": "Patient", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-BoundPatient-1"]},
  "maritalStatus": {"coding": [{"system": "http://hl7.org/fhir/v3/MaritalStatus", "code": "M"}]}}`
	if fs := r.Check(parse(t, "ok.json", []byte(ok)), nil); len(find(fs, rule, "Patient.maritalStatus")) != 0 {
		t.Error("a member of marital-status is reported")
		dump(t, fs)
	}
}
