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

// AppendNamed appends to dst the children of n that FHIRPath finds by
// name, in order: the nodes Node.AppendChildren wraps, for callers that
// walk the tree themselves.
func AppendNamed(dst []*tree.Node, n *tree.Node, name string) []*tree.Node {
	for _, c := range n.Children {
		if answersTo(c, name) {
			dst = append(dst, c)
		}
	}
	return dst
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

// Resolver finds the resources that references in one payload point to.
// Every Bundle is its own scope: a reference held in an entry (its
// resource, the resources that one contains or carries) is looked up among
// the entries of that Bundle only, by fullUrl, by Type/id, and by the
// Type/id that ends a RESTful fullUrl, so that a document carried in a
// message resolves inside the document and never in the message around
// it. A "#id" reference is looked up among the contained resources of its
// container. Each scope is indexed on its first lookup, so each lookup
// costs a walk up to the entry and a map access, and a payload whose
// checks never follow a reference costs nothing.
type Resolver struct {
	root *tree.Node
	mu   sync.Mutex
	// entries indexes the entries of each Bundle by the references that
	// name them.
	entries map[*tree.Node]map[string]*tree.Node
	// contained indexes the contained resources of each container by id,
	// built on the first "#id" lookup in that container: a resource with
	// many contained resources and references to them (dom-3, ref-1)
	// would otherwise scan them all on every lookup.
	contained map[*tree.Node]map[string]*tree.Node
}

// NewResolver returns a Resolver for the payload below root. Where two
// entries of one Bundle claim the same reference, the first wins.
func NewResolver(root *tree.Node) *Resolver { return &Resolver{root: root} }

// Scope returns the Bundle whose entries a reference held by n resolves
// against: the Bundle of the nearest entry above n, or nil when n is not
// inside a Bundle entry. With n nil it is the root, when that is a Bundle.
func (r *Resolver) Scope(n *tree.Node) *tree.Node {
	if n == nil {
		if r.root != nil && r.root.Resource && r.root.Type == "Bundle" {
			return r.root
		}
		return nil
	}
	for p := n; p != nil; p = p.Parent {
		if isEntry(p) {
			return p.Parent
		}
	}
	return nil
}

// isEntry reports whether n is an entry of a Bundle resource.
func isEntry(n *tree.Node) bool {
	return n.Name == "entry" && n.Parent != nil && n.Parent.Resource && n.Parent.Type == "Bundle"
}

// entriesOf returns the index of Bundle b's own entries.
func (r *Resolver) entriesOf(b *tree.Node) map[string]*tree.Node {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.entries[b]; ok {
		return m
	}
	// Up to three keys an entry; sized once, as growing it cost more
	// than filling it.
	n := 0
	for _, e := range b.Children {
		if e.Name == "entry" {
			n++
		}
	}
	m := make(map[string]*tree.Node, 3*n)
	add := func(key string, n *tree.Node) {
		if _, dup := m[key]; !dup {
			m[key] = n
		}
	}
	for _, e := range b.Children {
		if e.Name != "entry" {
			continue
		}
		res := e.Child("resource")
		if res == nil {
			continue
		}
		if fu := e.Child("fullUrl"); fu != nil && fu.HasValue {
			add(fu.Value, res)
			if tail, ok := typeAndID(fu.Value); ok {
				add(tail, res)
			}
		}
		if id := res.Child("id"); id != nil && id.HasValue {
			add(res.Type+"/"+id.Value, res)
		}
	}
	if r.entries == nil {
		r.entries = map[*tree.Node]map[string]*tree.Node{}
	}
	r.entries[b] = m
	return m
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
// holding the reference: a "#id" reference is looked up among the contained
// resources of the resource that holds it (its container, when it is itself
// contained), any other among the entries of the Bundle that holds it
// (Scope).
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
	b := r.Scope(from)
	if b == nil {
		return nil
	}
	if len(b.Children) <= scanEntries {
		return scanEntriesFor(b, ref)
	}
	return r.entriesOf(b)[ref]
}

// scanEntries is the size of Bundle, in children, up to which a lookup
// reads the entries in turn rather than indexing them: building the index
// costs more than the few lookups a message makes of a small Bundle.
const scanEntries = 32

// scanEntriesFor is a lookup of ref among the entries of b without the
// index: the first entry that ref names, by the keys entriesOf gives it.
func scanEntriesFor(b *tree.Node, ref string) *tree.Node {
	for _, e := range b.Children {
		if e.Name != "entry" {
			continue
		}
		res := e.Child("resource")
		if res == nil {
			continue
		}
		if fu := e.Child("fullUrl"); fu != nil && fu.HasValue {
			if fu.Value == ref {
				return res
			}
			if tail, ok := typeAndID(fu.Value); ok && tail == ref {
				return res
			}
		}
		if id := res.Child("id"); id != nil && id.HasValue {
			t := res.Type
			if len(ref) == len(t)+1+len(id.Value) && ref[len(t)] == '/' && ref[:len(t)] == t && ref[len(t)+1:] == id.Value {
				return res
			}
		}
	}
	return nil
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
	if ref, ok := ReferenceOf(refElem); ok {
		return r.Lookup(ref, refElem)
	}
	return nil
}

// ReferenceOf is the value of a Reference element's reference child;
// false when there is none.
func ReferenceOf(refElem *tree.Node) (string, bool) {
	if refElem == nil {
		return "", false
	}
	v := refElem.Child("reference")
	if v == nil || !v.HasValue {
		return "", false
	}
	return v.Value, true
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
	return BudgetFor(nodes)
}

// BudgetFor is Budget for a payload of the given number of elements, for
// callers that have counted them.
func BudgetFor(nodes int) int {
	return min(max(nodes*StepsPerNode, MinSteps), MaxSteps)
}
