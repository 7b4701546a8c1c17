package validate_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate"
)

// BenchmarkSchemaAudit shows what the schema audit (Options.Schema) adds
// to a validation: each corpus is validated with the default options and
// with Schema, and the difference of the µs/msg figures is the audit's
// cost. The corpora are the NEMS examples (XML), and, when the variables
// name them, a folder of generated messages ($NEMSFHIR_GEN_DIR, written by
// "go run ./corpus/gen -o DIR") and of the NEMS examples converted to JSON
// ($NEMSFHIR_NEMS_JSON). The XML audit needs -tags libxml2.
func BenchmarkSchemaAudit(b *testing.B) {
	corpora := []struct{ name, dir, ext string }{
		{"nems-xml", "", ".xml"},
		{"gen-xml", os.Getenv("NEMSFHIR_GEN_DIR"), ".xml"},
		{"gen-json", os.Getenv("NEMSFHIR_GEN_DIR"), ".json"},
		{"nems-json", os.Getenv("NEMSFHIR_NEMS_JSON"), ".json"},
	}
	now := func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }
	for _, c := range corpora {
		var files []string
		if c.dir == "" && c.name == "nems-xml" {
			files = sharedtest.Glob(b, "corpus/nems-examples/*.xml")
		} else if c.dir != "" {
			filepath.WalkDir(c.dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && filepath.Ext(p) == c.ext {
					files = append(files, p)
				}
				return nil
			})
			sort.Strings(files)
		}
		if len(files) == 0 {
			continue
		}
		var payloads [][]byte
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			payloads = append(payloads, src)
		}
		for _, mode := range []string{"default", "schema"} {
			v, err := validate.New(validate.Options{Now: now, Schema: mode == "schema"})
			if err != nil {
				b.Fatal(err)
			}
			for _, p := range payloads { // compile and load what the corpus needs
				v.Validate("", p)
			}
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for i := 0; i < b.N; i++ {
					v.Validate("", payloads[i%len(payloads)])
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/msg")
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
			})
		}
	}
}
