package structuredef

import (
	"strings"
	"testing"
)

// TestBindingNotJudgedIsSaid: codes bound to a value set that is not
// loaded, or cannot be expanded offline, are not called right or wrong, but
// the check says so, once a value set, never passing them in silence.
func TestBindingNotJudgedIsSaid(t *testing.T) {
	r := loadFiles(t, map[string]string{"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-UnloadedBinding-1",
  "name": "Test-UnloadedBinding-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.code", "path": "Observation.code",
     "binding": {"strength": "required", "valueSetReference": {"reference": "https://example.org/fhir/ValueSet/not-loaded"}}}
  ]}
}`})
	const vs = "https://example.org/fhir/ValueSet/not-loaded"
	src := []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-UnloadedBinding-1"]},
  "status": "final", "code": {"coding": [{"system": "https://example.org/a", "code": "x"}, {"system": "https://example.org/b", "code": "y"}]}}`)
	fs := r.Check(parse(t, "o.json", src), nil)
	if len(fs) != 1 || fs[0].Severity != "information" {
		dump(t, fs)
		t.Fatalf("want one information finding, got %d", len(fs))
	}
	u, why, ok := UnjudgedBinding(fs[0])
	if !ok || u != vs || !strings.Contains(why, "not loaded") {
		t.Errorf("UnjudgedBinding(%q) = %q, %q, %v", fs[0].Message, u, why, ok)
	}
	placeless := fs[0]
	placeless.Path, placeless.Line, placeless.Column = "", 0, 0
	if _, _, ok := UnjudgedBinding(placeless); !ok {
		t.Error("UnjudgedBinding must read a finding whatever its place")
	}
	other := fs[0]
	other.Rule = "profile:X:binding"
	if _, _, ok := UnjudgedBinding(other); ok {
		t.Error("UnjudgedBinding took a finding of another kind")
	}
}
