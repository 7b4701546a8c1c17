package schemas_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/extgen"
)

// The committed extension definitions are what the generator derives from
// the STU3 package and the NHS assets, byte for byte.
func TestGeneratorReproducesCommittedExtensions(t *testing.T) {
	pkg := os.Getenv("NEMSFHIR_STU3_PACKAGE")
	if pkg == "" {
		pkg = sharedtest.Path(t, packagePath)
	}
	nhs := sharedtest.Path(t, "fhir/nhs")
	var got bytes.Buffer
	counts, err := extgen.Generate(&got, pkg, nhs, schemas.STU3())
	if err != nil {
		t.Fatal(err)
	}
	want := schemas.STU3Extensions()
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("stu3/extensions.jsonl differs from a fresh generation at line %d (run go generate ./schemas):\n got %.300s\nwant %.300s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("stu3/extensions.jsonl differs from a fresh generation: %d lines vs %d (run go generate ./schemas)", len(gl), len(wl))
	}
	// The package holds 376 core extension definitions
	// (extension-definitions.xml of the spec lists as many).
	if counts[extgen.SourceCore] != 376 {
		t.Errorf("%d core extension definitions, want 376", counts[extgen.SourceCore])
	}
	if counts[extgen.SourceNHS] == 0 || counts[extgen.SourceCareConnect] == 0 {
		t.Errorf("counts %v: want NHS and CareConnect definitions too", counts)
	}
}

// The compact form keeps no narrative or descriptions of the sources.
func TestExtensionsAreCompact(t *testing.T) {
	data := schemas.STU3Extensions()
	for _, banned := range []string{`"text":`, `"description":`, `"definition":`, `"mapping":`, `"xpath":`, `"short":`} {
		if bytes.Contains(data, []byte(banned)) {
			t.Errorf("extension definitions hold %s: only what a check reads is kept", banned)
		}
	}
	lines := bytes.Count(data, []byte("\n"))
	if lines < 500 {
		t.Errorf("only %d lines", lines)
	}
}
