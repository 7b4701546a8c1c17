package tree

// WriteXML renders the tree rooted at a resource node in the FHIR XML form:
// an XML declaration, the root element in the FHIR namespace, children in
// definition order, element ids, extension urls and primitive values as
// attributes, nested resources wrapped in their element, and narrative
// XHTML as written. With pretty the output is indented by two spaces;
// otherwise elements follow each other with no whitespace between them.
func WriteXML(root *Node, pretty bool) ([]byte, error) {
	return AppendXML(make([]byte, 0, 4096), root, pretty)
}

// AppendXML is WriteXML appending to dst; give dst room for the output to
// save the copies of a growing buffer. On error it returns nil.
func AppendXML(dst []byte, root *Node, pretty bool) ([]byte, error) {
	dst = append(dst, `<?xml version="1.0" encoding="UTF-8"?>`...)
	if pretty {
		dst = append(dst, '\n')
	}
	return AppendXMLElement(dst, root, pretty)
}

// AppendXMLElement is AppendXML without the XML declaration: the resource's
// element alone, for a document that holds it (an entry of a Bundle
// written as a stream) or an HTTP body.
func AppendXMLElement(dst []byte, root *Node, pretty bool) ([]byte, error) {
	w := &xmlWriter{pretty: pretty, buf: dst}
	w.resource(root, 0, true)
	if pretty {
		w.buf = append(w.buf, '\n')
	}
	if w.errs.list != nil {
		return nil, w.errs.list
	}
	return w.buf, nil
}

type xmlWriter struct {
	buf    []byte
	pretty bool
	errs   errs
}

func (w *xmlWriter) newline(depth int) {
	if !w.pretty {
		return
	}
	w.buf = append(w.buf, '\n')
	for i := 0; i < depth; i++ {
		w.buf = append(w.buf, ' ', ' ')
	}
}

func (w *xmlWriter) resource(n *Node, depth int, root bool) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, n.Type...)
	if root {
		w.buf = append(w.buf, ` xmlns="`+FHIRNamespace+`"`...)
	}
	w.contentAndEnd(n, n.Type, depth)
}

// element writes one non-resource node (its start tag, attributes,
// children and end tag).
func (w *xmlWriter) element(n *Node, depth int) {
	w.newline(depth)
	if n.Type == "xhtml" {
		w.xhtml(n)
		return
	}
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, n.Name...)
	if n.Resource {
		w.buf = append(w.buf, '>')
		w.newline(depth + 1)
		w.resource(n, depth+1, false)
		w.newline(depth)
		w.buf = append(w.buf, "</"...)
		w.buf = append(w.buf, n.Name...)
		w.buf = append(w.buf, '>')
		return
	}
	w.contentAndEnd(n, n.Name, depth)
}

// contentAndEnd finishes a start tag whose name has been written: the
// attributes, then the children and the end tag (or "/>").
func (w *xmlWriter) contentAndEnd(n *Node, name string, depth int) {
	kids := n.ordered()
	elems := 0
	for _, c := range kids {
		if !c.IsAttr() {
			elems++
			continue
		}
		w.attr(c.Name, c)
	}
	if n.Primitive != nil && n.HasValue {
		w.attr("value", n)
	}
	if elems == 0 {
		w.buf = append(w.buf, "/>"...)
		return
	}
	w.buf = append(w.buf, '>')
	for _, c := range kids {
		if !c.IsAttr() {
			w.element(c, depth+1)
		}
	}
	w.newline(depth)
	w.buf = append(w.buf, "</"...)
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

func (w *xmlWriter) attr(name string, n *Node) {
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '=', '"')
	var ok bool
	w.buf, ok = appendAttr(w.buf, n.Value)
	if !ok {
		w.errs.add(n.Line, n.Col, n.Path(), "value holds a character that XML cannot carry")
	}
	w.buf = append(w.buf, '"')
}

func (w *xmlWriter) xhtml(n *Node) {
	s, err := checkXHTML(n.Value)
	if err != nil {
		w.errs.add(n.Line, n.Col, n.Path(), err.Error())
		return
	}
	w.buf = append(w.buf, s...)
}
