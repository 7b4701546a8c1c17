package profiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

var fuzzPackDoc *tree.Document

// FuzzParsePack feeds ParsePack arbitrary bytes, seeded with the built-in
// packs and the test packs: it must not panic, and a failure must be a
// LoadErrors whose every entry names the file and says what is wrong (or,
// for a broken pack schema, a plain error, which cannot happen here).
func FuzzParsePack(f *testing.F) {
	names, _ := fs.Glob(embeddedPacks, "packs/*.json")
	for _, n := range names {
		if b, err := embeddedPacks.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	more, _ := filepath.Glob("testdata/packs/*.json")
	for _, n := range more {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"pack":"p","rules":[{"id":"x","severity":"error","check":{"fhirpath":"Bundle.entry.count() > ("}}]}`))
	f.Add([]byte(`{"pack":"p","rules":[],"disable":["a","a"]}`))
	f.Add([]byte(`{"pack":"p","rules":[{"id":"x","check":{"regex":"(("}}]} trailing`))
	if b, err := os.ReadFile("../corpus/examples/subscription-explicit.xml"); err == nil {
		fuzzPackDoc, _ = tree.ParseXML(b, schemas.STU3())
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := ParsePack("fuzz.json", src)
		if err == nil {
			if p == nil {
				t.Fatal("nil pack and nil error")
			}
			// What loads must combine with the built-in rules without a
			// panic (overrides and duplicates may still be refused).
			// Rules that load are run over a real message, so that what
			// they compile to is exercised too.
			if def, derr := Default(); derr == nil {
				if rs, werr := def.With(p); werr == nil && fuzzPackDoc != nil {
					_ = rs.Check(fuzzPackDoc.Root, Input{})
				}
			}
			return
		}
		var le LoadErrors
		if !errors.As(err, &le) || len(le) == 0 {
			t.Fatalf("error %T %v is not LoadErrors", err, err)
		}
		for _, e := range le {
			if e.File != "fuzz.json" || e.Msg == "" || e.Line < 0 || e.Column < 0 {
				t.Fatalf("incomplete load error %+v", e)
			}
		}
	})
}
