// Package tree is the element tree that nemsfhir builds from a FHIR STU3
// payload, the same shape whether the payload was XML or JSON.
//
// Each Node is one element of the instance: it knows its name as written
// (valueQuantity, not value[x]), its FHIR type, its definition in the model,
// its primitive value exactly as written, its children, and where it
// started in the source. The converter (package transform) reads one format
// into a tree and writes the tree in the other; the validator walks the same
// tree, so what it checks is exactly what the converter writes.
//
// Attributes of the XML form that are FHIR elements (Element.id,
// Extension.url) are ordinary child nodes here, as they are in JSON. The
// value of a primitive is not a child: it is Node.Value.
package tree

import (
	"slices"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// Namespaces of the XML form.
const (
	FHIRNamespace  = "http://hl7.org/fhir"
	XHTMLNamespace = "http://www.w3.org/1999/xhtml"
	xsiNamespace   = "http://www.w3.org/2001/XMLSchema-instance"
	xmlNamespace   = "http://www.w3.org/XML/1998/namespace"
)

// MaxDepth bounds the nesting of elements (XML) or of objects and arrays
// (JSON) that the parsers accept. Real FHIR resources nest a few dozen
// levels at most; the bound keeps hostile input from exhausting the stack.
const MaxDepth = 1000

// Node is one element of a FHIR instance.
//
// The fields are laid out with the pointers first and the two flags
// together at the end: a node is 128 bytes, not 136, and the collector
// looks at its first 88 only.
type Node struct {
	// Name is the element name as it appears in the instance: "valueQuantity"
	// for a choice, "resource" for Bundle.entry.resource. For the root it is
	// the resource type.
	Name string
	// Type is the FHIR type code of the instance: the chosen type for a
	// choice element and the concrete resource type ("Patient") for a
	// resource node.
	Type string
	// Value is the primitive value exactly as written: the attribute text
	// in XML; the decoded string, or the number or literal text, in JSON.
	// For Narrative.div it is the XHTML, namespace declaration included.
	Value string
	// Elem is the definition of the element: the type's root element for the
	// document root.
	Elem *schemas.Element
	// Primitive is set when Type is a primitive type (xhtml included).
	Primitive *schemas.Primitive
	// Parent is nil for the root.
	Parent *Node
	// Children are the child elements in source order. For XML input the
	// attribute-borne elements (id, url) come first.
	Children []*Node

	// Index is the position of the node among its parent's children of the
	// same repeating element, or -1 when the element does not repeat.
	Index int
	// Line and Col locate the start of the element in the source: the
	// start tag in XML, the property name (or array item) in JSON. Both are
	// 1-based; Col counts characters, not bytes.
	Line, Col int

	// Resource is true for the root and for every nested resource
	// (contained, Bundle.entry.resource, Parameters.parameter.resource).
	Resource bool
	// HasValue distinguishes an absent value from an empty one.
	HasValue bool
}

// Document is a parsed payload.
type Document struct {
	Root *Node
	// Comments counts the XML comments outside narrative XHTML. JSON has no
	// place for them.
	Comments int
	// Warnings are things the parser accepted but cannot carry into the
	// other format (comments, xsi:schemaLocation, processing instructions).
	Warnings []*Error
}

// Path returns the FHIR path of the node with indexes on repeating
// elements, e.g. "Bundle.entry[0].resource.event.code".
func (n *Node) Path() string {
	if n == nil {
		return ""
	}
	var segs []*Node
	for p := n; p != nil; p = p.Parent {
		segs = append(segs, p)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if i != len(segs)-1 {
			b.WriteByte('.')
		}
		b.WriteString(s.Name)
		if s.Index >= 0 && s.Parent != nil {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// childPath is the path a child called name would have; used for errors
// about elements that never became nodes.
func childPath(parent *Node, name string, index int) string {
	p := parent.Path() + "." + name
	if index >= 0 {
		p += "[" + strconv.Itoa(index) + "]"
	}
	return p
}

// Child returns the first child called name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns the children called name, in order.
func (n *Node) ChildrenNamed(name string) []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// ElementID returns the element id (the XML id attribute, the JSON "id" or
// "_name.id"), or "" when it has none. For a resource it is the resource's
// logical id.
func (n *Node) ElementID() string {
	if c := n.Child("id"); c != nil {
		return c.Value
	}
	return ""
}

// IsAttr reports whether the node is written as an XML attribute of its
// parent (Element.id, Extension.url).
func (n *Node) IsAttr() bool { return isAttrElem(n.Elem) }

// IsXHTML reports whether the node is a narrative div.
func (n *Node) IsXHTML() bool { return n.Type == "xhtml" }

func isAttrElem(e *schemas.Element) bool {
	return e != nil && e.Representation == "xmlAttr"
}

// Walk calls fn for n and every node below it, parents before children,
// in source order. It stops descending below a node when fn returns false.
func (n *Node) Walk(fn func(*Node) bool) {
	if !fn(n) {
		return
	}
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// ordered returns the children in definition order, keeping the source
// order of children of the same element. It does not copy when the
// children are already in order, which is the normal case for XML.
func (n *Node) ordered() []*Node {
	cs := n.Children
	sorted := true
	for i := 1; i < len(cs); i++ {
		if cs[i].Elem.Index < cs[i-1].Elem.Index {
			sorted = false
			break
		}
	}
	if sorted {
		return cs
	}
	out := append([]*Node(nil), cs...)
	slices.SortStableFunc(out, func(a, b *Node) int { return a.Elem.Index - b.Elem.Index })
	return out
}

// memberType returns the type code a member carries. An element defined by
// contentReference (Questionnaire.item.item) has no types of its own; it
// takes those of the element it refers to.
func memberType(mem schemas.Member) string {
	if mem.Type != "" || mem.Element.ContentReference == "" {
		return mem.Type
	}
	if target := mem.Element.Owner.Element(strings.TrimPrefix(mem.Element.ContentReference, "#")); target != nil && len(target.Types) == 1 {
		return target.Types[0].Code
	}
	return ""
}

// nodeSlab hands out nodes from larger blocks: a tree is built and dropped
// as a whole, and one allocation per node was a large share of parse time.
// The first block takes the size the parser expects to need (bounded, so
// that hostile input cannot ask for much memory up front); later blocks
// double up to maxSlab.
type nodeSlab struct {
	buf  []Node
	next int // size of the next block
}

const maxSlab = 4096

// expect sizes the first block for about n nodes.
func (s *nodeSlab) expect(n int) { s.next = min(max(n, 16), maxSlab) }

// alloc returns a zero node. The reader sets only the fields it needs:
// copying a whole Node in costs a write barrier on every pointer field
// while the collector runs.
func (s *nodeSlab) alloc() *Node {
	if len(s.buf) == 0 {
		s.next = min(max(s.next, 16), maxSlab)
		s.buf = make([]Node, s.next)
		s.next *= 2
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}

// sliceBlocks hands out slices from larger shared blocks, saving an
// allocation per slice.
type sliceBlocks[T any] struct {
	free []T // what is left of the current block
	next int // size of the next block: small documents need little
}

// expect sizes the next block for n elements (within bounds).
func (b *sliceBlocks[T]) expect(n int) { b.next = min(n, maxSlab) }

// take returns k zero elements, nil when k is 0. The capacity ends with
// them, so that appending to one slice never writes over another.
func (b *sliceBlocks[T]) take(k int) []T {
	if k == 0 {
		return nil
	}
	if k > len(b.free) {
		size := max(b.next, 64)
		b.free = make([]T, max(k, size))
		b.next = min(2*size, maxSlab)
	}
	out := b.free[:k:k]
	b.free = b.free[k:]
	return out
}

// typeCache remembers what the model says about the type codes a reader
// meets: each is looked up thousands of times per large document.
type typeCache struct {
	m     *schemas.Model
	known map[string]typeFacts
}

type typeFacts struct {
	t        *schemas.Type
	resource bool
}

// facts returns the model's type called code, or nil, and whether code is
// a resource type.
func (c *typeCache) facts(code string) (*schemas.Type, bool) {
	if f, ok := c.known[code]; ok {
		return f.t, f.resource
	}
	if c.known == nil {
		c.known = make(map[string]typeFacts, 16)
	}
	f := typeFacts{c.m.Type(code), c.m.IsResource(code)}
	c.known[code] = f
	return f.t, f.resource
}
