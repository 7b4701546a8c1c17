package tree

import (
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// ParseJSON reads a FHIR STU3 resource in the JSON form into a tree,
// resolving every property against m. It returns the document together with
// an ErrorList when the input is not well-formed JSON, has duplicate keys,
// or holds properties, JSON types or array shapes the model does not allow;
// the tree then holds what could be read and must not be converted.
//
// Numbers keep their text exactly as written. Every string must be valid
// UTF-8 and hold only characters XML 1.0 allows, so that any tree
// ParseJSON accepts can be written as XML.
func ParseJSON(src []byte, m *schemas.Model) (*Document, error) {
	r := &jsonReader{m: m, doc: &Document{}, types: typeCache{m: m}}
	l := newJSONLexer(src, &r.errs)
	defer l.release()
	v, values := l.parseJSONText()
	// Each node comes from a value, and no value makes more than one.
	r.slab.expect(values)
	if v == nil {
		return r.doc, r.errs.err()
	}
	if v.kind != jsonObject {
		r.errs.add(int(v.line), int(v.col), "", "a FHIR resource must be a JSON object, found "+v.kind.String())
		return r.doc, r.errs.err()
	}
	r.doc.Root = r.resource(v, nil, nil, "", -1, v.line, v.col)
	return r.doc, r.errs.err()
}

type jsonReader struct {
	types typeCache
	slab  nodeSlab
	kids  childStack
	// props is a stack shared by the objects being read: each call of
	// members works on its own top part.
	props []prop
	m     *schemas.Model
	doc   *Document
	errs  errs
}

func (r *jsonReader) errorAt(line, col int32, path, msg string) {
	r.errs.add(int(line), int(col), path, msg)
}

// resource builds a resource node from an object that must carry
// "resourceType". For a nested resource, elem is the element that holds it
// (Bundle.entry.resource, contained); parent is nil for the root.
func (r *jsonReader) resource(v *jsonValue, parent *Node, elem *schemas.Element, name string, index int, line, col int32) *Node {
	var elemPath string
	if parent != nil {
		elemPath = childPath(parent, name, index)
	}
	var rt *jsonMember
	for i := range v.members {
		if v.members[i].key == "resourceType" {
			rt = &v.members[i]
			break
		}
	}
	if rt == nil {
		r.errorAt(v.line, v.col, elemPath, `a resource needs a "resourceType" property`)
		return nil
	}
	if rt.value.kind != jsonString {
		r.errorAt(rt.line, rt.col, elemPath, "resourceType must be a string, found "+rt.value.kind.String())
		return nil
	}
	t := r.m.Type(rt.value.text)
	if t == nil || !t.IsResource() || t.Abstract {
		r.errorAt(rt.line, rt.col, elemPath, strconv.Quote(rt.value.text)+" is not a FHIR STU3 resource type")
		return nil
	}
	n := r.slab.node(Node{Name: t.Name, Type: t.Name, Elem: t.Root(), Resource: true, Index: index,
		Parent: parent, Line: int(line), Col: int(col)})
	if parent != nil {
		n.Name, n.Elem = name, elem
	}
	r.members(n, v)
	return n
}

// prop is a property and its "_" companion, paired before nodes are made.
type prop struct {
	name  string
	value *jsonMember
	extra *jsonMember
}

// members turns the properties of object v into the children of n.
func (r *jsonReader) members(n *Node, v *jsonValue) {
	base := len(r.props)
	defer func() {
		r.props = r.props[:base]
		r.kids.done(n)
	}()
	var index map[string]int // name -> position in props, for large objects
	for i := range v.members {
		props := r.props[base:]
		m := &v.members[i]
		if r.errs.fatal {
			return
		}
		key := m.key
		if n.Resource && key == "resourceType" {
			continue
		}
		name, extra := key, false
		if strings.HasPrefix(key, "_") {
			name, extra = key[1:], true
		}
		k := -1
		if index != nil {
			if j, ok := index[name]; ok {
				k = j
			}
		} else {
			for j := range props {
				if props[j].name == name {
					k = j
					break
				}
			}
		}
		if k < 0 {
			r.props = append(r.props, prop{name: name})
			props = r.props[base:]
			k = len(props) - 1
			if index != nil {
				index[name] = k
			} else if len(props) > 16 {
				index = make(map[string]int, 2*len(props))
				for j, p := range props {
					index[p.name] = j
				}
			}
		}
		if extra {
			props[k].extra = m
		} else {
			props[k].value = m
		}
	}
	for k, end := base, len(r.props); k < end; k++ {
		if r.errs.fatal {
			return
		}
		r.prop(n, r.props[k]) // by value: prop may grow r.props
	}
}

// prop makes the nodes of one property.
func (r *jsonReader) prop(parent *Node, p prop) {
	first := p.value
	if first == nil {
		first = p.extra
	}
	mem, ok := r.m.Child(parent.Elem, parent.Type, p.name)
	if ok && parent.Primitive != nil && p.name == "value" {
		ok = false // a primitive's value is the property itself, not inside "_name"
	}
	if !ok {
		msg := "unknown property " + strconv.Quote(first.key) + " in " + parent.Type
		switch p.name {
		case "resourceType":
			msg = `"resourceType" is only allowed on a resource`
		case "fhir_comments":
			msg = `unknown property "fhir_comments": comments were dropped from FHIR JSON after DSTU2; STU3 JSON has none`
		}
		r.errorAt(first.line, first.col, childPath(parent, p.name, -1), msg)
		return
	}
	e := mem.Element
	mem.Type = memberType(mem)
	typ, resource := r.types.facts(mem.Type)
	var prim *schemas.Primitive
	if typ != nil && typ.Kind == schemas.KindPrimitive {
		prim = typ.Primitive
	}
	if p.extra != nil && prim == nil {
		r.errorAt(p.extra.line, p.extra.col, childPath(parent, p.name, -1),
			"unknown property "+strconv.Quote(p.extra.key)+": "+p.name+" is not a primitive element")
		if p.value == nil {
			return
		}
	}
	if prim != nil && isAttrElem(e) && p.extra != nil {
		r.errorAt(p.extra.line, p.extra.col, childPath(parent, p.name, -1),
			e.Path+" is an XML attribute, so it cannot have an id or extensions (\"_"+p.name+"\")")
		return
	}
	if prim != nil && mem.Type == "xhtml" && p.extra != nil {
		r.errorAt(p.extra.line, p.extra.col, childPath(parent, p.name, -1),
			"the narrative div cannot have an id or extensions in JSON")
	}
	if prim == nil && typ == nil && !resource {
		r.errorAt(first.line, first.col, childPath(parent, p.name, -1), "the model has no type "+mem.Type)
		return
	}

	// Check the shape: arrays exactly where the element repeats.
	repeats := e.Repeats()
	if !repeats && e.IsChoice() {
		for _, c := range parent.Children {
			if c.Elem == e {
				r.errorAt(first.line, first.col, childPath(parent, p.name, -1),
					"choice element "+e.Path+" already has a value ("+c.Name+"); it takes one type only")
				return
			}
		}
	}
	var values, extras []*jsonValue
	shape := func(m *jsonMember) ([]*jsonValue, bool) {
		if m == nil {
			return nil, true
		}
		path := func() string { return childPath(parent, p.name, -1) }
		if m.value.kind == jsonArray {
			if !repeats {
				r.errorAt(m.line, m.col, path(), "an array where a single value belongs ("+e.Path+" has max "+e.MaxText+")")
				return nil, false
			}
			if len(m.value.items) == 0 {
				r.errorAt(m.line, m.col, path(), "empty array (FHIR JSON leaves out empty elements)")
				return nil, false
			}
			return m.value.items, true
		}
		if repeats {
			r.errorAt(m.line, m.col, path(), "a single value where an array belongs ("+e.Path+" repeats: max "+e.MaxText+")")
			return nil, false
		}
		return single(m.value), true
	}
	var okV, okE bool
	values, okV = shape(p.value)
	if prim != nil {
		extras, okE = shape(p.extra)
	} else {
		okE = true
	}
	if !okV || !okE {
		return
	}
	count := len(values)
	if prim != nil && p.value != nil && p.extra != nil && len(values) != len(extras) {
		r.errorAt(p.extra.line, p.extra.col, childPath(parent, p.name, -1),
			"arrays "+strconv.Quote(p.name)+" and "+strconv.Quote("_"+p.name)+" differ in length ("+
				strconv.Itoa(len(values))+" and "+strconv.Itoa(len(extras))+")")
		return
	}
	if len(extras) > count {
		count = len(extras)
	}
	for i := 0; i < count; i++ {
		idx := -1
		if repeats {
			idx = i
		}
		var val, ext *jsonValue
		if i < len(values) {
			val = values[i]
		}
		if i < len(extras) {
			ext = extras[i]
		}
		if val != nil && val.kind == jsonNull && prim == nil {
			r.errorAt(val.line, val.col, childPath(parent, p.name, idx), "null is not a value (leave the property out)")
			continue
		}
		if val != nil && val.kind == jsonNull {
			val = nil
		}
		if ext != nil && ext.kind == jsonNull {
			ext = nil
		}
		at := val
		if at == nil {
			at = ext
		}
		if at == nil {
			line, col := first.line, first.col
			if i < len(values) {
				line, col = values[i].line, values[i].col
			}
			r.errorAt(line, col, childPath(parent, p.name, idx), "null on both sides: the item has neither a value nor an id or extensions")
			continue
		}
		line, col := at.line, at.col
		if !repeats {
			// Point at the property name rather than its value.
			if val != nil {
				line, col = p.value.line, p.value.col
			} else {
				line, col = p.extra.line, p.extra.col
			}
		}
		n := r.slab.node(Node{Name: p.name, Type: mem.Type, Elem: e, Parent: parent, Index: idx, Line: int(line), Col: int(col), Primitive: prim})
		switch {
		case resource:
			if val.kind != jsonObject {
				r.errorAt(val.line, val.col, n.Path(), "expected a resource object, found "+val.kind.String())
				continue
			}
			n = r.resource(val, parent, e, p.name, idx, line, col)
			if n == nil {
				continue
			}
		case prim != nil:
			if val != nil && !r.primitiveValue(n, val) {
				continue
			}
			if ext != nil {
				if ext.kind != jsonObject {
					r.errorAt(ext.line, ext.col, n.Path(), "\"_"+p.name+"\" must hold an object, found "+ext.kind.String())
					continue
				}
				r.members(n, ext)
			}
			if !n.HasValue && len(n.Children) == 0 {
				r.errorAt(ext.line, ext.col, n.Path(), "\"_"+p.name+"\" holds neither an id nor extensions, and there is no value (FHIR rule ele-1)")
				continue
			}
		default:
			if val.kind != jsonObject {
				r.errorAt(val.line, val.col, n.Path(), "expected an object ("+mem.Type+"), found "+val.kind.String())
				continue
			}
			r.members(n, val)
		}
		r.kids.push(parent, n)
	}
}

// primitiveValue checks that v has the JSON type n's primitive type calls
// for and stores its text.
func (r *jsonReader) primitiveValue(n *Node, v *jsonValue) bool {
	want := n.Primitive.JSON
	var ok bool
	switch want {
	case "number":
		ok = v.kind == jsonNumber
	case "boolean":
		ok = v.kind == jsonTrue || v.kind == jsonFalse
	default:
		want = "string"
		ok = v.kind == jsonString
	}
	if !ok {
		r.errorAt(v.line, v.col, n.Path(), "wrong JSON type: "+n.Type+" is written as a "+want+", found "+v.kind.String())
		return false
	}
	if v.kind == jsonString {
		if !validXMLText(v.text) {
			r.errorAt(v.line, v.col, n.Path(), "the string holds a control character that XML cannot carry")
			return false
		}
		if n.Type == "xhtml" {
			if _, err := checkXHTML(v.text); err != nil {
				r.errorAt(v.line, v.col, n.Path(), err.Error())
				return false
			}
		}
	}
	n.Value, n.HasValue = v.text, true
	return true
}

// single returns a one-item slice without allocating: the backing array
// is the value's own spare field.
func single(v *jsonValue) []*jsonValue {
	v.self[0] = v
	return v.self[:]
}
