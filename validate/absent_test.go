package validate

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

func TestVerdictWhenAbsent(t *testing.T) {
	cases := []struct {
		expr  string
		names []string // nil: no verdict
		truth fhirpath.Truth
	}{
		{"contained.text.empty()", []string{"contained"}, fhirpath.True},
		// "or" stops at the first true operand, so only start is asked for.
		{"start.empty() or end.empty() or (start <= end)", []string{"start"}, fhirpath.True},
		{"end.exists() implies start.exists()", []string{"end"}, fhirpath.True},
		{"(identifier.count() + name.count()) > 0", []string{"identifier", "name"}, fhirpath.False},
		{"contained.where(('#'+id in %resource.descendants().reference).not()).empty()", []string{"contained"}, fhirpath.True},
		// Each of these asks more than which children are missing.
		{"%resource.id.exists()", nil, 0},
		{"hasValue() or children().exists()", nil, 0},
		{"$this.is(Quantity)", nil, 0},
		{"reference.resolve().exists()", []string{"reference"}, fhirpath.False}, // never reaches resolve()
		{"'Patient/1'.resolve().exists()", nil, 0},
		{"descendants().empty()", nil, 0},
		{"birthDate <= today()", nil, 0},
		// The clock is found in the compiled expression, however the
		// source is spaced, and timeOfDay() reads it as now() does.
		{"start.empty() or start <= now ()", nil, 0},
		{"start.empty() or start <= now\t(  )", nil, 0},
		{"start.empty() or start < timeOfDay()", nil, 0},
		{"code.empty() or code.memberOf('http://example.org/vs')", nil, 0},
	}
	for _, c := range cases {
		e, err := fhirpath.Compile(c.expr)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		v := verdictWhenAbsent(e)
		switch {
		case c.names == nil && v != nil:
			t.Errorf("%s: verdict %v on %v, want none", c.expr, v.truth, v.names)
		case c.names != nil && v == nil:
			t.Errorf("%s: no verdict, want %v on %v", c.expr, c.truth, c.names)
		case c.names != nil && (v.truth != c.truth || !equalNames(v.names, c.names)):
			t.Errorf("%s: verdict %v on %v, want %v on %v", c.expr, v.truth, v.names, c.truth, c.names)
		}
	}
}

func equalNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAbsentVerdictsAgree checks the shortcut against full evaluation on
// every element of the official examples and NEMS examples where it
// applies: the verdict must be what evaluating the constraint gives.
func TestAbsentVerdictsAgree(t *testing.T) {
	files := sharedtest.Glob(t, "fhir/stu3/examples/xml/*.xml")
	files = append(files, sharedtest.Optional("corpus/nems-examples/*.xml")...)
	m := schemas.STU3()
	inv := newInvariants(m)
	used := map[string]int{}
	compared := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := tree.ParseXML(src, m)
		if doc == nil || doc.Root == nil {
			continue
		}
		env := &fhirpath.Env{Resolver: treepath.NewResolver(doc.Root), BaseType: inv.baseType, MaxSteps: treepath.Budget(doc.Root)}
		var walk func(n, resource *tree.Node)
		walk = func(n, resource *tree.Node) {
			if n.Resource && n.Name != "contained" {
				resource = n
			}
			for _, ck := range inv.checkablesFor(n) {
				if ck.absent == nil || !ck.absent.applies(n) {
					continue
				}
				env.Resource = treepath.Of(resource)
				r, err := ck.expr.Evaluate(context.Background(), treepath.Of(n), env)
				if err != nil || len(r.Unsupported) > 0 {
					t.Errorf("%s: %s at %s: the verdict stands in for an evaluation that fails", filepath.Base(f), ck.c.Key, n.Path())
					continue
				}
				compared++
				used[ck.c.Key]++
				if r.Truth() != ck.absent.truth {
					t.Errorf("%s: %s at %s: evaluates to %v, verdict says %v", filepath.Base(f), ck.c.Key, n.Path(), r.Truth(), ck.absent.truth)
				}
			}
			for _, c := range n.Children {
				walk(c, resource)
			}
		}
		walk(doc.Root, doc.Root)
	}
	if compared < 1000 {
		t.Fatalf("only %d verdicts compared; the shortcut hardly ever applies", compared)
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%d verdicts compared with full evaluation, %d constraints: %v", compared, len(keys), keys)
}
