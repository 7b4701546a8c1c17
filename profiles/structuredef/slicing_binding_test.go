package structuredef

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// bindingSliceFiles: Observation.code.coding sliced closed by the value of
// code; slice vital is bound to a value set of a local code system held in
// full, slice sct to a SNOMED CT filter no offline check can expand.
var bindingSliceFiles = map[string]string{
	"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-BoundSlices-1",
  "name": "Test-BoundSlices-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.code.coding", "path": "Observation.code.coding",
     "slicing": {"discriminator": [{"type": "value", "path": "code"}], "rules": "closed"}},
    {"id": "Observation.code.coding:vital", "path": "Observation.code.coding", "sliceName": "vital", "min": 1, "max": "1"},
    {"id": "Observation.code.coding:vital.code", "path": "Observation.code.coding.code",
     "binding": {"strength": "required", "valueSetReference": {"reference": "https://example.org/fhir/ValueSet/vital-1"}}},
    {"id": "Observation.code.coding:sct", "path": "Observation.code.coding", "sliceName": "sct", "min": 0, "max": "1"},
    {"id": "Observation.code.coding:sct.code", "path": "Observation.code.coding.code",
     "binding": {"strength": "required", "valueSetReference": {"reference": "https://example.org/fhir/ValueSet/sct-findings-1"}}}
  ]}
}`,
	"cs.json": `{"resourceType": "CodeSystem", "url": "https://example.org/fhir/CodeSystem/vital-1", "status": "draft", "content": "complete",
  "concept": [{"code": "hr", "display": "Heart rate"}, {"code": "rr", "display": "Respiratory rate"}, {"code": "note", "display": "Note"}]}`,
	"vs.json": `{"resourceType": "ValueSet", "url": "https://example.org/fhir/ValueSet/vital-1", "status": "draft",
  "compose": {"include": [{"system": "https://example.org/fhir/CodeSystem/vital-1", "concept": [{"code": "hr"}, {"code": "rr"}]}]}}`,
	"vs-sct.json": `{"resourceType": "ValueSet", "url": "https://example.org/fhir/ValueSet/sct-findings-1", "status": "draft",
  "compose": {"include": [{"system": "http://snomed.info/sct", "filter": [{"property": "concept", "op": "is-a", "value": "404684003"}]}]}}`,
}

func loadFiles(t *testing.T, files map[string]string) *Registry {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, files)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ws := r.Warnings(); len(ws) != 0 {
		t.Fatalf("load warnings: %v", ws)
	}
	return r
}

func observationWith(codings []string, xml bool) (string, []byte) {
	if xml {
		var b strings.Builder
		b.WriteString(`<Observation xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-BoundSlices-1"/></meta><status value="final"/><code>`)
		for _, c := range codings {
			sys, code, _ := strings.Cut(c, "|")
			b.WriteString(`<coding><system value="` + sys + `"/><code value="` + code + `"/></coding>`)
		}
		b.WriteString(`</code></Observation>`)
		return "o.xml", []byte(b.String())
	}
	var parts []string
	for _, c := range codings {
		sys, code, _ := strings.Cut(c, "|")
		parts = append(parts, `{"system": "`+sys+`", "code": "`+code+`"}`)
	}
	return "o.json", []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-BoundSlices-1"]},
  "status": "final", "code": {"coding": [` + strings.Join(parts, ", ") + `]}}`)
}

func bySeverity(fs []issue.Issue, rule string, sev issue.Severity) []issue.Issue {
	var out []issue.Issue
	for _, f := range fs {
		if f.Rule == rule && f.Severity == sev {
			out = append(out, f)
		}
	}
	return out
}

// A slice defined by a binding takes the codes of its value set; a code
// whose membership cannot be judged offline is a warning naming the slice,
// neither placed in it nor rejected by the closed slicing.
func TestSliceByBinding(t *testing.T) {
	r := loadFiles(t, bindingSliceFiles)
	const rule = "profile:Test-BoundSlices-1:slice"
	const local = "https://example.org/fhir/CodeSystem/vital-1"
	for _, xml := range []bool{false, true} {
		name, src := observationWith([]string{local + "|hr"}, xml)
		if fs := r.Check(parse(t, name, src), nil); len(fs) != 0 {
			t.Errorf("%s: a member of the vital value set: want no findings, got", name)
			dump(t, fs)
		}
		name, src = observationWith([]string{local + "|hr", local + "|rr"}, xml)
		fs := r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || !strings.Contains(got[0].Message, "allows at most 1") {
			t.Errorf("%s: two members of slice vital (max 1): want one error, got", name)
			dump(t, fs)
		}
		name, src = observationWith([]string{local + "|note"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		errs := bySeverity(fs, rule, "error")
		if len(errs) != 1 || !strings.Contains(errs[0].Message, "slice Observation.code.coding:vital") || !strings.Contains(errs[0].Message, "https://example.org/fhir/ValueSet/vital-1") {
			t.Errorf("%s: a code outside the vital value set: want the slice vital missing, got", name)
			dump(t, fs)
		}
		warns := bySeverity(fs, rule, "warning")
		if len(warns) != 1 || !strings.Contains(warns[0].Message, "slice Observation.code.coding:sct") || !strings.Contains(warns[0].Message, "cannot be judged offline") {
			t.Errorf("%s: membership of the SNOMED CT filter slice: want one warning naming sct, got", name)
			dump(t, fs)
		}
		name, src = observationWith([]string{local + "|hr", "http://snomed.info/sct|22298006"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		if len(bySeverity(fs, rule, "error")) != 0 || len(bySeverity(fs, rule, "warning")) != 1 {
			t.Errorf("%s: a SNOMED CT code beside a vital one: want only the not-judged warning, got", name)
			dump(t, fs)
		}
	}
}
