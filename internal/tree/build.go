package tree

import (
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// Builder makes a tree in code, for the writers (WriteXML, WriteJSON,
// AppendXMLElement): a resource the program itself answers with, such as
// an OperationOutcome. Each element is resolved against the model as the
// parsers resolve what they read, so the writers find the definitions
// they order and shape the output by.
//
// The first problem (a name the model does not allow under its parent, a
// value for an element that is not a primitive, a second occurrence of an
// element that does not repeat, a narrative that is not an XHTML div) is
// kept for Err; from then on the builder
// adds nothing and returns nil nodes, which it accepts as parents.
type Builder struct {
	m     *schemas.Model
	types typeCache
	err   *Error
}

// NewBuilder returns a builder for trees of the model m.
func NewBuilder(m *schemas.Model) *Builder {
	return &Builder{m: m, types: typeCache{m: m}}
}

// Err returns the first problem met, or nil.
func (b *Builder) Err() error {
	if b.err == nil {
		return nil
	}
	return b.err
}

func (b *Builder) fail(path, msg string) {
	if b.err == nil {
		b.err = errorAt(0, 0, path, msg)
	}
}

// Resource returns the root of a new resource of type typ.
func (b *Builder) Resource(typ string) *Node {
	t, resource := b.types.facts(typ)
	if t == nil || !resource || t.Abstract {
		b.fail(typ, typ+" is not a FHIR resource type")
		return nil
	}
	return &Node{Name: typ, Type: typ, Elem: t.Root(), Resource: true, Index: -1}
}

// Element adds the element name (a complex type or a backbone element) as
// the last child of parent and returns it.
func (b *Builder) Element(parent *Node, name string) *Node {
	return b.add(parent, name, "", false)
}

// Value adds the primitive element name holding value as the last child
// of parent and returns it. A narrative div is a primitive too: its value
// is the XHTML, namespace declaration included.
func (b *Builder) Value(parent *Node, name, value string) *Node {
	return b.add(parent, name, value, true)
}

func (b *Builder) add(parent *Node, name, value string, primitive bool) *Node {
	if b.err != nil || parent == nil {
		return nil
	}
	mem, ok := b.m.Child(parent.Elem, parent.Type, name)
	if !ok {
		b.fail(childPath(parent, name, -1), "unknown element "+name+" in "+parent.Type)
		return nil
	}
	n := &Node{Name: name, Type: memberType(mem), Elem: mem.Element, Parent: parent, Index: -1}
	t, resource := b.types.facts(n.Type)
	switch {
	case n.Type == "xhtml":
		n.Primitive = xhtmlPrimitive(b.m)
	case resource:
		b.fail(n.Path(), "holds a resource, which the builder does not make")
		return nil
	case t == nil:
		b.fail(n.Path(), "the model has no type "+n.Type)
		return nil
	case t.Kind == schemas.KindPrimitive:
		n.Primitive = t.Primitive
	}
	if primitive && n.Primitive == nil {
		b.fail(n.Path(), "is of type "+n.Type+", which holds elements, not a value")
		return nil
	}
	if !primitive && n.Primitive != nil {
		b.fail(n.Path(), "is of type "+n.Type+", which holds a value")
		return nil
	}
	if primitive {
		n.Value, n.HasValue = value, true
	}
	if n.Type == "xhtml" {
		// Checked here as the parsers check it: the JSON writer copies
		// the text as it is.
		if _, err := checkXHTML(value); err != nil {
			b.fail(n.Path(), err.Error())
			return nil
		}
	}
	same := 0
	for _, c := range parent.Children {
		if c.Elem == mem.Element {
			same++
		}
	}
	if mem.Element.Repeats() {
		n.Index = same
	} else if same > 0 {
		b.fail(n.Path(), "element occurs more than once, but allows at most one")
		return nil
	}
	parent.Children = append(parent.Children, n)
	return n
}

// ReplaceNonXMLChars returns s with each character that XML 1.0 cannot
// carry (control characters but tab, line feed and carriage return, bytes
// that are not UTF-8, U+FFFE and U+FFFF) replaced by U+FFFD, as
// encoding/xml's EscapeText does. Text made from what a payload held (a
// diagnostic quoting a value) goes through it before it is put in a
// Builder's tree, so that neither writer can fail on it and both forms
// carry the same text.
func ReplaceNonXMLChars(s string) string {
	if validXMLText(s) {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if xmlChar(r, size) {
			out = append(out, s[i:i+size]...)
		} else {
			out = utf8.AppendRune(out, utf8.RuneError)
		}
		i += size
	}
	return string(out)
}
