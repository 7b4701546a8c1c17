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

func BenchmarkCompileJSONSchema(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := compileJSONSchema(); err != nil {
			b.Fatal(err)
		}
	}
}
