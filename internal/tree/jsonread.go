package tree

import (
	"strconv"
	"strings"
	"sync"

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
// ParseJSON accepts can be written as XML. A leading byte order mark is
// read past as TrimBOM says.
func ParseJSON(src []byte, m *schemas.Model) (*Document, error) {
	r := jsonReaders.Get().(*jsonReader)
	defer r.release()
	return r.parse(src, m)
}

// parse reads one document into a tree.
func (r *jsonReader) parse(src []byte, m *schemas.Model) (*Document, error) {
	r.m, r.doc = m, &Document{}
	// Unless the tree may share src, its values are copied one by one
	// (r.value) and its names are the scope tables' own: no copy of the
	// whole of src, most of which is keys, punctuation and indentation.
	r.copyOut = !r.shareSrc
	if r.scopes.m != m {
		r.scopes = scopes{m: m, types: typeCache{m: m}}
	}
	r.start(src, &r.errs)
	ok := r.parseJSONText()
	r.slab.expect(r.nodes)
	r.lists.expect(r.slots)
	if r.scratch && r.arena.capacity() == 0 {
		r.arena.next, r.arenaKids.next = r.nodes, r.slots
	}
	if !ok {
		return r.doc, r.errs.err()
	}
	if root := &r.tape[0]; root.kind != jsonObject {
		r.errorAt(root.line, root.col, "", "a FHIR resource must be a JSON object, found "+root.kind.String())
		return r.doc, r.errs.err()
	}
	r.doc.Root = r.resource(0, nil, nil, "", -1, r.tape[0].line, r.tape[0].col)
	return r.doc, r.errs.err()
}

// jsonReader walks the tape of one document and builds its tree. Readers
// are kept between documents for their tape and stacks, and for what they
// learnt about the model's types.
type jsonReader struct {
	jsonLexer
	scopes scopes
	slab   nodeSlab
	lists  sliceBlocks[*Node] // the Children of the nodes
	// With scratch (ParseJSONScratch), nodes and child lists come from
	// blocks the reader keeps for the next document instead.
	scratch   bool
	vals      valueArena // the values of trees that do not share src (see valueArena)
	arena     blocks[Node]
	arenaKids blocks[*Node]
	// pairs is a stack shared by the objects being read whose members
	// must be paired first: each call of properties works on its own top
	// part.
	pairs []prop
	m     *schemas.Model
	doc   *Document
	errs  errs
}

var jsonReaders = sync.Pool{New: func() any { return new(jsonReader) }}

// release puts r back in the pool holding on to nothing of the document,
// unless a large document made its storage too big to keep.
func (r *jsonReader) release() {
	r.jsonLexer.release()
	clear(r.pairs[:cap(r.pairs)])
	r.pairs = r.pairs[:0]
	r.slab, r.lists, r.doc, r.errs = nodeSlab{}, sliceBlocks[*Node]{}, nil, errs{}
	if r.keep() && cap(r.pairs) <= maxKeptTape {
		jsonReaders.Put(r)
	}
}

func (r *jsonReader) errorAt(line, col int32, path, msg string) {
	r.errs.add(int(line), int(col), path, msg)
}

// at returns the position of token t.
func (r *jsonReader) at(t int) (int32, int32) { return r.tape[t].line, r.tape[t].col }

// resource builds a resource node from object v, which must carry
// "resourceType". For a nested resource, elem is the element that holds it
// (Bundle.entry.resource, contained); parent is nil for the root.
func (r *jsonReader) resource(v int, parent *Node, elem *schemas.Element, name string, index int, line, col int32) *Node {
	elemPath := func() string {
		if parent == nil {
			return ""
		}
		return childPath(parent, name, index)
	}
	rt := r.tape[v].start
	if rt == 0 {
		r.errorAt(r.tape[v].line, r.tape[v].col, elemPath(), `a resource needs a "resourceType" property`)
		return nil
	}
	if kind := r.tape[rt+1].kind; kind != jsonString {
		r.errorAt(r.tape[rt].line, r.tape[rt].col, elemPath(), "resourceType must be a string, found "+kind.String())
		return nil
	}
	code := r.text(rt + 1)
	t := r.m.Type(code) // not through the kept type cache, which would keep any name it is given
	if t == nil || !t.IsResource() || t.Abstract {
		r.errorAt(r.tape[rt].line, r.tape[rt].col, elemPath(), strconv.Quote(code)+" is not a FHIR STU3 resource type")
		return nil
	}
	n := r.newNode()
	n.Name, n.Type, n.Elem, n.Resource, n.Index, n.Parent, n.Line, n.Col =
		t.Name, t.Name, t.Root(), true, index, parent, int(line), int(col)
	if parent != nil {
		n.Name, n.Elem = name, elem
	}
	r.members(n, r.scopes.scope(n.Elem, n.Type), v)
	return n
}

// prop is a property and its "_" companion, by their key tokens (0 for
// none), paired before nodes are made.
type prop struct {
	name         string
	value, extra int
}

// kids are the children of a node being read, put straight into a part of
// a shared block that has room for the most the node can have.
type kids struct {
	list []*Node
	n    int
}

func (c *kids) push(n *Node) {
	if c.n < len(c.list) {
		c.list[c.n] = n
	} else {
		c.list = append(c.list, n) // never: the lexer counted the room
	}
	c.n++
}

// soFar returns the children pushed so far.
func (c *kids) soFar() []*Node { return c.list[:c.n:c.n] }

// members turns the properties of object v into the children of n, whose
// properties are those of s.
func (r *jsonReader) members(n *Node, s *scope, v int) {
	if r.errs.fatal {
		return
	}
	obj := r.tape[v]
	c := kids{list: r.newKids(obj.end)}
	r.properties(n, s, &c, v)
	if c.n > 0 {
		n.Children = c.soFar()
	}
}

// properties reads the members of object v into c, pairing "name" with
// "_name" where the object has such keys.
func (r *jsonReader) properties(n *Node, s *scope, c *kids, v int) {
	obj := r.tape[v]
	skip := 0 // the "resourceType" key of a resource, read already
	if n.Resource {
		skip = obj.start
	}
	if obj.flags&tokUnderscore == 0 {
		// No "_name" keys: every member is a property of its own, in order.
		for k := v + 1; k < int(obj.next); k = int(r.tape[k+1].next) {
			if k == skip || r.tape[k].flags&tokDup != 0 {
				continue
			}
			if r.errs.fatal {
				return
			}
			r.prop(n, s, c, r.text(k), k, 0)
		}
		return
	}
	base := len(r.pairs)
	defer func() { r.pairs = r.pairs[:base] }()
	var index map[string]int // name -> position in props, for large objects
	for k := v + 1; k < int(obj.next); k = int(r.tape[k+1].next) {
		if k == skip || r.tape[k].flags&tokDup != 0 {
			continue
		}
		props := r.pairs[base:]
		name, extra := r.text(k), false
		if strings.HasPrefix(name, "_") {
			name, extra = name[1:], true
		}
		j := -1
		if index != nil {
			if i, ok := index[name]; ok {
				j = i
			}
		} else {
			for i := range props {
				if props[i].name == name {
					j = i
					break
				}
			}
		}
		if j < 0 {
			r.pairs = append(r.pairs, prop{name: name})
			props = r.pairs[base:]
			j = len(props) - 1
			if index != nil {
				index[name] = j
			} else if len(props) > 16 {
				index = make(map[string]int, 2*len(props))
				for i, p := range props {
					index[p.name] = i
				}
			}
		}
		if extra {
			props[j].extra = k
		} else {
			props[j].value = k
		}
	}
	for k, end := base, len(r.pairs); k < end; k++ {
		if r.errs.fatal {
			return
		}
		p := r.pairs[k] // by value: prop may grow r.pairs
		r.prop(n, s, c, p.name, p.value, p.extra)
	}
}

// items is the values of one side of a property: the items of its array,
// or its single value.
type items struct {
	first, n int
}

// shape checks that the value of key (a key token, 0 for none) is an
// array exactly when elem repeats, and returns its items.
func (r *jsonReader) shape(parent *Node, name string, e *schemas.Element, repeats bool, key int) (items, bool) {
	if key == 0 {
		return items{}, true
	}
	v := key + 1
	line, col := r.at(key)
	if r.tape[v].kind == jsonArray {
		if !repeats {
			r.errorAt(line, col, childPath(parent, name, -1), "an array where a single value belongs ("+e.Path+" has max "+e.MaxText+")")
			return items{}, false
		}
		if r.tape[v].start == 0 {
			r.errorAt(line, col, childPath(parent, name, -1), "empty array (FHIR JSON leaves out empty elements)")
			return items{}, false
		}
		return items{v + 1, r.tape[v].start}, true
	}
	if repeats {
		r.errorAt(line, col, childPath(parent, name, -1), "a single value where an array belongs ("+e.Path+" repeats: max "+e.MaxText+")")
		return items{}, false
	}
	return items{v, 1}, true
}

// prop makes the nodes of one property, given by the key tokens of its
// value and of its "_name" companion (0 for none).
func (r *jsonReader) prop(parent *Node, s *scope, c *kids, name string, value, extra int) {
	first := value
	if first == 0 {
		first = extra
	}
	f := r.scopes.prop(s, name)
	if f != nil && parent.Primitive != nil && name == "value" {
		f = nil // a primitive's value is the property itself, not inside "_name"
	}
	if f != nil {
		name = f.name // the table's copy, which a node may keep
	}
	if f == nil {
		msg := "unknown property " + strconv.Quote(r.text(first)) + " in " + parent.Type
		switch name {
		case "resourceType":
			msg = `"resourceType" is only allowed on a resource`
		case "fhir_comments":
			msg = `unknown property "fhir_comments": comments were dropped from FHIR JSON after DSTU2; STU3 JSON has none`
		}
		line, col := r.at(first)
		r.errorAt(line, col, childPath(parent, name, -1), msg)
		return
	}
	e, typ, prim, resource, repeats := f.elem, f.typ, f.prim, f.resource, f.repeats
	if extra != 0 && prim == nil {
		line, col := r.at(extra)
		r.errorAt(line, col, childPath(parent, name, -1),
			"unknown property "+strconv.Quote(r.text(extra))+": "+name+" is not a primitive element")
		if value == 0 {
			return
		}
	}
	if extra != 0 && prim != nil && isAttrElem(e) {
		line, col := r.at(extra)
		r.errorAt(line, col, childPath(parent, name, -1),
			e.Path+" is an XML attribute, so it cannot have an id or extensions (\"_"+name+"\")")
		return
	}
	if prim != nil && typ == "xhtml" && extra != 0 {
		line, col := r.at(extra)
		r.errorAt(line, col, childPath(parent, name, -1),
			"the narrative div cannot have an id or extensions in JSON")
	}
	if prim == nil && f.t == nil && !resource {
		line, col := r.at(first)
		r.errorAt(line, col, childPath(parent, name, -1), "the model has no type "+typ)
		return
	}

	// Check the shape: arrays exactly where the element repeats.
	if !repeats && f.choice {
		for _, sib := range c.soFar() {
			if sib.Elem == e {
				line, col := r.at(first)
				r.errorAt(line, col, childPath(parent, name, -1),
					"choice element "+e.Path+" already has a value ("+sib.Name+"); it takes one type only")
				return
			}
		}
	}
	values, okV := r.shape(parent, name, e, repeats, value)
	extras, okE := items{}, true
	if prim != nil {
		extras, okE = r.shape(parent, name, e, repeats, extra)
	}
	if !okV || !okE {
		return
	}
	count := values.n
	if prim != nil && value != 0 && extra != 0 && values.n != extras.n {
		line, col := r.at(extra)
		r.errorAt(line, col, childPath(parent, name, -1),
			"arrays "+strconv.Quote(name)+" and "+strconv.Quote("_"+name)+" differ in length ("+
				strconv.Itoa(values.n)+" and "+strconv.Itoa(extras.n)+")")
		return
	}
	count = max(count, extras.n)
	nextVal, nextExt := values.first, extras.first
	for i := 0; i < count; i++ {
		idx := -1
		if repeats {
			idx = i
		}
		// The tokens of the value and the companion of item i, 0 for none.
		val, ext := 0, 0
		if i < values.n {
			val, nextVal = nextVal, int(r.tape[nextVal].next)
		}
		if i < extras.n {
			ext, nextExt = nextExt, int(r.tape[nextExt].next)
		}
		if val != 0 && r.tape[val].kind == jsonNull && prim == nil {
			line, col := r.at(val)
			r.errorAt(line, col, childPath(parent, name, idx), "null is not a value (leave the property out)")
			continue
		}
		item := val // the item's own value, even null
		if val != 0 && r.tape[val].kind == jsonNull {
			val = 0
		}
		if ext != 0 && r.tape[ext].kind == jsonNull {
			ext = 0
		}
		at := val
		if at == 0 {
			at = ext
		}
		if at == 0 {
			line, col := r.at(first)
			if item != 0 {
				line, col = r.at(item)
			}
			r.errorAt(line, col, childPath(parent, name, idx), "null on both sides: the item has neither a value nor an id or extensions")
			continue
		}
		line, col := r.at(at)
		if !repeats {
			// Point at the property name rather than its value.
			if val != 0 {
				line, col = r.at(value)
			} else {
				line, col = r.at(extra)
			}
		}
		if resource {
			if kind := r.tape[val].kind; kind != jsonObject {
				line, col := r.at(val)
				r.errorAt(line, col, childPath(parent, name, idx), "expected a resource object, found "+kind.String())
				continue
			}
			if n := r.resource(val, parent, e, name, idx, line, col); n != nil {
				c.push(n)
			}
			continue
		}
		n := r.newNode()
		n.Name, n.Type, n.Elem, n.Parent, n.Index, n.Line, n.Col = f.name, typ, e, parent, idx, int(line), int(col)
		if prim != nil {
			n.Primitive = prim
		}
		if prim != nil {
			if val != 0 && !r.primitiveValue(n, val) {
				continue
			}
			if ext != 0 {
				if kind := r.tape[ext].kind; kind != jsonObject {
					line, col := r.at(ext)
					r.errorAt(line, col, n.Path(), "\"_"+name+"\" must hold an object, found "+kind.String())
					continue
				}
				r.members(n, r.scopes.inner(f), ext)
			}
			if !n.HasValue && len(n.Children) == 0 {
				line, col := r.at(ext)
				r.errorAt(line, col, n.Path(), "\"_"+name+"\" holds neither an id nor extensions, and there is no value (FHIR rule ele-1)")
				continue
			}
		} else {
			if kind := r.tape[val].kind; kind != jsonObject {
				line, col := r.at(val)
				r.errorAt(line, col, n.Path(), "expected an object ("+typ+"), found "+kind.String())
				continue
			}
			r.members(n, r.scopes.inner(f), val)
		}
		c.push(n)
	}
}

// primitiveValue checks that token v has the JSON type n's primitive type
// calls for and stores its text.
func (r *jsonReader) primitiveValue(n *Node, v int) bool {
	want := n.Primitive.JSON
	kind := r.tape[v].kind
	var ok bool
	switch want {
	case "number":
		ok = kind == jsonNumber
	case "boolean":
		ok = kind == jsonTrue || kind == jsonFalse
	default:
		want = "string"
		ok = kind == jsonString
	}
	if !ok {
		line, col := r.at(v)
		r.errorAt(line, col, n.Path(), "wrong JSON type: "+n.Type+" is written as a "+want+", found "+kind.String())
		return false
	}
	text := r.text(v)
	if kind == jsonString {
		if r.tape[v].flags&tokPlain == 0 && !validXMLText(text) {
			line, col := r.at(v)
			r.errorAt(line, col, n.Path(), "the string holds a control character that XML cannot carry")
			return false
		}
		if n.Type == "xhtml" {
			if _, err := checkXHTML(text); err != nil {
				line, col := r.at(v)
				r.errorAt(line, col, n.Path(), err.Error())
				return false
			}
		}
	}
	switch {
	case kind == jsonTrue:
		text = "true"
	case kind == jsonFalse:
		text = "false"
	case r.copyOut && r.tape[v].flags&tokEscaped == 0:
		text = r.vals.keep(text) // a decoded string is a copy already
	}
	n.Value, n.HasValue = text, true
	return true
}
