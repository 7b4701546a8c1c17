package tree

import (
	"strconv"
)

// WriteJSON renders the tree rooted at a resource node in the FHIR JSON
// form: "resourceType" first, then properties in definition order, each
// primitive's id and extensions under "_name", repeating elements as arrays
// (aligned with null where only one side has an entry). With pretty the
// output is indented by two spaces and ends with a newline; otherwise it is
// compact.
func WriteJSON(root *Node, pretty bool) ([]byte, error) {
	return AppendJSON(make([]byte, 0, 4096), root, pretty)
}

// AppendJSON is WriteJSON appending to dst; give dst room for the output to
// save the copies of a growing buffer. On error it returns nil.
func AppendJSON(dst []byte, root *Node, pretty bool) ([]byte, error) {
	w := &jsonWriter{pretty: pretty, buf: dst}
	w.resource(root, 0)
	if pretty {
		w.buf = append(w.buf, '\n')
	}
	if w.errs.list != nil {
		return nil, w.errs.list
	}
	return w.buf, nil
}

type jsonWriter struct {
	buf    []byte
	pretty bool
	errs   errs
}

func (w *jsonWriter) newline(depth int) {
	if !w.pretty {
		return
	}
	w.buf = append(w.buf, '\n')
	for i := 0; i < depth; i++ {
		w.buf = append(w.buf, ' ', ' ')
	}
}

func (w *jsonWriter) key(name string, first bool, depth int) {
	w.prefixedKey("", name, first, depth)
}

// prefixedKey writes the key prefix+name ("_" for a primitive's id and
// extensions) without building the string.
func (w *jsonWriter) prefixedKey(prefix, name string, first bool, depth int) {
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.newline(depth)
	w.buf = append(w.buf, '"')
	if prefix != "" {
		w.buf = append(w.buf, prefix...)
	}
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
	if w.pretty {
		w.buf = append(w.buf, ' ')
	}
}

func (w *jsonWriter) resource(n *Node, depth int) {
	w.buf = append(w.buf, '{')
	w.key("resourceType", true, depth+1)
	w.buf = appendJSONString(w.buf, n.Type)
	w.members(n, false, depth+1)
	w.newline(depth)
	w.buf = append(w.buf, '}')
}

func (w *jsonWriter) object(n *Node, depth int) {
	w.buf = append(w.buf, '{')
	if w.members(n, true, depth+1) {
		w.newline(depth)
	}
	w.buf = append(w.buf, '}')
}

// members writes the children of n as properties and reports whether it
// wrote any.
func (w *jsonWriter) members(n *Node, first bool, depth int) bool {
	wrote := false
	cs := n.ordered()
	for i := 0; i < len(cs); {
		// g is the run of children of the same name starting at i.
		j := i + 1
		for j < len(cs) && cs[j].Name == cs[i].Name {
			j++
		}
		g := cs[i:j]
		i = j
		c := g[0]
		repeats := c.Elem.Repeats()
		if !repeats && len(g) > 1 {
			w.errs.add(g[1].Line, g[1].Col, g[1].Path(), "element occurs more than once, but allows at most one")
		}
		if c.Primitive != nil {
			first = w.primitive(g, repeats, first, depth)
			wrote = true
			continue
		}
		w.key(c.Name, first, depth)
		first, wrote = false, true
		if repeats {
			w.buf = append(w.buf, '[')
			for i, item := range g {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.newline(depth + 1)
				w.complex(item, depth+1)
			}
			w.newline(depth)
			w.buf = append(w.buf, ']')
		} else {
			w.complex(c, depth)
		}
	}
	return wrote
}

func (w *jsonWriter) complex(n *Node, depth int) {
	if n.Resource {
		w.resource(n, depth)
	} else {
		w.object(n, depth)
	}
}

// primitive writes "name" and "_name" for a run of primitive nodes.
func (w *jsonWriter) primitive(g []*Node, repeats bool, first bool, depth int) bool {
	name := g[0].Name
	anyValue, anyExtra := false, false
	for _, n := range g {
		anyValue = anyValue || n.HasValue
		anyExtra = anyExtra || len(n.Children) > 0
	}
	if anyValue {
		w.key(name, first, depth)
		first = false
		if repeats {
			w.buf = append(w.buf, '[')
			for i, n := range g {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.newline(depth + 1)
				w.value(n)
			}
			w.newline(depth)
			w.buf = append(w.buf, ']')
		} else {
			w.value(g[0])
		}
	}
	if anyExtra {
		w.prefixedKey("_", name, first, depth)
		first = false
		if repeats {
			w.buf = append(w.buf, '[')
			for i, n := range g {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.newline(depth + 1)
				if len(n.Children) == 0 {
					w.buf = append(w.buf, "null"...)
				} else {
					w.object(n, depth+1)
				}
			}
			w.newline(depth)
			w.buf = append(w.buf, ']')
		} else {
			w.object(g[0], depth)
		}
	}
	return first
}

func (w *jsonWriter) value(n *Node) {
	if !n.HasValue {
		w.buf = append(w.buf, "null"...)
		return
	}
	switch n.Primitive.JSON {
	case "number":
		if !validJSONNumber(n.Value) {
			w.errs.add(n.Line, n.Col, n.Path(), "value "+strconv.Quote(n.Value)+" is not a JSON number")
		}
		w.buf = append(w.buf, n.Value...)
	case "boolean":
		if n.Value != "true" && n.Value != "false" {
			w.errs.add(n.Line, n.Col, n.Path(), "value "+strconv.Quote(n.Value)+" is not a boolean")
		}
		w.buf = append(w.buf, n.Value...)
	default:
		w.buf = appendJSONString(w.buf, n.Value)
	}
}
