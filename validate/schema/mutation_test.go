package schema

import (
	"path/filepath"
	"strings"
	"testing"
)

// mutation is one deliberate defect: the first occurrence of from in an
// example is replaced by to.
type mutation struct {
	file, name, from, to string
}

func applyMutation(t *testing.T, doc string, m mutation) string {
	t.Helper()
	if !strings.Contains(doc, m.from) {
		t.Fatalf("%s: %q not found: the example changed, update the mutation", m.file, m.from)
	}
	out := strings.Replace(doc, m.from, m.to, 1)
	if m.name == "wrong order" {
		const after = `<effectiveDateTime value="2016-03-28"/>`
		if !strings.Contains(out, after) {
			t.Fatalf("%s: %q not found", m.file, after)
		}
		out = strings.Replace(out, after, after+m.from, 1)
	}
	return out
}

// jsonMutations are defects the generated JSON Schema must reject, with
// the location of the first problem it must report.
var jsonMutations = []struct {
	mutation
	location string
}{
	{mutation{"fhir/stu3/examples/json/observation-example.json", "unknown property",
		`"status": "final",`, `"status": "final", "colour": "red",`}, "/colour"},
	{mutation{"fhir/stu3/examples/json/observation-example.json", "missing required element (Observation.status)",
		`"status": "final",`, ``}, ""},
	{mutation{"fhir/stu3/examples/json/observation-example.json", "bad dateTime",
		`"effectiveDateTime": "2016-03-28"`, `"effectiveDateTime": "2016-03-28T25:00:00Z"`}, "/effectiveDateTime"},
	{mutation{"fhir/stu3/examples/json/observation-example.json", "array for a single element",
		`"effectiveDateTime": "2016-03-28"`, `"effectiveDateTime": ["2016-03-28"]`}, "/effectiveDateTime"},
	{mutation{"fhir/stu3/examples/json/observation-example.json", "choice given twice",
		`"effectiveDateTime": "2016-03-28"`, `"effectiveDateTime": "2016-03-28", "effectivePeriod": {"start": "2016-03-28"}`}, ""},
	{mutation{"fhir/stu3/examples/json/observation-example.json", "empty string",
		`"status": "final",`, `"status": "",`}, "/status"},
	{mutation{"fhir/stu3/examples/json/patient-example.json", "unknown resourceType",
		`"resourceType": "Patient"`, `"resourceType": "Patinet"`}, "/resourceType"},
	{mutation{"fhir/stu3/examples/json/patient-example.json", "number for a string",
		`"birthDate": "1974-12-25"`, `"birthDate": 19741225`}, "/birthDate"},
	{mutation{"fhir/stu3/examples/json/subscription-example.json", "code outside its required value set",
		`"type": "rest-hook"`, `"type": "ftp"`}, "/channel/type"},
	{mutation{"fhir/stu3/examples/json/bundle-example.json", "unknown property inside an entry's resource",
		`"intent": "order",`, `"intent": "order", "colour": "red",`}, "/entry/0/resource/colour"},
}

func TestJSONMutationsRejected(t *testing.T) {
	dir := sharedDir(t)
	for _, m := range jsonMutations {
		t.Run(filepath.Base(m.file)+"/"+m.name, func(t *testing.T) {
			doc := string(mustRead(t, filepath.Join(dir, m.file)))
			if ps := ValidateJSON([]byte(doc)); ps != nil {
				t.Fatalf("the unmutated example is rejected: %v", ps)
			}
			ps := ValidateJSON([]byte(applyMutation(t, doc, m.mutation)))
			if ps == nil {
				t.Fatalf("the mutation is accepted")
			}
			for _, p := range ps {
				t.Log(p)
			}
			if ps[0].Location != m.location {
				t.Errorf("first problem at %q, want %q", ps[0].Location, m.location)
			}
			if ps[0].Line == 0 {
				t.Errorf("first problem has no line")
			}
		})
	}
}

// A required primitive may be given by its extensions alone ("_status").
func TestJSONRequiredPrimitiveByExtensionOnly(t *testing.T) {
	dir := sharedDir(t)
	doc := string(mustRead(t, filepath.Join(dir, "fhir/stu3/examples/json/observation-example.json")))
	m := mutation{"observation-example.json", "status by extension",
		`"status": "final",`,
		`"_status": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]},`}
	if ps := ValidateJSON([]byte(applyMutation(t, doc, m))); ps != nil {
		t.Errorf("rejected: %v", ps)
	}
}
