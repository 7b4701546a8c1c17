package schemas

import (
	"strings"
	"testing"
)

// BenchmarkLoadSTU3 measures what the first use of the model costs: indexing
// the embedded file and decoding the types a NEMS event message touches.
func BenchmarkLoadSTU3(b *testing.B) {
	types := []string{"Bundle", "MessageHeader", "Patient", "Organization", "Coding", "Extension", "Identifier", "HumanName", "string", "dateTime"}
	for i := 0; i < b.N; i++ {
		m, err := Load(modelSTU3)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range types {
			if m.Type(n) == nil {
				b.Fatal(n)
			}
		}
	}
}

// BenchmarkLoadAllTypes decodes every type of the model, the worst case.
func BenchmarkLoadAllTypes(b *testing.B) {
	for i := 0; i < b.N; i++ {
		m, err := Load(modelSTU3)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range m.TypeNames() {
			m.Type(n)
		}
	}
}

func TestLoadRejectsCorruptModels(t *testing.T) {
	for name, data := range map[string]string{
		"empty":      "",
		"bad header": "{",
		"stray line": "{\"model\":\"x\"}\n{\"other\":1}\n",
		"nameless":   "{\"model\":\"x\"}\n{\"type\":\"\"}\n",
	} {
		if _, err := Load([]byte(data)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// TestLookupsDoNotAllocate checks that a look-up of a decoded entry
// allocates nothing: the phases and the parsers make one per element, and
// the name of what is looked up is joined into a message only when a line
// turns out corrupt (see TestCorruptLineNamesItself).
func TestLookupsDoNotAllocate(t *testing.T) {
	m, term := STU3(), STU3Terminology()
	lookups := map[string]func() bool{
		"Model.Type":             func() bool { return m.Type("ImmunizationRecommendation") != nil },
		"Model.ValueSet":         func() bool { return m.ValueSet("http://hl7.org/fhir/ValueSet/administrative-gender|3.0.2") != nil },
		"Terminology.ValueSet":   func() bool { return term.ValueSet("http://hl7.org/fhir/ValueSet/audit-entity-type") != nil },
		"Terminology.CodeSystem": func() bool { return term.CodeSystem("http://dicom.nema.org/resources/ontology/DCM") != nil },
		"Model.Children (source)": func() bool {
			return len(m.Children(m.Type("Observation").byPath["Observation.value[x]"], "SampledData")) > 0
		},
	}
	for name, f := range lookups {
		if !f() { // decodes the entry, and checks that it is there
			t.Errorf("%s: the entry looked up is missing", name)
			continue
		}
		if n := testing.AllocsPerRun(100, func() { f() }); n != 0 {
			t.Errorf("%s: %v allocations per look-up, want 0", name, n)
		}
	}
}

// TestCorruptLineNamesItself checks the message of a line that does not
// decode: it names the kind of entry and its name or URL.
func TestCorruptLineNamesItself(t *testing.T) {
	m, err := Load([]byte(`{"model":"x","types":1,"valueSets":1}` + "\n" +
		`{"type":"A","kind":"resource","elements":[]}` + "\n" +
		`{"valueSet":"http://x/vs","complete":7}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	term, err := LoadTerminology([]byte(`{"terminology":"x","valueSets":1,"codeSystems":1}` + "\n" +
		`{"valueSet":"http://x/a","complete":7}` + "\n" +
		`{"codeSystem":"http://x/cs","concepts":7}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	for want, f := range map[string]func(){
		"schemas: model type A is corrupt: ":                        func() { m.Type("A") },
		"schemas: model value set http://x/vs is corrupt: ":         func() { m.ValueSet("http://x/vs|1") },
		"schemas: terminology value set http://x/a is corrupt: ":    func() { term.ValueSet("http://x/a") },
		"schemas: terminology code system http://x/cs is corrupt: ": func() { term.CodeSystem("http://x/cs") },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, want) || len(msg) == len(want) {
					t.Errorf("panic %q, want %q and the decoding error", msg, want)
				}
			}()
			f()
		}()
	}
}
