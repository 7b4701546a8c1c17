package schemas_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

func keysOf(cs []*schemas.Constraint) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	slices.Sort(out)
	return out
}

// TestInstanceConstraints: every element defined by contentReference
// that states no rules of its own meets those of the element it refers
// to; one that restates them keeps its own.
func TestInstanceConstraints(t *testing.T) {
	m := schemas.STU3()
	seen := 0
	for _, name := range m.TypeNames() {
		typ := m.Type(name)
		for _, e := range typ.Elements {
			if e.ContentReference == "" {
				continue
			}
			seen++
			target := typ.Element(strings.TrimPrefix(e.ContentReference, "#"))
			if target == nil {
				t.Fatalf("%s: contentReference %s not in %s", e.Path, e.ContentReference, name)
			}
			got := keysOf(e.InstanceConstraints())
			want := keysOf(target.Constraints())
			if own := keysOf(e.Constraints()); len(own) > 0 && !slices.Equal(own, []string{"ele-1"}) {
				want = own
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", e.Path, got, want)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no element defined by contentReference in the model")
	}
	for path, want := range map[string][]string{
		"ValueSet.compose.exclude":         {"ele-1", "vsd-1", "vsd-2", "vsd-3"},
		"TestScript.test.action.operation": {"inv-8"},
		"Patient.contact":                  {"ele-1", "pat-1"},
	} {
		e, err := m.Element(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := keysOf(e.InstanceConstraints()); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}
