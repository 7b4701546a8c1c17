package tree

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// xmlChildren is what the model allows inside elements of one definition
// carrying one type, as the XML reader asks for it: each name is resolved
// through the model once per reader, not once per element. A reader keeps
// its tables from document to document (see xmlReaders).
type xmlChildren struct {
	elem  *schemas.Element
	code  string
	named map[string]*xmlChild
	// last is the entry asked for last, whose next is the guess for the
	// following name.
	last *xmlChild
}

// xmlChild is the model's answer for one name inside an xmlChildren.
type xmlChild struct {
	name string // a copy, owned by the table
	// next is the entry asked for after this one the last time: the
	// elements of FHIR come in the same order in element after element.
	next *xmlChild
	// mem is the element and the type the name selects, the type taken
	// through a contentReference (memberType).
	mem schemas.Member
	// attr is set for the elements that XML writes as attributes (id, url).
	attr bool
	// t and resource are the type facts of mem.Type.
	t        *schemas.Type
	resource bool
	// rawType is the type as the model gives it, before memberType, and
	// attrPrim its primitive, for the name used as an attribute.
	rawType  string
	attrPrim *schemas.Primitive
	// kids is the table for the element's own children, made on first use.
	kids *xmlChildren
}

// xmlTableKey names a table made for a resource: the root or a nested
// resource, whose type the instance chooses.
type xmlTableKey struct {
	elem *schemas.Element
	code string
}

// table returns the table for elements of e carrying type code, for the
// nodes that do not come from an xmlChild (resources).
func (r *xmlReader) table(e *schemas.Element, code string) *xmlChildren {
	k := xmlTableKey{e, code}
	if t := r.tables[k]; t != nil {
		return t
	}
	if r.tables == nil {
		r.tables = make(map[xmlTableKey]*xmlChildren)
	}
	t := &xmlChildren{elem: e, code: code}
	r.tables[k] = t
	return t
}

// child resolves name inside tbl. Names the model does not know are not
// kept: hostile input could make up any number of them.
func (r *xmlReader) child(tbl *xmlChildren, name string) (*xmlChild, bool) {
	// Try the guess, and the same name again, before hashing the name.
	last := tbl.last
	if last != nil {
		if c := last.next; c != nil && c.name == name {
			tbl.last = c
			return c, true
		}
		if last.name == name {
			return last, true
		}
	}
	c, ok := tbl.named[name]
	if !ok {
		if c, ok = r.newChild(tbl, name); !ok {
			return nil, false
		}
	}
	if last != nil {
		last.next = c
	}
	tbl.last = c
	return c, true
}

// newChild asks the model about name inside tbl and keeps the answer.
func (r *xmlReader) newChild(tbl *xmlChildren, name string) (*xmlChild, bool) {
	mem, ok := r.m.Child(tbl.elem, tbl.code, name)
	if !ok {
		return nil, false
	}
	// The name is copied: it may share memory with a source that is gone
	// when the table is next used.
	name = strings.Clone(name)
	c := &xmlChild{name: name, mem: mem, attr: isAttrElem(mem.Element), rawType: mem.Type}
	c.mem.Type = memberType(mem)
	c.t, c.resource = r.types.facts(c.mem.Type)
	if at, _ := r.types.facts(mem.Type); at != nil {
		c.attrPrim = at.Primitive
	}
	if tbl.named == nil {
		tbl.named = make(map[string]*xmlChild)
	}
	tbl.named[name] = c
	return c, true
}

// kidsOf returns the table for the children of an element c resolves.
func (c *xmlChild) kidsOf() *xmlChildren {
	if c.kids == nil {
		c.kids = &xmlChildren{elem: c.mem.Element, code: c.mem.Type}
	}
	return c.kids
}
