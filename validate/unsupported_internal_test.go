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

// TestInvariantsEvaluateFully evaluates the invariants over every official
// XML example and fails if any evaluation errs or reaches a function the
// engine cannot evaluate faithfully: such a constraint would silently pass.
func TestInvariantsEvaluateFully(t *testing.T) {
	files := sharedtest.Glob(t, "fhir/stu3/examples/xml/*.xml")
	m := schemas.STU3()
	inv := newInvariants(m)
	evaluated := map[string]int{}
	problems := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := tree.ParseXML(src, m)
		if err != nil {
			continue // the listed wrong examples
		}
		env := &fhirpath.Env{Resolver: treepath.NewResolver(doc.Root), BaseType: inv.baseType}
		doc.Root.Walk(func(n *tree.Node) bool {
			for _, c := range inv.constraintsFor(n) {
				if _, native := nativeInvariants[c.Key]; native {
					continue
				}
				comp := inv.compile(c)
				if comp.err != nil {
					problems[c.Key] = comp.err.Error()
					continue
				}
				r, err := comp.expr.Evaluate(context.Background(), treepath.Of(n), env)
				evaluated[c.Key]++
				if err != nil {
					problems[c.Key] = filepath.Base(f) + ": " + err.Error()
				} else if len(r.Unsupported) > 0 {
					problems[c.Key] = filepath.Base(f) + ": unsupported " + r.Unsupported[0]
				}
			}
			return true
		})
	}
	var keys []string
	for k := range problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s: %s", k, problems[k])
	}
	t.Logf("%d distinct constraints evaluated on the examples, %d evaluations", len(evaluated), sum(evaluated))
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
