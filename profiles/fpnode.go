package profiles

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// FHIRPathNode presents a tree node to the FHIRPath engine. It is a value
// type around a pointer, so two views of the same element compare equal,
// which the engine relies on in repeat() and in union.
type FHIRPathNode struct{ N *tree.Node }

// fpName is the name FHIRPath gives an element: a choice element answers to
// its base name ("value" for valueQuantity).
func fpName(n *tree.Node) string {
	if n.Elem != nil && n.Parent != nil && n.Elem.IsChoice() {
		return strings.TrimSuffix(n.Elem.Name, "[x]")
	}
	return n.Name
}

// Name implements fhirpath.Node.
func (f FHIRPathNode) Name() string { return fpName(f.N) }

// Type implements fhirpath.Node.
func (f FHIRPathNode) Type() string { return f.N.Type }

// Children implements fhirpath.Node.
func (f FHIRPathNode) Children(name string) []fhirpath.Node {
	var out []fhirpath.Node
	for _, c := range f.N.Children {
		if c.Name == name || fpName(c) == name {
			out = append(out, FHIRPathNode{c})
		}
	}
	return out
}

// AllChildren implements fhirpath.Node.
func (f FHIRPathNode) AllChildren() []fhirpath.Node {
	out := make([]fhirpath.Node, len(f.N.Children))
	for i, c := range f.N.Children {
		out[i] = FHIRPathNode{c}
	}
	return out
}

// Value implements fhirpath.Node.
func (f FHIRPathNode) Value() (string, bool) {
	if f.N.Type == "xhtml" {
		return f.N.Value, true
	}
	return f.N.Value, f.N.HasValue
}

// treeNode returns the tree node behind a FHIRPath item, or nil for a
// computed value.
func treeNode(it fhirpath.Item) *tree.Node {
	if f, ok := it.Node().(FHIRPathNode); ok {
		return f.N
	}
	return nil
}

// bundleIndex finds the resources of a payload by the references that may
// point at them: entry fullUrl, Type/id, and contained "#id".
type bundleIndex struct {
	byRef map[string]*tree.Node
}

func newBundleIndex(root *tree.Node) *bundleIndex {
	ix := &bundleIndex{byRef: map[string]*tree.Node{}}
	if root == nil {
		return ix
	}
	for _, e := range root.ChildrenNamed("entry") {
		res := e.Child("resource")
		if res == nil {
			continue
		}
		if fu := e.Child("fullUrl"); fu != nil && fu.HasValue {
			if _, dup := ix.byRef[fu.Value]; !dup {
				ix.byRef[fu.Value] = res
			}
		}
		if id := res.Child("id"); id != nil && id.HasValue {
			k := res.Type + "/" + id.Value
			if _, dup := ix.byRef[k]; !dup {
				ix.byRef[k] = res
			}
		}
	}
	return ix
}

// lookup resolves a reference text; from is the element holding it, used
// for contained references.
func (ix *bundleIndex) lookup(ref string, from *tree.Node) *tree.Node {
	if strings.HasPrefix(ref, "#") {
		for p := from; p != nil; p = p.Parent {
			if p.Resource {
				for _, c := range p.ChildrenNamed("contained") {
					if c.ElementID() == ref[1:] {
						return c
					}
				}
				return nil
			}
		}
		return nil
	}
	if i := strings.Index(ref, "/_history/"); i > 0 {
		ref = ref[:i]
	}
	return ix.byRef[ref]
}

// Resolve implements fhirpath.Resolver.
func (ix *bundleIndex) Resolve(ref string, from fhirpath.Node) (fhirpath.Node, bool) {
	var fn *tree.Node
	if f, ok := from.(FHIRPathNode); ok {
		fn = f.N
	}
	if n := ix.lookup(ref, fn); n != nil {
		return FHIRPathNode{n}, true
	}
	return nil, false
}

// resolveRef resolves a Reference element (its reference child) in the
// payload.
func (ix *bundleIndex) resolveRef(refElem *tree.Node) *tree.Node {
	if refElem == nil {
		return nil
	}
	r := refElem.Child("reference")
	if r == nil || !r.HasValue {
		return nil
	}
	return ix.lookup(r.Value, refElem)
}
