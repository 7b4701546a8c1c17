package schemas

import "testing"

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
