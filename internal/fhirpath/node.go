package fhirpath

// Node is one element of a FHIR resource tree as the engine sees it. The
// element tree of the validator (built from XML or JSON alike) implements it
// directly or through a thin adapter.
//
// Implementations must be comparable with == (pointer receivers are), as the
// engine uses identity to avoid revisiting nodes in repeat().
type Node interface {
	// Name is the element name as FHIRPath spells it: for a choice element
	// such as valueQuantity it is the base name, "value".
	Name() string
	// Type is the FHIR type code of the element: a primitive type
	// ("string", "code", "dateTime", "xhtml"), a complex type ("Quantity",
	// "Reference", "BackboneElement") or, for a resource, its resource type
	// ("Bundle", "Patient").
	Type() string
	// Children returns the child elements called name, in document order.
	// A choice element must answer to its base name: Children("value")
	// returns the valueQuantity (or valueString, ...) child, whose Type then
	// says which one it is. Answering to the full name as well is allowed.
	Children(name string) []Node
	// AllChildren returns every child element in document order, including
	// id and extension children. The primitive value itself is not a child.
	AllChildren() []Node
	// Value returns the text of a primitive value as written in the
	// instance (the XML value attribute or the JSON scalar rendered as
	// text), and false when the element has no value (a complex element, or
	// a primitive that only carries extensions). For an element of type
	// "xhtml" it returns the XHTML markup of the div, which htmlchecks()
	// inspects.
	Value() (string, bool)
}

// ChildAppender is an optional interface for a [Node]: it appends
// children to dst as items, so that the engine navigates without a slice
// per step. AppendChildren appends what Children(name) returns,
// AppendAllChildren what AllChildren returns, and AppendDescendants every
// element below the node, depth first in document order (nil entries
// left out).
type ChildAppender interface {
	AppendChildren(dst Collection, name string) Collection
	AppendAllChildren(dst Collection) Collection
	AppendDescendants(dst Collection) Collection
}

// Resolver finds the resource a reference points at, for resolve(). ref is
// the reference text (e.g. "urn:uuid:...", "Patient/123", "#p1"); from is
// the Reference element it came from, or nil when resolve() was applied to
// a string. Resolve returns false when the target is not available.
type Resolver interface {
	Resolve(ref string, from Node) (Node, bool)
}

// ResolverFunc adapts a function to the [Resolver] interface.
type ResolverFunc func(ref string, from Node) (Node, bool)

// Resolve calls f(ref, from).
func (f ResolverFunc) Resolve(ref string, from Node) (Node, bool) { return f(ref, from) }
