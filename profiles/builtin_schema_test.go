package profiles

import (
	"io/fs"
	"reflect"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
)

// The built-in packs are loaded without the PackSchema check and without
// the check of their FHIRPath against the STU3 model, to keep the CLI's
// start-up short; this holds them to both instead.
func TestBuiltinPacksPassPackSchema(t *testing.T) {
	names, err := fs.Glob(embeddedPacks, "packs/*.json")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded packs: %v", err)
	}
	for _, n := range names {
		src, err := embeddedPacks.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		checked, err := ParsePack(n, src)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		trusted, err := parsePack(n, src, false)
		if err != nil {
			t.Fatalf("%s: without the schema check: %v", n, err)
		}
		if len(checked.Rules) != len(trusted.Rules) || checked.Name != trusted.Name {
			t.Errorf("%s: %d rules with the schema check, %d without", n, len(checked.Rules), len(trusted.Rules))
			continue
		}
		// Trusted, the FHIRPath is compiled without the check against the
		// STU3 model, which must pass here and never changes what is
		// compiled.
		for i, a := range checked.Rules {
			b := trusted.Rules[i]
			for _, pair := range [][2]*fhirpath.Expression{{a.ctxExpr, b.ctxExpr}, {a.pathExpr, b.pathExpr}, {a.expr, b.expr}} {
				x, y := pair[0], pair[1]
				if (x == nil) != (y == nil) || x != nil && (x.String() != y.String() || !reflect.DeepEqual(x.Plan(), y.Plan())) {
					t.Errorf("%s %s: compiled differently with the model check and without", n, a.ID)
				}
			}
		}
	}
}
