package structuredef

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConstraintPathsThatCannotExist: a profile constraint whose FHIRPath
// names an element the STU3 model does not have where the constraint runs
// (name.given1 on Patient, given1 on Patient.name, nmae on Patient.contact)
// is not checked and says so in a load warning naming the file, the
// constraint and the name; constraints whose paths exist load without a
// warning and are checked.
func TestConstraintPathsThatCannotExist(t *testing.T) {
	dir := t.TempDir()
	sd := strings.Replace(diffSD("https://example.org/sd/S", "http://hl7.org/fhir/StructureDefinition/Patient"),
		`"differential": {"element": [{"path": "Patient.gender", "min": 1}]}`,
		`"differential": {"element": [
    {"path": "Patient", "constraint": [
      {"key": "s-1", "severity": "error", "human": "typo", "expression": "name.given1.exists()"},
      {"key": "s-2", "severity": "error", "human": "a given name", "expression": "name.given.exists()"}]},
    {"path": "Patient.name", "constraint": [
      {"key": "s-3", "severity": "error", "human": "typo", "expression": "given1.exists()"},
      {"key": "s-4", "severity": "error", "human": "a family name", "expression": "family.exists()"}]},
    {"path": "Patient.contact", "constraint": [
      {"key": "s-5", "severity": "error", "human": "typo", "expression": "nmae.exists()"}]}
  ]}`, 1)
	writeFiles(t, dir, map[string]string{"s.json": sd})
	r, err := Load(dir)
	if err != nil {
		t.Fatalf("a profile with constraints that cannot be checked still loads: %v", err)
	}
	p := r.Profile("https://example.org/sd/S")
	if p == nil {
		t.Fatal("profile not loaded")
	}
	var all []string
	for _, w := range r.Warnings() {
		if w.File != filepath.Join(dir, "s.json") {
			t.Errorf("warning without its file: %v", w)
		}
		all = append(all, w.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{
		"constraint s-1 on Patient is not checked: its FHIRPath names what the STU3 model does not have",
		"constraint s-3 on Patient.name is not checked",
		"constraint s-5 on Patient.contact is not checked",
		"'given1'", "'nmae'", "an element of HumanName", "an element of Patient.contact",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no warning with %q in:\n%s", want, text)
		}
	}
	for _, clean := range []string{"s-2", "s-4"} {
		if strings.Contains(text, "constraint "+clean+" ") {
			t.Errorf("constraint %s has a path that exists, yet is warned about:\n%s", clean, text)
		}
	}
	if len(all) != 3 {
		t.Errorf("want 3 warnings, got %d:\n%s", len(all), text)
	}
	// The constraints that remain are checked: a name without a given or a
	// family name breaks s-2 and s-4, and nothing is said of the others.
	root := parse(t, "p.json", []byte(`{"resourceType": "Patient", "gender": "male", "name": [{"text": "x"}]}`))
	got := map[string]bool{}
	for _, f := range r.CheckProfile(root, p) {
		for _, key := range []string{"s-1", "s-2", "s-3", "s-4", "s-5"} {
			if strings.Contains(f.Rule, key) || strings.Contains(f.Message, key) {
				got[key] = true
			}
		}
	}
	if !got["s-2"] || !got["s-4"] || got["s-1"] || got["s-3"] || got["s-5"] {
		t.Errorf("findings by constraint: %v; want s-2 and s-4 only", got)
	}
}
