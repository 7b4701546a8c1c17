package tree

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// What the JSON reader learns about the model, kept with the reader from
// document to document. Asking the model about a property costs a map
// lookup for the name and another for its type, for every property of
// every object; the same few properties come again and again, and usually
// in the same order.

// scope is what the reader knows about the properties of the objects of
// one element read as one type: Patient, or Observation.value[x] read as a
// Quantity.
type scope struct {
	elem  *schemas.Element
	typ   string
	props []*propFacts // the properties met so far
	hint  int          // where the property after the last one found is likely to be
}

// propFacts is what the model says about one property of a scope.
type propFacts struct {
	name string // as in JSON: "valueQuantity"
	elem *schemas.Element
	typ  string        // the type code it selects
	t    *schemas.Type // nil when the model has no such type
	prim *schemas.Primitive
	// resource: typ is a resource type (Bundle.entry.resource).
	resource, repeats, choice bool
	inner                     *scope // of the nodes it makes, once needed
}

// scopes are the scopes of one model. All they hold comes from the model,
// names included, so they stay bounded whatever the documents say.
type scopes struct {
	m     *schemas.Model
	types typeCache
	// known holds the scopes of each element, one for each type it is
	// read as: more than one only for choices and resources.
	known map[*schemas.Element][]*scope
}

// scope returns the scope of elem read as typ.
func (c *scopes) scope(elem *schemas.Element, typ string) *scope {
	list := c.known[elem]
	for _, s := range list {
		if s.typ == typ {
			return s
		}
	}
	if c.known == nil {
		c.known = make(map[*schemas.Element][]*scope)
	}
	s := &scope{elem: elem, typ: typ}
	c.known[elem] = append(list, s)
	return s
}

// inner returns the scope of the nodes f makes.
func (c *scopes) inner(f *propFacts) *scope {
	if f.inner == nil {
		f.inner = c.scope(f.elem, f.typ)
	}
	return f.inner
}

// prop returns what the model says about property name of s, or nil when
// s has no such property.
func (c *scopes) prop(s *scope, name string) *propFacts {
	h := s.hint
	if h >= len(s.props) {
		h = 0 // the next object of an array starts again
	}
	if h < len(s.props) && s.props[h].name == name {
		s.hint = h + 1
		return s.props[h]
	}
	for i, f := range s.props {
		if f.name == name {
			s.hint = i + 1
			return f
		}
	}
	mem, ok := c.m.Child(s.elem, s.typ, name)
	if !ok {
		return nil // not kept: a document can make up any number of names
	}
	f := &propFacts{name: strings.Clone(name), elem: mem.Element, typ: memberType(mem),
		repeats: mem.Element.Repeats(), choice: mem.Element.IsChoice()}
	f.t, f.resource = c.types.facts(f.typ)
	if f.t != nil && f.t.Kind == schemas.KindPrimitive {
		f.prim = f.t.Primitive
	}
	s.props = append(s.props, f)
	s.hint = len(s.props)
	return f
}
