package profiles

import (
	"io/fs"
	"testing"
)

// The built-in packs are loaded without the PackSchema check to keep the
// CLI's start-up short; this holds them to the schema instead.
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
		}
	}
}
