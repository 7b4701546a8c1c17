package transform

import (
	"os"
	"path/filepath"
	"testing"
)

// Benchmarks report MB/s of input. They read ../shared and are skipped
// when it is absent.

// nemsInputs returns the NEMS example XML files that convert cleanly, and
// their JSON forms.
func nemsInputs(b *testing.B) (xmls, jsons [][]byte) {
	dir := filepath.Join(sharedDir(b), "corpus/nems-examples")
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".xml" {
			files = append(files, p)
		}
		return err
	})
	for _, f := range files {
		x, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		j, _, err := XMLToJSON(x, Options{})
		if err != nil {
			continue
		}
		xmls = append(xmls, x)
		jsons = append(jsons, j)
	}
	if len(xmls) == 0 {
		b.Skip("no NEMS examples convert")
	}
	return xmls, jsons
}

func bundleInputs(b *testing.B) (x, j []byte) {
	x, err := os.ReadFile(filepath.Join(sharedDir(b), "fhir/stu3/definitions/xml/extension-definitions.xml"))
	if err != nil {
		b.Skip("definition bundle absent: ", err)
	}
	j, _, err = XMLToJSON(x, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return x, j
}

func benchAll(b *testing.B, inputs [][]byte, conv func([]byte, Options) ([]byte, *Report, error)) {
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
			if _, _, err := conv(in, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Input throughput per CPU-second of the whole process (collector
	// included), steadier than wall time on a shared machine.
	if d := cpuTime() - cpu0; cpu0 > 0 && d > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

func BenchmarkXMLToJSON(b *testing.B) {
	b.Run("nems-examples", func(b *testing.B) {
		xmls, _ := nemsInputs(b)
		benchAll(b, xmls, XMLToJSON)
	})
	b.Run("extension-definitions", func(b *testing.B) {
		x, _ := bundleInputs(b)
		benchAll(b, [][]byte{x}, XMLToJSON)
	})
}

func BenchmarkJSONToXML(b *testing.B) {
	b.Run("nems-examples", func(b *testing.B) {
		_, jsons := nemsInputs(b)
		benchAll(b, jsons, JSONToXML)
	})
	b.Run("extension-definitions", func(b *testing.B) {
		_, j := bundleInputs(b)
		benchAll(b, [][]byte{j}, JSONToXML)
	})
}
