package profiles

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite packs_go.go from profiles/packs/*.json")

// TestPacksGoIsCurrent holds packs_go.go to the JSON packs: the file must be
// what go generate writes from them today (run `go generate ./profiles`
// after editing a pack), and its literal must give back, field for field,
// what decoding the JSON gives.
func TestPacksGoIsCurrent(t *testing.T) {
	want, err := packsGoSource()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("packs_go.go", want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote packs_go.go; build again to use it")
		return
	}
	got, err := os.ReadFile("packs_go.go")
	if err != nil {
		t.Fatalf("%v: run go generate ./profiles", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("packs_go.go is not what the JSON packs give: run go generate ./profiles")
	}
	if packsGo == nil {
		t.Fatal("packs_go.go is not built in")
	}
	names, err := embeddedPackNames()
	if err != nil {
		t.Fatal(err)
	}
	literal := packsGo()
	if len(literal) != len(names) {
		t.Fatalf("%d packs in packs_go.go, %d JSON packs", len(literal), len(names))
	}
	for i, n := range names {
		src, err := embeddedPacks.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		decoded, err := decodePack("profiles/"+n, src)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(literal[i], decoded) {
			t.Errorf("%s: packs_go.go gives another pack than the JSON decodes to", n)
		}
	}
}

// TestDefaultFromPacksGo: the default rule set built from packs_go.go is the
// one the JSON gives.
func TestDefaultFromPacksGo(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := embeddedPackNames()
	var packs []*Pack
	for _, n := range names {
		src, _ := embeddedPacks.ReadFile(n)
		p, err := parsePack("profiles/"+n, src, false)
		if err != nil {
			t.Fatal(err)
		}
		packs = append(packs, p)
	}
	fromJSON, err := NewRuleSet(packs...)
	if err != nil {
		t.Fatal(err)
	}
	a, b := def.Rules(), fromJSON.Rules()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d rules from packs_go.go, %d from the JSON", len(a), len(b))
	}
	for i := range a {
		x, y := *a[i], *b[i]
		for _, e := range [][2]string{{x.Context, y.Context}, {x.Check.Path, y.Check.Path}} {
			if e[0] != e[1] {
				t.Errorf("rule %d: %q, from the JSON %q", i, e[0], e[1])
			}
		}
		if x.ID != y.ID || x.Line != y.Line || x.File != y.File || x.Pack != y.Pack || !reflect.DeepEqual(x.AppliesTo, y.AppliesTo) ||
			(x.ctxExpr == nil) != (y.ctxExpr == nil) || (x.expr == nil) != (y.expr == nil) || (x.re == nil) != (y.re == nil) ||
			!reflect.DeepEqual(x.params, y.params) || x.builtin != y.builtin {
			t.Errorf("rule %s differs from the JSON's %s", x.ID, y.ID)
		}
	}
	if !reflect.DeepEqual(def.Packs(), fromJSON.Packs()) {
		t.Errorf("packs %v, from the JSON %v", def.Packs(), fromJSON.Packs())
	}
}
