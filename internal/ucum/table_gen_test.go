package ucum_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/ucum/gen/essencegen"
)

// The committed table is what the generator makes from the essence file,
// byte for byte (run go generate ./internal/ucum after a new edition).
func TestGeneratorReproducesCommittedTable(t *testing.T) {
	path := sharedtest.Path(t, "fhir/ucum/ucum-essence.xml")
	gen := func() []byte {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		e, err := essencegen.Read(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var b bytes.Buffer
		if err := essencegen.Write(&b, e, filepath.Base(path)); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	got, again := gen(), gen()
	if !bytes.Equal(got, again) {
		t.Fatal("two generations differ")
	}
	want, err := os.ReadFile("essence.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("essence.tsv differs from a fresh generation at line %d (run go generate ./internal/ucum):\n got %.200s\nwant %.200s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("essence.tsv differs from a fresh generation: %d lines vs %d (run go generate ./internal/ucum)", len(gl), len(wl))
	}
}

// The generator refuses what is not an essence file, naming the problem.
func TestGeneratorRefusesBadInput(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not xml", "hello", "EOF"},
		{"no version", `<root xmlns="http://unitsofmeasure.org/ucum-essence"></root>`, "no version"},
		{"empty", `<root version="2.2"></root>`, "not a UCUM essence file"},
		{"bad value", `<root version="2.2"><prefix Code="k"><name>kilo</name><value value="ten"/></prefix></root>`, `value "ten" is not a decimal`},
		{"special without function", `<root version="2.2"><unit Code="Cel" isSpecial="yes"><name>c</name><value Unit="cel(1 K)"/></unit></root>`, "has no function"},
		{"tab in a field", "<root version=\"2.2\"><base-unit Code=\"m\tx\" dim=\"L\"/></root>", "tab"},
	} {
		_, err := essencegen.Read(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
