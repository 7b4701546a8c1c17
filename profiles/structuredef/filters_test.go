package structuredef

import (
	"testing"
)

const testKinds = "https://example.org/fhir/CodeSystem/kinds-1"

func filterValueSet(name, system, filters string) string {
	return `{"resourceType": "ValueSet", "url": "https://example.org/fhir/ValueSet/` + name + `", "status": "draft",
  "compose": {"include": [{"system": "` + system + `", "filter": [` + filters + `]}]}}`
}

var filterFiles = map[string]string{
	"cs.json": `{"resourceType": "CodeSystem", "url": "` + testKinds + `", "status": "draft", "content": "complete", "hierarchyMeaning": "is-a",
  "concept": [
    {"code": "animal", "concept": [
      {"code": "mammal", "concept": [{"code": "dog"}, {"code": "cat"}]},
      {"code": "bird"}]},
    {"code": "plant"}]}`,
	"grouped.json": `{"resourceType": "CodeSystem", "url": "https://example.org/fhir/CodeSystem/grouped-1", "status": "draft", "content": "complete", "hierarchyMeaning": "grouped-by",
  "concept": [{"code": "g", "concept": [{"code": "x"}]}]}`,
	"isa.json":        filterValueSet("isa", testKinds, `{"property": "concept", "op": "is-a", "value": "mammal"}`),
	"desc.json":       filterValueSet("desc", testKinds, `{"property": "concept", "op": "descendant-of", "value": "mammal"}`),
	"isnota.json":     filterValueSet("isnota", testKinds, `{"property": "concept", "op": "is-not-a", "value": "animal"}`),
	"eq.json":         filterValueSet("eq", testKinds, `{"property": "concept", "op": "=", "value": "bird"}`),
	"regex.json":      filterValueSet("regex", testKinds, `{"property": "code", "op": "regex", "value": "c.*"}`),
	"in.json":         filterValueSet("in", testKinds, `{"property": "concept", "op": "in", "value": "dog, plant"}`),
	"notin.json":      filterValueSet("notin", testKinds, `{"property": "concept", "op": "not-in", "value": "dog,plant"}`),
	"both.json":       filterValueSet("both", testKinds, `{"property": "concept", "op": "is-a", "value": "animal"}, {"property": "code", "op": "regex", "value": ".*i.*"}`),
	"grouped-vs.json": filterValueSet("grouped", "https://example.org/fhir/CodeSystem/grouped-1", `{"property": "concept", "op": "is-a", "value": "g"}`),
	"gender.json":     filterValueSet("gender", "http://hl7.org/fhir/administrative-gender", `{"property": "code", "op": "regex", "value": "f.*"}`),
	"gender-isa.json": filterValueSet("gender-isa", "http://hl7.org/fhir/administrative-gender", `{"property": "concept", "op": "is-a", "value": "female"}`),
	"sct.json":        filterValueSet("sct", "http://snomed.info/sct", `{"property": "concept", "op": "is-a", "value": "404684003"}`),
	"badre.json":      filterValueSet("badre", testKinds, `{"property": "code", "op": "regex", "value": "("}`),
	"prop.json":       filterValueSet("prop", testKinds, `{"property": "status", "op": "=", "value": "active"}`),
	"sd.json": `{
  "resourceType": "StructureDefinition",
  "url": "https://example.org/fhir/StructureDefinition/Test-FilterBinding-1",
  "name": "Test-FilterBinding-1", "status": "draft", "kind": "resource", "abstract": false,
  "type": "Observation", "derivation": "constraint",
  "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Observation",
  "differential": {"element": [
    {"id": "Observation", "path": "Observation"},
    {"id": "Observation.code", "path": "Observation.code",
     "binding": {"strength": "required", "valueSetReference": {"reference": "https://example.org/fhir/ValueSet/isa"}}}
  ]}
}`,
}

// Value sets defined by compose.include.filter are expanded over code
// systems held in full; filters that need a terminology server (or a
// hierarchy the code system does not state as is-a) stay unjudged.
func TestValueSetFilters(t *testing.T) {
	r := loadFiles(t, filterFiles)
	const vs = "https://example.org/fhir/ValueSet/"
	cases := []struct {
		set, system, code string
		in, judged        bool
	}{
		{"isa", testKinds, "mammal", true, true},
		{"isa", testKinds, "cat", true, true},
		{"isa", testKinds, "bird", false, true},
		{"desc", testKinds, "dog", true, true},
		{"desc", testKinds, "mammal", false, true},
		{"isnota", testKinds, "plant", true, true},
		{"isnota", testKinds, "dog", false, true},
		{"eq", testKinds, "bird", true, true},
		{"eq", testKinds, "dog", false, true},
		{"regex", testKinds, "cat", true, true},
		{"regex", testKinds, "dog", false, true},
		{"in", testKinds, "plant", true, true},
		{"in", testKinds, "cat", false, true},
		{"notin", testKinds, "cat", true, true},
		{"notin", testKinds, "dog", false, true},
		{"both", testKinds, "animal", true, true},
		{"both", testKinds, "bird", true, true},
		{"both", testKinds, "dog", false, true},
		{"both", testKinds, "plant", false, true},
		{"gender", "http://hl7.org/fhir/administrative-gender", "female", true, true},
		{"gender", "http://hl7.org/fhir/administrative-gender", "male", false, true},
		{"grouped", "https://example.org/fhir/CodeSystem/grouped-1", "y", false, false},
		{"gender-isa", "http://hl7.org/fhir/administrative-gender", "male", false, false},
		{"sct", "http://snomed.info/sct", "22298006", false, false},
		{"badre", testKinds, "cat", false, false},
		{"prop", testKinds, "cat", false, false},
	}
	for _, tc := range cases {
		in, judged := r.InValueSet(vs+tc.set, tc.system, tc.code)
		if in != tc.in || judged != tc.judged {
			t.Errorf("%s %s|%s: got in=%v judged=%v, want in=%v judged=%v", tc.set, tc.system, tc.code, in, judged, tc.in, tc.judged)
		}
	}
	const rule = "profile:Test-FilterBinding-1:binding"
	obs := func(code string) []byte {
		return []byte(`<Observation xmlns="http://hl7.org/fhir"><meta><profile value="https://example.org/fhir/StructureDefinition/Test-FilterBinding-1"/></meta>` +
			`<status value="final"/><code><coding><system value="` + testKinds + `"/><code value="` + code + `"/></coding></code></Observation>`)
	}
	if fs := r.Check(parse(t, "o.xml", obs("dog")), nil); len(fs) != 0 {
		t.Error("a mammal: want no findings, got")
		dump(t, fs)
	}
	if fs := r.Check(parse(t, "o.xml", obs("plant")), nil); len(find(fs, rule, "Observation.code")) != 1 {
		t.Error("a plant where an is-a mammal value set is bound: want one binding error, got")
		dump(t, fs)
	}
}
