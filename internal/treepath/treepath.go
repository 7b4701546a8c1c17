// Package treepath lets the FHIRPath engine walk the element tree: it
// presents tree nodes as fhirpath.Node values and resolves references
// between the resources of one payload. The validator, the NEMS rule packs
// and the StructureDefinition profiles all evaluate FHIRPath through it.
package treepath

import (
	"slices"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// Node presents a tree node to the FHIRPath engine. It is a value type
// around a pointer, so two views of the same element compare equal, which
// the engine relies on in repeat() and in unions.
type Node struct{ N *tree.Node }

// Of returns the FHIRPath view of n.
func Of(n *tree.Node) fhirpath.Node { return Node{n} }

// TreeNode returns the tree node behind a FHIRPath item, or nil for a
// computed value.
func TreeNode(it fhirpath.Item) *tree.Node {
	if f, ok := it.Node().(Node); ok {
		return f.N
	}
	return nil
}

// Name is the name FHIRPath gives an element: a choice element answers to
// its base name ("value" for valueQuantity).
func Name(n *tree.Node) string {
	if n.Elem != nil && n.Parent != nil && n.Elem.IsChoice() {
		return strings.TrimSuffix(n.Elem.Name, "[x]")
	}
	return n.Name
}

// Name implements fhirpath.Node.
func (f Node) Name() string { return Name(f.N) }

// Type implements fhirpath.Node.
func (f Node) Type() string { return f.N.Type }

// answersTo reports whether c is called name, by its full name or, for a
// choice element, by its base name (which its full name starts with).
func answersTo(c *tree.Node, name string) bool {
	cn := c.Name
	// Most children differ in length or in the first letter; rule those
	// out before comparing text.
	if len(name) == 0 || len(cn) < len(name) || cn[0] != name[0] {
		return name == "" && (cn == "" || Name(c) == "")
	}
	if len(cn) == len(name) {
		return cn == name
	}
	return cn[:len(name)] == name && Name(c) == name
}

// HasChild reports whether n has a child that FHIRPath would find by name
// (its full name or, for a choice element, its base name).
func HasChild(n *tree.Node, name string) bool {
	for _, c := range n.Children {
		if answersTo(c, name) {
			return true
		}
	}
	return false
}

// Children implements fhirpath.Node: a choice element answers to its base
// name and to its full name.
func (f Node) Children(name string) []fhirpath.Node {
	var out []fhirpath.Node
	for _, c := range f.N.Children {
		if answersTo(c, name) {
			out = append(out, Node{c})
		}
	}
	return out
}

// AppendChildren implements fhirpath.ChildAppender. When dst may be too
// small it counts first, so that dst grows once.
func (f Node) AppendChildren(dst fhirpath.Collection, name string) fhirpath.Collection {
	if cap(dst)-len(dst) >= len(f.N.Children) {
		for _, c := range f.N.Children {
			if answersTo(c, name) {
				dst = append(dst, fhirpath.NodeItem(Node{c}))
			}
		}
		return dst
	}
	n := 0
	for _, c := range f.N.Children {
		if answersTo(c, name) {
			n++
		}
	}
	if n == 0 {
		return dst
	}
	dst = slices.Grow(dst, n)
	for _, c := range f.N.Children {
		if answersTo(c, name) {
			dst = append(dst, fhirpath.NodeItem(Node{c}))
		}
	}
	return dst
}

// AppendAllChildren implements fhirpath.ChildAppender.
func (f Node) AppendAllChildren(dst fhirpath.Collection) fhirpath.Collection {
	dst = slices.Grow(dst, len(f.N.Children))
	for _, c := range f.N.Children {
		dst = append(dst, fhirpath.NodeItem(Node{c}))
	}
	return dst
}

// AppendDescendants implements fhirpath.ChildAppender.
func (f Node) AppendDescendants(dst fhirpath.Collection) fhirpath.Collection {
	for _, c := range f.N.Children {
		dst = append(dst, fhirpath.NodeItem(Node{c}))
		dst = Node{c}.AppendDescendants(dst)
	}
	return dst
}

// AllChildren implements fhirpath.Node.
func (f Node) AllChildren() []fhirpath.Node {
	out := make([]fhirpath.Node, len(f.N.Children))
	for i, c := range f.N.Children {
		out[i] = Node{c}
	}
	return out
}

// Value implements fhirpath.Node. The narrative div always has a value:
// its XHTML.
func (f Node) Value() (string, bool) {
	if f.N.Type == "xhtml" {
		return f.N.Value, true
	}
	return f.N.Value, f.N.HasValue
}

// Resolver finds the resources that references in one payload point to:
// Bundle entries (of every Bundle in the payload) by fullUrl, by Type/id,
// and by the Type/id that ends a RESTful fullUrl; contained resources by
// "#id". It indexes the payload on the first lookup that needs the index,
// so each lookup costs a map access and a payload whose checks never
// follow a reference costs nothing.
type Resolver struct {
	root    *tree.Node
	indexed sync.Once
	byRef   map[string]*tree.Node
	// contained indexes the contained resources of each container by id,
	// built on the first "#id" lookup in that container: a resource with
	// many contained resources and references to them (dom-3, ref-1)
	// would otherwise scan them all on every lookup.
	mu        sync.Mutex
	contained map[*tree.Node]map[string]*tree.Node
}

// NewResolver returns a Resolver for the Bundle entries below root. Where
// two entries claim the same reference, the first wins.
func NewResolver(root *tree.Node) *Resolver { return &Resolver{root: root} }

func (r *Resolver) index() {
	r.byRef = map[string]*tree.Node{}
	add := func(key string, n *tree.Node) {
		if _, dup := r.byRef[key]; !dup {
			r.byRef[key] = n
		}
	}
	if r.root == nil {
		return
	}
	r.root.Walk(func(n *tree.Node) bool {
		if n.Name != "entry" || n.Parent == nil || n.Parent.Type != "Bundle" {
			return true
		}
		res := n.Child("resource")
		if res == nil {
			return true
		}
		if fu := n.Child("fullUrl"); fu != nil && fu.HasValue {
			add(fu.Value, res)
			if tail, ok := typeAndID(fu.Value); ok {
				add(tail, res)
			}
		}
		if id := res.Child("id"); id != nil && id.HasValue {
			add(res.Type+"/"+id.Value, res)
		}
		return true
	})
}

// typeAndID returns "Type/id" from the end of a RESTful URL.
func typeAndID(url string) (string, bool) {
	if !strings.Contains(url, "://") {
		return "", false
	}
	i := strings.LastIndexByte(url, '/')
	if i <= 0 {
		return "", false
	}
	j := strings.LastIndexByte(url[:i], '/')
	if j < 0 {
		return "", false
	}
	return url[j+1:], true
}

// Lookup returns the resource ref points to, or nil. from is the element
// holding the reference; a "#id" reference is looked up among the contained
// resources of the resource that holds it (its container, when it is itself
// contained).
func (r *Resolver) Lookup(ref string, from *tree.Node) *tree.Node {
	if strings.HasPrefix(ref, "#") {
		for p := from; p != nil; p = p.Parent {
			if p.Resource && p.Name != "contained" {
				return r.containedIn(p)[ref[1:]]
			}
		}
		return nil
	}
	if i := strings.Index(ref, "/_history/"); i > 0 {
		ref = ref[:i]
	}
	r.indexed.Do(r.index)
	return r.byRef[ref]
}

// containedIn returns the contained resources of p by id; where two share
// an id, the first wins.
func (r *Resolver) containedIn(p *tree.Node) map[string]*tree.Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.contained[p]; ok {
		return m
	}
	m := map[string]*tree.Node{}
	for _, c := range p.Children {
		if c.Name != "contained" {
			continue
		}
		if id := c.ElementID(); id != "" {
			if _, dup := m[id]; !dup {
				m[id] = c
			}
		}
	}
	if r.contained == nil {
		r.contained = map[*tree.Node]map[string]*tree.Node{}
	}
	r.contained[p] = m
	return m
}

