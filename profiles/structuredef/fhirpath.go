package structuredef

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// fpNode shows a tree node to the FHIRPath engine. A value type around a
// pointer, so two wrappers of one node compare equal.
type fpNode struct{ n *tree.Node }

// fpName is the FHIRPath name of an element: "value" for valueQuantity.
func fpName(n *tree.Node) string {
	if n.Elem != nil && n.Parent != nil && n.Elem.IsChoice() {
		return strings.TrimSuffix(n.Elem.Name, "[x]")
	}
	return n.Name
}

func (f fpNode) Name() string { return fpName(f.n) }
func (f fpNode) Type() string { return f.n.Type }

func (f fpNode) Children(name string) []fhirpath.Node {
	var out []fhirpath.Node
	for _, c := range f.n.Children {
		if c.Name == name || fpName(c) == name {
			out = append(out, fpNode{c})
		}
	}
	return out
}

func (f fpNode) AllChildren() []fhirpath.Node {
	out := make([]fhirpath.Node, len(f.n.Children))
	for i, c := range f.n.Children {
		out[i] = fpNode{c}
	}
	return out
}

func (f fpNode) Value() (string, bool) {
	if f.n.Type == "xhtml" {
		return f.n.Value, true
	}
	return f.n.Value, f.n.HasValue
}

// resolver finds the resources that references in one payload point to:
// Bundle entries by fullUrl or Type/id, and contained resources by #id.
type resolver struct {
	byRef map[string]*tree.Node
}

func newResolver(root *tree.Node) *resolver {
	r := &resolver{byRef: map[string]*tree.Node{}}
	root.Walk(func(n *tree.Node) bool {
		if n.Name != "entry" || n.Parent == nil || n.Parent.Type != "Bundle" {
			return true
		}
		res := n.Child("resource")
		if res == nil {
			return true
		}
		if fu := n.Child("fullUrl"); fu != nil && fu.HasValue {
			r.byRef[fu.Value] = res
		}
		if id := res.Child("id"); id != nil && id.HasValue {
			r.byRef[res.Type+"/"+id.Value] = res
		}
		return true
	})
	return r
}

// target returns the resource ref points to from node from, or nil.
func (r *resolver) target(ref string, from *tree.Node) *tree.Node {
	if strings.HasPrefix(ref, "#") {
		for p := from; p != nil; p = p.Parent {
			if p.Resource && p.Name != "contained" {
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
	if i := strings.Index(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	if n := r.byRef[ref]; n != nil {
		return n
	}
	// A relative reference also matches an absolute fullUrl ending in it.
	if !strings.Contains(ref, "://") && !strings.HasPrefix(ref, "urn:") {
		for k, n := range r.byRef {
			if strings.HasSuffix(k, "/"+ref) {
				return n
			}
		}
	}
	return nil
}

func (r *resolver) Resolve(ref string, from fhirpath.Node) (fhirpath.Node, bool) {
	f, _ := from.(fpNode)
	if t := r.target(ref, f.n); t != nil {
		return fpNode{t}, true
	}
	return nil, false
}
