package tree

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Benchmarks report MB/s of input. They read the NEMS examples and one
// large definition bundle from the shared reference data beside the
// repository, and are skipped when it is absent.

func benchShared(b *testing.B) string {
	return filepath.Dir(filepath.Dir(sharedtest.Path(b, "corpus/nems-examples")))
}

// benchInputs returns the NEMS examples that parse cleanly as XML, or the
// large extension-definitions bundle, in both formats. The JSON is written
// by this package from the XML tree.
func benchInputs(b *testing.B, bundle bool) (xmls, jsons [][]byte) {
	dir := benchShared(b)
	var files []string
	if bundle {
		files = []string{filepath.Join(dir, "fhir/stu3/definitions/xml/extension-definitions.xml")}
	} else {
		files, _ = filepath.Glob(filepath.Join(dir, "corpus/nems-examples/*.xml"))
	}
	m := schemas.STU3()
	for _, f := range files {
		x, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		doc, err := ParseXML(x, m)
		if err != nil {
			continue
		}
		j, err := WriteJSON(doc.Root, false)
		if err != nil {
			continue
		}
		xmls = append(xmls, x)
		jsons = append(jsons, j)
	}
	if len(xmls) == 0 {
		b.Skip("no input parses")
	}
	return xmls, jsons
}

func benchParse(b *testing.B, inputs [][]byte, parse func([]byte, *schemas.Model) (*Document, error)) {
	m := schemas.STU3()
	total := 0
	for _, in := range inputs {
		total += len(in)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			if _, err := parse(in, m); err != nil {
				b.Fatal(err)
			}
		}
	}
	reportCPU(b, total, cpu0)
	reportPerMessage(b, len(inputs), cpu0)
}

// reportPerMessage adds "cpu-ns/msg", the CPU time of the whole process
// (collector included) a document, where msgs documents are read an
// iteration.
func reportPerMessage(b *testing.B, msgs int, cpu0 time.Duration) {
	if d := cpuTime() - cpu0; cpu0 > 0 && d > 0 && b.N > 0 && msgs > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N*msgs), "cpu-ns/msg")
	}
}

// reportCPU adds "MB/cpu-s", the input throughput per CPU-second used by
// the whole process since cpu0 (collector included).
func reportCPU(b *testing.B, total int, cpu0 time.Duration) {
	if d := cpuTime() - cpu0; cpu0 > 0 && d > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// pooled turns a reader of pooled trees into one that releases each tree
// as soon as it is read, as the validator does once it is done with it.
func pooled(parse func([]byte, *schemas.Model) (*Document, func(), error)) func([]byte, *schemas.Model) (*Document, error) {
	return func(src []byte, m *schemas.Model) (*Document, error) {
		doc, release, err := parse(src, m)
		release()
		return doc, err
	}
}

func BenchmarkParseXML(b *testing.B) {
	b.Run("nems-examples", func(b *testing.B) {
		xmls, _ := benchInputs(b, false)
		benchParse(b, xmls, ParseXML)
	})
	b.Run("nems-examples-pooled", func(b *testing.B) {
		xmls, _ := benchInputs(b, false)
		benchParse(b, xmls, pooled(ParseXMLPooled))
	})
	b.Run("extension-definitions", func(b *testing.B) {
		xmls, _ := benchInputs(b, true)
		benchParse(b, xmls, ParseXML)
	})
}

func BenchmarkParseJSON(b *testing.B) {
	b.Run("nems-examples", func(b *testing.B) {
		_, jsons := benchInputs(b, false)
		benchParse(b, jsons, ParseJSON)
	})
	b.Run("nems-examples-pooled", func(b *testing.B) {
		_, jsons := benchInputs(b, false)
		benchParse(b, jsons, pooled(ParseJSONPooled))
	})
	b.Run("extension-definitions", func(b *testing.B) {
		_, jsons := benchInputs(b, true)
		benchParse(b, jsons, ParseJSON)
	})
}
