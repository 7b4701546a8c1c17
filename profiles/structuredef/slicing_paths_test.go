package structuredef

import (
	"strings"
	"testing"
)

// Observation.performer sliced by the type of the resource the reference
// resolves to: at most one Practitioner, and at least one.
var resolveSliceFiles = map[string]string{
	"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-ResolveSlices-1",
  "name": "Test-ResolveSlices-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.performer", "path": "Observation.performer",
     "slicing": {"discriminator": [{"type": "type", "path": "resolve()"}], "rules": "open"}},
    {"id": "Observation.performer:practitioner", "path": "Observation.performer", "sliceName": "practitioner", "min": 1, "max": "1",
     "type": [{"code": "Reference", "targetProfile": "http://hl7.org/fhir/StructureDefinition/Practitioner"}]}
  ]}
}`,
}

func observationPerformers(refs []string, xml bool) (string, []byte) {
	contained := []string{"Practitioner|p1", "Practitioner|p2", "Organization|o1"}
	if xml {
		var b strings.Builder
		b.WriteString(`<Observation xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-ResolveSlices-1"/></meta>`)
		for _, c := range contained {
			typ, id, _ := strings.Cut(c, "|")
			b.WriteString(`<contained><` + typ + `><id value="` + id + `"/></` + typ + `></contained>`)
		}
		b.WriteString(`<status value="final"/><code><text value="x"/></code>`)
		for _, r := range refs {
			b.WriteString(`<performer><reference value="` + r + `"/></performer>`)
		}
		b.WriteString(`</Observation>`)
		return "o.xml", []byte(b.String())
	}
	var cs, ps []string
	for _, c := range contained {
		typ, id, _ := strings.Cut(c, "|")
		cs = append(cs, `{"resourceType": "`+typ+`", "id": "`+id+`"}`)
	}
	for _, r := range refs {
		ps = append(ps, `{"reference": "`+r+`"}`)
	}
	return "o.json", []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-ResolveSlices-1"]},
  "contained": [` + strings.Join(cs, ", ") + `], "status": "final", "code": {"text": "x"}, "performer": [` + strings.Join(ps, ", ") + `]}`)
}

// A type discriminator through resolve() places references by the type of
// the resource they resolve to within the payload; one that resolves
// outside it is a warning naming the slice.
func TestSliceByResolvedType(t *testing.T) {
	r := loadFiles(t, resolveSliceFiles)
	const rule = "profile:Test-ResolveSlices-1:slice"
	for _, xml := range []bool{false, true} {
		name, src := observationPerformers([]string{"#o1", "#p1"}, xml)
		if fs := r.Check(parse(t, name, src), nil); len(fs) != 0 {
			t.Errorf("%s: one practitioner and one organization: want no findings, got", name)
			dump(t, fs)
		}
		name, src = observationPerformers([]string{"#p1", "#p2"}, xml)
		fs := r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || got[0].Path != "Observation.performer[1]" {
			t.Errorf("%s: two practitioners (max 1): want one error at performer[1], got", name)
			dump(t, fs)
		}
		name, src = observationPerformers([]string{"#o1"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || !strings.Contains(got[0].Message, "needs at least 1") {
			t.Errorf("%s: no practitioner (min 1): want one error, got", name)
			dump(t, fs)
		}
		name, src = observationPerformers([]string{"Practitioner/elsewhere"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		warns := bySeverity(fs, rule, "warning")
		if len(bySeverity(fs, rule, "error")) != 0 || len(warns) != 2 ||
			!strings.Contains(warns[0].Message+warns[1].Message, "does not resolve within the payload") {
			t.Errorf("%s: a reference outside the payload: want warnings (not judged, slice count unsure), no error, got", name)
			dump(t, fs)
		}
	}
}

// Identifier slices told apart by the value of an extension on them:
// extension('url').value in the discriminator path.
var extensionSliceFiles = map[string]string{
	"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-ExtSlices-1",
  "name": "Test-ExtSlices-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Patient", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient",
  "differential": {"element": [
    {"id": "Patient", "path": "Patient"},
    {"id": "Patient.identifier", "path": "Patient.identifier",
     "slicing": {"discriminator": [{"type": "value", "path": "extension('https://example.org/fhir/StructureDefinition/Ext-IdKind-1').value"}], "rules": "closed"}},
    {"id": "Patient.identifier:national", "path": "Patient.identifier", "sliceName": "national", "min": 1, "max": "1"},
    {"id": "Patient.identifier:national.extension", "path": "Patient.identifier.extension",
     "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "open"}},
    {"id": "Patient.identifier:national.extension:kind", "path": "Patient.identifier.extension", "sliceName": "kind", "min": 1, "max": "1",
     "type": [{"code": "Extension", "profile": "https://example.org/fhir/StructureDefinition/Ext-IdKind-1"}]},
    {"id": "Patient.identifier:national.extension:kind.url", "path": "Patient.identifier.extension.url",
     "fixedUri": "https://example.org/fhir/StructureDefinition/Ext-IdKind-1"},
    {"id": "Patient.identifier:national.extension:kind.valueCode", "path": "Patient.identifier.extension.valueCode", "fixedCode": "national"},
    {"id": "Patient.identifier:national.system", "path": "Patient.identifier.system", "min": 1}
  ]}
}`,
	"ext.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Ext-IdKind-1",
  "name": "Ext-IdKind-1", "status": "draft", "kind": "complex-type", "abstract": false,
  "contextType": "datatype", "context": ["Identifier"],
  "type": "Extension", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
  "differential": {"element": [
    {"id": "Extension", "path": "Extension"},
    {"id": "Extension.url", "path": "Extension.url", "fixedUri": "https://example.org/fhir/StructureDefinition/Ext-IdKind-1"},
    {"id": "Extension.value[x]", "path": "Extension.value[x]", "type": [{"code": "code"}]}
  ]}
}`,
}

func patientIdentifiers(kinds []string, xml bool) (string, []byte) {
	const ext = "https://example.org/fhir/StructureDefinition/Ext-IdKind-1"
	if xml {
		var b strings.Builder
		b.WriteString(`<Patient xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-ExtSlices-1"/></meta>`)
		for _, k := range kinds {
			b.WriteString(`<identifier><extension url="` + ext + `"><valueCode value="` + k + `"/></extension><system value="https://example.org/id/` + k + `"/><value value="1"/></identifier>`)
		}
		b.WriteString(`</Patient>`)
		return "p.xml", []byte(b.String())
	}
	var ids []string
	for _, k := range kinds {
		ids = append(ids, `{"extension": [{"url": "`+ext+`", "valueCode": "`+k+`"}], "system": "https://example.org/id/`+k+`", "value": "1"}`)
	}
	return "p.json", []byte(`{"resourceType": "Patient", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-ExtSlices-1"]},
  "identifier": [` + strings.Join(ids, ", ") + `]}`)
}

