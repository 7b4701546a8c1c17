package schema

import (
	"testing"
	"time"
)

// Benchmarks over the shared corpora; each reports files/s besides ns/op
// (one op is one pass over the whole folder).

func benchFiles(b *testing.B, pattern string, validate func([]byte) []Problem) {
	files := glob(b, pattern)
	docs := make([][]byte, len(files))
	size := 0
	for i, f := range files {
		docs[i] = mustRead(b, f)
		size += len(docs[i])
	}
	if err := Compile(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			validate(d)
		}
	}
	b.ReportMetric(float64(b.N*len(docs))/time.Since(start).Seconds(), "files/s")
}

func BenchmarkXSDNEMSExamples(b *testing.B) {
	benchFiles(b, "corpus/nems-examples/*.xml", ValidateXML)
}

func BenchmarkXSDSTU3Examples(b *testing.B) {
	benchFiles(b, "fhir/stu3/examples/xml/*.xml", ValidateXML)
}

func BenchmarkJSONSchemaSTU3Examples(b *testing.B) {
	benchFiles(b, "fhir/stu3/examples/json/*.json", ValidateJSON)
}

// The official XSD on the NEMS examples, for comparison.
func BenchmarkOfficialXSDNEMSExamples(b *testing.B) {
	benchFiles(b, "corpus/nems-examples/*.xml", func(d []byte) []Problem {
		officialProblems(b, d)
		return nil
	})
}

// What Compile costs, once per process.
func BenchmarkCompileXSD(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := compileXSD()
		if err != nil {
			b.Fatal(err)
		}
		s.Free()
	}
}

// What the JSON Schema costs to compile in a fresh process: the shared
// document alone, then with the resource types a Subscription and a NEMS
// event message (a birth notification) need.
func BenchmarkCompileJSONSchema(b *testing.B) {
	for _, tc := range []struct {
		name  string
		types []string
	}{
		{"shared", nil},
		{"Subscription", []string{"Subscription"}},
		{"NEMSBirthNotification", []string{"Bundle", "MessageHeader", "HealthcareService", "Organization", "Patient", "RelatedPerson", "Encounter", "Practitioner", "Observation"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				js := newJSONSchemas()
				if _, err := js.rootSchema(); err != nil {
					b.Fatal(err)
				}
				for _, r := range tc.types {
					if s, err := js.resourceSchema(r); s == nil || err != nil {
						b.Fatal(r, err)
					}
				}
			}
		})
	}
}

// Every resource type, as a test run compiling everything would.
func BenchmarkCompileJSONSchemaAll(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if err := newJSONSchemas().compileAll(); err != nil {
			b.Fatal(err)
		}
	}
}