// LookupReference resolves a Reference element through its reference
// child; nil when it has none or it does not resolve.
func (r *Resolver) LookupReference(refElem *tree.Node) *tree.Node {
	if refElem == nil {
		return nil
	}
	v := refElem.Child("reference")
	if v == nil || !v.HasValue {
		return nil
	}
	return r.Lookup(v.Value, refElem)
}

// Resolve implements fhirpath.Resolver.
func (r *Resolver) Resolve(ref string, from fhirpath.Node) (fhirpath.Node, bool) {
	var fn *tree.Node
	if f, ok := from.(Node); ok {
		fn = f.N
	}
	if n := r.Lookup(ref, fn); n != nil {
		return Node{n}, true
	}
	return nil, false
}

// Step budgets for one FHIRPath evaluation over a payload: enough for any
// expression linear in the payload (every constraint of the STU3 base and
// every rule of the NEMS packs, once where() iterations share what does
// not depend on the item), with a floor for small payloads and a ceiling
// that bounds the time one evaluation can take.
const (
	StepsPerNode = 64
	MinSteps     = 200_000
	MaxSteps     = 50_000_000
)

// Budget returns the step budget for evaluations over the payload below
// root: StepsPerNode for each of its elements, within MinSteps and
// MaxSteps.
func Budget(root *tree.Node) int {
	nodes := 0
	if root != nil {
		root.Walk(func(*tree.Node) bool { nodes++; return nodes*StepsPerNode < MaxSteps })
	}
	return min(max(nodes*StepsPerNode, MinSteps), MaxSteps)
}