// A value discriminator through extension('url').value places identifiers
// by the value of that extension.
func TestSliceByExtensionValue(t *testing.T) {
	r := loadFiles(t, extensionSliceFiles)
	const rule = "profile:Test-ExtSlices-1:slice"
	for _, xml := range []bool{false, true} {
		name, src := patientIdentifiers([]string{"national"}, xml)
		if fs := r.Check(parse(t, name, src), nil); len(fs) != 0 {
			t.Errorf("%s: the national identifier: want no findings, got", name)
			dump(t, fs)
		}
		name, src = patientIdentifiers([]string{"national", "local"}, xml)
		fs := r.Check(parse(t, name, src), nil)
		if got := bySeverity(fs, rule, "error"); len(got) != 1 || got[0].Path != "Patient.identifier[1]" || !strings.Contains(got[0].Message, "sliced closed") {
			t.Errorf("%s: an identifier of another kind (closed): want one error at identifier[1], got", name)
			dump(t, fs)
		}
		name, src = patientIdentifiers([]string{"local"}, xml)
		fs = r.Check(parse(t, name, src), nil)
		if got := find(fs, rule, "Patient.identifier"); len(got) != 1 || !strings.Contains(got[0].Message, "needs at least 1") {
			t.Errorf("%s: no national identifier: want the slice missing, got", name)
			dump(t, fs)
		}
	}
}

// Observation.component sliced by the type ofType() picks from value[x]:
// one component with a Quantity, whatever the others hold.
var ofTypeSliceFiles = map[string]string{
	"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-OfTypeSlices-1",
  "name": "Test-OfTypeSlices-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.component", "path": "Observation.component",
     "slicing": {"discriminator": [{"type": "type", "path": "value.ofType(Quantity)"}], "rules": "open"}},
    {"id": "Observation.component:measured", "path": "Observation.component", "sliceName": "measured", "min": 1, "max": "1"},
    {"id": "Observation.component:measured.value[x]", "path": "Observation.component.value[x]", "min": 1, "type": [{"code": "Quantity"}]}
  ]}
}`,
}

func TestSliceByOfType(t *testing.T) {
	r := loadFiles(t, ofTypeSliceFiles)
	const rule = "profile:Test-OfTypeSlices-1:slice"
	quantity := `{"code": {"text": "q"}, "valueQuantity": {"value": 1, "unit": "mm"}}`
	text := `{"code": {"text": "s"}, "valueString": "high"}`
	obs := func(comps ...string) []byte {
		return []byte(`{"resourceType": "Observation", "meta": {"profile": ["https://example.org/fhir/StructureDefinition/Test-OfTypeSlices-1"]},
  "status": "final", "code": {"text": "x"}, "component": [` + strings.Join(comps, ", ") + `]}`)
	}
	if fs := r.Check(parse(t, "o.json", obs(text, quantity)), nil); len(fs) != 0 {
		t.Error("one Quantity component: want no findings, got")
		dump(t, fs)
	}
	fs := r.Check(parse(t, "o.json", obs(quantity, text, quantity)), nil)
	if got := bySeverity(fs, rule, "error"); len(got) != 1 || got[0].Path != "Observation.component[2]" {
		t.Error("two Quantity components (max 1): want one error at component[2], got")
		dump(t, fs)
	}
	fs = r.Check(parse(t, "o.json", obs(text)), nil)
	if got := bySeverity(fs, rule, "error"); len(got) != 1 || !strings.Contains(got[0].Message, "needs at least 1") {
		t.Error("no Quantity component: want the slice missing, got")
		dump(t, fs)
	}
}
