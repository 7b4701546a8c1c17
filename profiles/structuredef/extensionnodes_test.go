package structuredef

import (
	"context"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestCheckExtensionNodesAsWalk: given the tree's extensions in walk
// order, checkExtensionNodes finds what checkExtensions finds walking the
// tree, on the NEMS examples, with the built-in definitions.
func TestCheckExtensionNodesAsWalk(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files := sharedtest.Glob(t, "corpus/nems-examples/*.xml")
	compared := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := tree.ParseXML(src, schemas.STU3())
		if doc == nil || doc.Root == nil {
			continue
		}
		var exts []*tree.Node
		doc.Root.Walk(func(n *tree.Node) bool {
			if n.Type == "Extension" {
				exts = append(exts, n)
			}
			return true
		})
		walked := reg.checkExtensions(context.Background(), doc.Root, nil)
		listed := reg.checkExtensionNodes(context.Background(), doc.Root, exts, nil)
		if !reflect.DeepEqual(walked, listed) {
			t.Errorf("%s: walking finds %v, the list %v", f, walked, listed)
		}
		if len(exts) > 0 {
			compared++
		}
	}
	if compared == 0 {
		t.Error("no NEMS example has an extension: nothing compared")
	}
}

// TestUnknownURLsNotKept: asking the built-in registry for URLs it has no
// definition of keeps nothing, so that a server fed payloads with ever new
// extension URLs does not grow.
func TestUnknownURLsNotKept(t *testing.T) {
	reg, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "http://example.org/fhir/StructureDefinition/never-defined-"
	for i := range 50 {
		if p := reg.Profile(prefix + strconv.Itoa(i)); p != nil {
			t.Fatalf("an unknown URL has a definition: %v", p.URL)
		}
	}
	kept := 0
	reg.lazy.done.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), prefix) {
			kept++
		}
		return true
	})
	if kept != 0 {
		t.Errorf("%d unknown URLs kept by the registry, want none", kept)
	}
	if reg.Profile("http://hl7.org/fhir/StructureDefinition/patient-birthTime") == nil {
		t.Error("a built-in extension definition is no longer found")
	}
}
