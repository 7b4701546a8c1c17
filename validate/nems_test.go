package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestNEMSExamples runs the official NEMS examples through every phase, the
// rule packs included: the files MANIFEST.md calls conformant are valid,
// every other current example is invalid. (The findings per file are pinned
// by the rule packs' own corpus test in package profiles.)
func TestNEMSExamples(t *testing.T) {
	dir := requireShared(t, "corpus/nems-examples")
	conformant := map[string]bool{
		"blood-spot-test-outcome-1-delete.xml": true,
		"newborn-hearing-1-delete.xml":         true,
		"nipe-outcome-1-delete.xml":            true,
		"subscription-create-explicit.xml":     true,
		"subscription-create-generic.xml":      true,
	}
	v, err := validate.New(validate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(files) != 31 {
		t.Fatalf("expected the 31 XML files of MANIFEST.md sections 1 and 2, found %d", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		res := v.Validate(f, src)
		name := filepath.Base(f)
		if res.Valid() != conformant[name] {
			t.Errorf("%s: valid = %v, MANIFEST.md says conformant = %v; issues: %v", name, res.Valid(), conformant[name], res.Issues)
		}
	}
}
