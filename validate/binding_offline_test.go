package validate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestProfileBindingNotJudgedJoinsTheRun: a profile's binding to a value set
// that is not loaded leaves its codes unjudged; that is said once a run with
// the other unchecked terminology, not as an issue of every payload.
func TestProfileBindingNotJudgedJoinsTheRun(t *testing.T) {
	dir := t.TempDir()
	sd := `{"resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-UnloadedBinding-1",
  "name": "Test-UnloadedBinding-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.code", "path": "Observation.code",
     "binding": {"strength": "required", "valueSetReference": {"reference": "https://example.org/fhir/ValueSet/not-loaded"}}}
  ]}}`
	if err := os.WriteFile(filepath.Join(dir, "sd.json"), []byte(sd), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(validate.Options{NoRules: true, IG: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	p := []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-UnloadedBinding-1"]},
  "status": "final", "code": {"coding": [{"system": "https://example.org/a", "code": "x"}]}}`)
	for i := 0; i < 2; i++ {
		res := v.Validate("o.json", p)
		for _, is := range res.Issues {
			if strings.Contains(is.Message, "not-loaded") {
				t.Errorf("said in the result: %v", is)
			}
		}
	}
	var found bool
	for _, is := range v.UncheckedTerminology() {
		if strings.Contains(is.Message, "https://example.org/fhir/ValueSet/not-loaded in 2 payloads not checked") {
			found = true
		}
	}
	if !found {
		t.Errorf("the unjudged value set is not among the run's unchecked terminology: %v", v.UncheckedTerminology())
	}
}
