package validate

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestDecideAgreesWithEvaluator: wherever the prepared decision of an STU3
// constraint (fhirpath.Decision, as the invariant walk runs it) reads it
// straight off an element, the evaluator gives the same truth,
// on every element of the official STU3 examples and the NEMS examples,
// and the shortcut does take most of the evaluations of the NEMS
// examples.
func TestDecideAgreesWithEvaluator(t *testing.T) {
	files := append(sharedtest.Glob(t, "fhir/stu3/examples/*/*"), sharedtest.Glob(t, "corpus/nems-examples/*.xml")...)
	m := schemas.STU3()
	inv := newInvariants(m)
	decided, evaluated, nemsDecided, nemsEvaluated := 0, 0, 0, 0
	dec := fhirpath.NewDecider()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc *tree.Document
		if Sniff(src) == "json" {
			doc, _ = tree.ParseJSON(src, m)
		} else {
			doc, _ = tree.ParseXML(src, m)
		}
		if doc == nil || doc.Root == nil {
			continue
		}
		nems := strings.Contains(f, "nems-examples")
		env := &fhirpath.Env{Resolver: treepath.NewResolver(doc.Root), BaseType: inv.baseType, MaxSteps: treepath.Budget(doc.Root)}
		var walk func(n, resource *tree.Node)
		walk = func(n, resource *tree.Node) {
			if n.Resource && n.Name != "contained" {
				resource = n
			}
			for _, ck := range inv.checkablesFor(n) {
				if ck.absent != nil && ck.absent.applies(n) {
					continue
				}
				truth, ok := dec.Run(ck.decision, treepath.Of(n))
				if t2, ok2 := ck.expr.Decide(treepath.Of(n)); t2 != truth || ok2 != ok {
					t.Errorf("%s %s at %s: Expression.Decide gives %v %v, the prepared decision %v %v", f, ck.c.Key, n.Path(), t2, ok2, truth, ok)
				}
				if nems {
					if ok {
						nemsDecided++
					} else {
						nemsEvaluated++
					}
				}
				if !ok {
					evaluated++
					continue
				}
				decided++
				env.Resource = treepath.Of(resource)
				v, err := ck.expr.Judge(context.Background(), treepath.Of(n), env)
				if err != nil || len(v.Unsupported) > 0 {
					t.Errorf("%s %s at %s: decided %v, the evaluator gives no verdict (%v %v)", f, ck.c.Key, n.Path(), truth, err, v.Unsupported)
				} else if v.Truth != truth {
					t.Errorf("%s %s at %s: decided %v, evaluated %v", f, ck.c.Key, n.Path(), truth, v.Truth)
				}
			}
			for _, c := range n.Children {
				walk(c, resource)
			}
		}
		walk(doc.Root, doc.Root)
	}
	t.Logf("decided %d, evaluated %d; NEMS examples: decided %d, evaluated %d", decided, evaluated, nemsDecided, nemsEvaluated)
	if decided == 0 || nemsDecided < nemsEvaluated {
		t.Errorf("the shortcut decided %d of the NEMS examples' %d evaluations, expected most", nemsDecided, nemsDecided+nemsEvaluated)
	}
}

// TestIsNativeMatchesTable: the switch the walk asks agrees with the table
// of natively checked constraints on every constraint key of the model.
func TestIsNativeMatchesTable(t *testing.T) {
	m := schemas.STU3()
	keys := map[string]bool{"": true, "ele-2": true}
	for k := range nativeInvariants {
		keys[k] = true
	}
	for _, name := range m.TypeNames() {
		for _, c := range m.Type(name).Constraints {
			keys[c.Key] = true
		}
	}
	for k := range keys {
		if _, inTable := nativeInvariants[k]; isNative(k) != inTable {
			t.Errorf("isNative(%q) = %v, the table says %v", k, isNative(k), inTable)
		}
	}
}
