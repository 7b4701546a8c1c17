package structuredef

import (
	"strings"
	"testing"
)

// Patient.identifier sliced by system; slice local re-sliced (closed) by
// use: exactly one official local identifier, at most one old one.
const resliceDifferential = `{"element": [
    {"id": "Patient", "path": "Patient"},
    {"id": "Patient.identifier", "path": "Patient.identifier",
     "slicing": {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}},
    {"id": "Patient.identifier:local", "path": "Patient.identifier", "sliceName": "local", "min": 1,
     "slicing": {"discriminator": [{"type": "value", "path": "use"}], "rules": "closed"}},
    {"id": "Patient.identifier:local.system", "path": "Patient.identifier.system", "fixedUri": "https://example.org/id/local"},
    {"id": "Patient.identifier:local/official", "path": "Patient.identifier", "sliceName": "local/official", "min": 1, "max": "1"},
    {"id": "Patient.identifier:local/official.use", "path": "Patient.identifier.use", "fixedCode": "official"},
    {"id": "Patient.identifier:local/official.value", "path": "Patient.identifier.value", "min": 1},
    {"id": "Patient.identifier:local/old", "path": "Patient.identifier", "sliceName": "local/old", "min": 0, "max": "1"},
    {"id": "Patient.identifier:local/old.use", "path": "Patient.identifier.use", "fixedCode": "old"}
  ]}`

func resliceProfile(elements string) map[string]string {
	return map[string]string{"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-Reslice-1",
  "name": "Test-Reslice-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  ` + elements + `
}`}
}

func patientLocalIDs(ids []string, xml bool) (string, []byte) {
	if xml {
		var b strings.Builder
		b.WriteString(`<Patient xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-Reslice-1"/></meta>`)
		for _, id := range ids {
			use, val, _ := strings.Cut(id, "|")
			b.WriteString(`<identifier><use value="` + use + `"/><system value="https://example.org/id/local"/>`)
			if val != "" {
				b.WriteString(`<value value="` + val + `"/>`)
			}
			b.WriteString(`</identifier>`)
		}
		b.WriteString(`</Patient>`)
		return "p.xml", []byte(b.String())
	}
	var parts []string
	for _, id := range ids {
		use, val, _ := strings.Cut(id, "|")
		v := ""
		if val != "" {
			v = `, "value": "` + val + `"`
		}
		parts = append(parts, `{"use": "`+use+`", "system": "https://example.org/id/local"`+v+`}`)
	}
	return "p.json", []byte(`{"resourceType": "Patient", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-Reslice-1"]},
  "identifier": [` + strings.Join(parts, ", ") + `]}`)
}

// Re-slices (slice names "local/official") count and check the members of
// the slice they re-slice, under its own slicing rules.
func TestReslicing(t *testing.T) {
	r := loadFiles(t, resliceProfile(`"differential": `+resliceDifferential))
	const rule = "profile:Test-Reslice-1:slice"
	for _, xml := range []bool{false, true} {
		name, src := patientLocalIDs([]string{"official|1", "old|2"}, xml)
		if fs := r.Check(parse(t, name, src), nil); len(fs) != 0 {
			t.Errorf("%s: one official and one old local identifier: want no findings, got", name)
			dump(t, fs)
		}
		name, src = patientLocalIDs([]string{"old|2"}, xml)
		fs := r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || !strings.Contains(got[0].Message, "slice Patient.identifier:local/official") {
			t.Errorf("%s: no official local identifier: want re-slice local/official missing, got", name)
			dump(t, fs)
		}
		name, src = patientLocalIDs([]string{"official|1", "temp|3"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || got[0].Path != "Patient.identifier[1]" || !strings.Contains(got[0].Message, "sliced closed") {
			t.Errorf("%s: a temp local identifier (re-slicing closed): want one error at identifier[1], got", name)
			dump(t, fs)
		}
		name, src = patientLocalIDs([]string{"official"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		if got := find(fs, "profile:Test-Reslice-1:cardinality", "Patient.identifier[0].value"); len(got) != 1 {
			t.Errorf("%s: official local identifier without value: want the re-slice's own cardinality, got", name)
			dump(t, fs)
		}
	}
}
