package schema

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// Benchmarks over the shared corpora; each reports files/s besides ns/op
// (one op is one pass over the whole folder).

func benchFiles(b *testing.B, pattern string, validate func([]byte) []Problem) {
	benchDocs(b, glob(b, pattern), validate)
}

func benchDocs(b *testing.B, files []string, validate func([]byte) []Problem) {
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
	start, cpu := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			validate(d)
		}
	}
	n := float64(b.N * len(docs))
	b.ReportMetric(n/time.Since(start).Seconds(), "files/s")
	// On a shared machine the process's CPU time varies less than the
	// wall time.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/n, "cpu-µs/file")
}

func BenchmarkJSONSchemaSTU3Examples(b *testing.B) {
	benchFiles(b, "fhir/stu3/examples/json/*.json", ValidateJSON)
}

// BenchmarkJSONSchemaNEMSExamples validates the NEMS examples converted to
// JSON ("nemsfhir convert --to json -o DIR"), found in $NEMSFHIR_NEMS_JSON.
func BenchmarkJSONSchemaNEMSExamples(b *testing.B) {
	dir := os.Getenv("NEMSFHIR_NEMS_JSON")
	if dir == "" {
		b.Skip("set NEMSFHIR_NEMS_JSON to a folder of the NEMS examples converted to JSON")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(files)
	if len(files) == 0 {
		b.Skip("no JSON files in " + dir)
	}
	benchDocs(b, files, ValidateJSON)
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
			cpu := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op") }()
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
