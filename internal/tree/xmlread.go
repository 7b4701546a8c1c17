package tree

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// ParseXML reads a FHIR STU3 resource in the XML form into a tree, resolving
// every element against m. It returns the document together with an
// ErrorList when the input is not well-formed or holds elements, attributes
// or text the model does not allow; the tree then holds what could be read
// and must not be converted.
//
// The reader accepts UTF-8 only (a leading byte order mark is read past as
// TrimBOM says), refuses DTDs and entity declarations (the
// five predefined entities and character references are fine), and stops
// at MaxDepth levels of nesting. Comments outside narrative XHTML are
// counted in Document.Comments; xsi:schemaLocation and processing
// instructions other than the XML declaration are reported as warnings.
func ParseXML(src []byte, m *schemas.Model) (*Document, error) {
	// The reader comes from the pool for its stacks and for what it
	// learnt about the model; the tree is the caller's, so its nodes and
	// child lists are new blocks, not the pooled ones.
	r := getXMLReader()
	pooledNodes, pooledKids := r.nodes, r.kids.finished
	r.nodes, r.kids.finished = blocks[Node]{}, blocks[*Node]{}
	r.init(src, m, false)
	r.document()
	doc, err := r.doc, r.errs.err()
	r.nodes, r.kids.finished, r.doc = pooledNodes, pooledKids, nil
	r.release()
	return doc, err
}

var errUnexpectedEOF = errors.New("unexpected end of input")

type xmlReader struct {
	types  typeCache
	tables map[xmlTableKey]*xmlChildren
	nodes  blocks[Node]
	kids   xmlKids
	src    []byte
	vals   valueArena
	shared bool // the tree's values may share src (ParseXMLScratch)
	sc     xmlScanner
	m      *schemas.Model
	pos    position
	doc    *Document
	errs   errs
	depth  int
}

// next scans the next token and returns its kind and the byte offset
// where it starts. The token itself is in r.sc.
func (r *xmlReader) next() (tokKind, int, bool) {
	off := r.sc.offset()
	r.pos.sync(off, r.sc.lines, r.sc.lineStart)
	k, err := r.sc.scan()
	if err != nil {
		if err == errEOF {
			return 0, off, false
		}
		r.syntaxError(err)
		return 0, off, false
	}
	return k, off, true
}

// node returns a new node holding n.
func (r *xmlReader) node(n Node) *Node {
	p := r.newNode()
	*p = n
	return p
}

// newNode returns a new zero node.
func (r *xmlReader) newNode() *Node { return &r.nodes.take(1)[0] }

func (r *xmlReader) syntaxError(err error) {
	off := r.sc.offset()
	var se *syntaxError
	if errors.As(err, &se) {
		off = se.off
	}
	line, col := r.pos.at(off)
	r.errs.stop(line, col, "", "XML is not well-formed: "+err.Error())
}

func (r *xmlReader) errorAt(off int, path, msg string) {
	line, col := r.pos.at(off)
	r.errs.add(line, col, path, msg)
}

func (r *xmlReader) warnAt(off int, path, msg string) {
	line, col := r.pos.at(off)
	r.doc.Warnings = append(r.doc.Warnings, errorAt(line, col, path, msg))
}

// skip discards the rest of the element whose start tag was just read,
// still counting its comments and catching syntax errors. It keeps no
// stack, so it needs no bound on nesting.
func (r *xmlReader) skip() {
	depth := 1
	for depth > 0 && !r.errs.fatal {
		k, off, ok := r.next()
		if !ok {
			r.unexpectedEnd()
			return
		}
		switch k {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		case tokComment:
			r.comment(off)
		case tokDirective:
			r.directive(off)
		}
	}
}

// unexpectedEnd reports input that ends inside an element, unless the
// reader already stopped at a problem of its own.
func (r *xmlReader) unexpectedEnd() {
	if !r.errs.fatal {
		r.syntaxError(errUnexpectedEOF)
	}
}

func (r *xmlReader) directive(off int) {
	line, col := r.pos.at(off)
	r.errs.stop(line, col, "", "DTDs and entity declarations are not allowed")
}

// tooDeep stops the reader at a start tag past MaxDepth.
func (r *xmlReader) tooDeep(off int, path string) {
	line, col := r.pos.at(off)
	r.errs.stop(line, col, path, "elements nest too deeply: more than "+strconv.Itoa(MaxDepth)+" levels")
}

func (r *xmlReader) document() { r.content(nil, 0, nil, 0) }

func (r *xmlReader) comment(off int) {
	if r.doc.Comments == 0 {
		line, col := r.pos.at(off)
		r.doc.Warnings = append(r.doc.Warnings, errorAt(line, col, "",
			"XML comments are dropped: JSON has no place for them, and the converter does not copy them"))
	}
	r.doc.Comments++
}

func (r *xmlReader) root(se xml.StartElement, off int) {
	line, col := r.pos.at(off)
	typ := r.resourceType(se, off, nil)
	if typ == nil {
		r.skip()
		return
	}
	n := r.node(Node{Name: typ.Name, Type: typ.Name, Elem: typ.Root(), Resource: true, Index: -1, Line: line, Col: col})
	r.doc.Root = n
	r.resourceAttrs(n, se, off)
	r.depth = 1
	mark := r.kids.mark()
	r.content(n, mark, r.table(n.Elem, n.Type), off)
	r.kids.done(n, mark)
}

// resourceType checks that se names a concrete resource in the FHIR
// namespace; wrapper is the element holding it, nil for the root.
func (r *xmlReader) resourceType(se xml.StartElement, off int, wrapper *Node) *schemas.Type {
	if se.Name.Space != FHIRNamespace {
		r.errorAt(off, wrapper.Path(), "element <"+se.Name.Local+"> is not in the FHIR namespace ("+FHIRNamespace+")")
		return nil
	}
	t := r.m.Type(se.Name.Local)
	if t == nil || !t.IsResource() || t.Abstract {
		r.errorAt(off, wrapper.Path(), "<"+se.Name.Local+"> is not a FHIR STU3 resource type")
		return nil
	}
	return t
}

// resourceAttrs checks the attributes of a resource's own element: only
// namespace declarations (and xsi attributes, dropped) may appear.
func (r *xmlReader) resourceAttrs(n *Node, se xml.StartElement, off int) {
	for _, a := range se.Attr {
		if isNSDecl(a) {
			continue
		}
		if a.Name.Space == xsiNamespace {
			r.warnAt(off, n.Path(), "attribute xsi:"+a.Name.Local+" has no JSON form and is dropped")
			continue
		}
		r.errorAt(off, n.Path(), "unknown attribute "+attrName(a)+" on a resource")
	}
}

func isNSDecl(a xml.Attr) bool {
	return a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns")
}

func attrName(a xml.Attr) string {
	if a.Name.Space == "" {
		return a.Name.Local
	}
	return "{" + a.Name.Space + "}" + a.Name.Local
}

// content is the reader's one token loop: it reads what lies inside n,
// whose start tag is at off and whose children start at mark on the child
// stack, up to its end tag. Start tags go to the
// reader for the level; everything else is judged here, in the same words
// at every level. The levels are:
//   - the document (n is nil): one root element, up to the end of the
//     input; an XML declaration may come first;
//   - a resource wrapper (tbl is nil: <resource>, <contained>): exactly one
//     resource element, whose type and children n takes;
//   - any other element: child elements that tbl resolves.
func (r *xmlReader) content(n *Node, mark int, tbl *xmlChildren, off int) {
	starts := 0 // start tags read at this level
	first := true
	for !r.errs.fatal {
		k, toff, ok := r.next()
		if !ok {
			if n != nil {
				r.unexpectedEnd()
			}
			break
		}
		switch k {
		case tokStart:
			switch {
			case n == nil && starts > 0:
				r.errorAt(toff, "", "more than one root element")
				r.skip()
			case n == nil:
				r.root(r.sc.start, toff)
			case tbl == nil:
				r.innerResource(n, mark, starts > 0, toff)
			default:
				r.element(n, mark, tbl, r.sc.start, toff)
			}
			starts++
		case tokEnd:
			if tbl == nil && starts == 0 {
				r.errorAt(off, n.Path(), "<"+n.Name+"> holds no resource")
			}
			return
		case tokText:
			if r.sc.textIsSpace() {
				break
			}
			if n == nil {
				r.errorAt(toff, "", "text outside the root element")
			} else {
				r.errorAt(toff, n.Path(), "text content is not allowed here (FHIR values go in the value attribute)")
			}
		case tokComment:
			r.comment(toff)
		case tokProcInst:
			if n == nil && first && r.sc.pi.Target == "xml" {
				break // the XML declaration
			}
			r.warnAt(toff, n.Path(), "processing instruction <?"+r.sc.pi.Target+"?> dropped")
		case tokDirective:
			r.directive(toff)
		}
		first = false
	}
	if n == nil && starts == 0 && !r.errs.fatal {
		r.errs.stop(0, 0, "", "no root element: the input is empty")
	}
}

// element reads one child element of parent, whose children ptbl
// resolves and start at pmark on the child stack.
func (r *xmlReader) element(parent *Node, pmark int, ptbl *xmlChildren, se xml.StartElement, off int) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > MaxDepth {
		r.tooDeep(off, parent.Path())
		return
	}
	name := se.Name.Local
	c, ok := r.child(ptbl, name)
	if ok && c.attr {
		ok = false // id, url and value are attributes in XML
	}
	if se.Name.Space != FHIRNamespace {
		if se.Name.Space == XHTMLNamespace && ok && c.rawType == "xhtml" {
			// handled below
		} else {
			r.errorAt(off, childPath(parent, name, -1), "element <"+name+"> is not in the FHIR namespace ("+FHIRNamespace+")")
			r.skip()
			return
		}
	}
	if !ok {
		r.errorAt(off, childPath(parent, name, -1), "unknown element <"+name+"> in "+parent.Type)
		r.skip()
		return
	}
	mem := c.mem
	line, col := r.pos.at(off)
	n := r.newNode() // set field by field: a Node literal was built, then copied
	// The name is the table's copy, which never shares the source.
	n.Name, n.Type, n.Elem, n.Parent, n.Index, n.Line, n.Col = c.name, mem.Type, mem.Element, parent, -1, line, col
	siblings := r.kids.since(pmark)
	if mem.Element.Repeats() {
		n.Index = 0
		if k := len(siblings); k > 0 && siblings[k-1].Elem == mem.Element {
			n.Index = siblings[k-1].Index + 1
		} else {
			for _, c := range siblings {
				if c.Elem == mem.Element {
					n.Index++
				}
			}
		}
	} else {
		for _, c := range siblings {
			if c.Elem != mem.Element {
				continue
			}
			if c.Name != name {
				r.errorAt(off, n.Path(), "choice element "+mem.Element.Path+" already has a value ("+c.Name+"); it takes one type only")
			} else {
				r.errorAt(off, n.Path(), "element "+name+" occurs more than once, but "+
					mem.Element.Path+" allows at most one (JSON could not hold both)")
			}
			break
		}
	}
	// Out of order elements are read, and said to be moved: JSON has no
	// order, and XML output follows the definition.
	if k := len(siblings); k > 0 {
		if last := siblings[k-1]; !last.IsAttr() && last.Elem.Index > mem.Element.Index {
			r.warnAt(off, n.Path(), "element <"+name+"> comes after <"+last.Name+">, against the STU3 element order; converted output puts it in definition order")
		}
	}
	r.kids.push(n)
	mark := r.kids.mark()

	t, resource := c.t, c.resource
	switch {
	case mem.Type == "xhtml":
		r.xhtml(n, se, off)
		return
	case resource:
		r.wrappedResource(n, mark, se, off)
		return
	}
	if t == nil {
		// The model names a type it does not define: nothing we can check.
		r.errorAt(off, n.Path(), "the model has no type "+mem.Type)
		r.skip()
		return
	}
	if t.Kind == schemas.KindPrimitive {
		n.Primitive = t.Primitive
	}
	for _, a := range se.Attr {
		if isNSDecl(a) {
			continue
		}
		if a.Name.Space == xsiNamespace {
			r.warnAt(off, n.Path(), "attribute xsi:"+a.Name.Local+" has no JSON form and is dropped")
			continue
		}
		if a.Name.Space != "" {
			r.errorAt(off, n.Path(), "unknown attribute "+attrName(a))
			continue
		}
		if n.Primitive != nil && a.Name.Local == "value" {
			n.Value, n.HasValue = r.value(a.Value), true
			continue
		}
		ac, ok := r.child(c.kidsOf(), a.Name.Local)
		if !ok || !ac.attr {
			r.errorAt(off, n.Path(), "unknown attribute "+a.Name.Local+" on "+n.Type)
			continue
		}
		an := r.newNode()
		an.Name, an.Type, an.Elem, an.Primitive = ac.name, ac.rawType, ac.mem.Element, ac.attrPrim
		an.Parent, an.Index, an.Value, an.HasValue, an.Line, an.Col = n, -1, r.value(a.Value), true, line, col
		r.kids.push(an)
	}
	if n.Primitive != nil && n.HasValue {
		if msg := primitiveTextProblem(n); msg != "" {
			r.errorAt(off, n.Path(), msg)
		}
	}
	r.content(n, mark, c.kidsOf(), off)
	r.kids.done(n, mark)
	if n.Primitive != nil && !n.HasValue && len(n.Children) == 0 {
		r.errorAt(off, n.Path(), "<"+name+"> has neither a value nor an id or extensions (FHIR rule ele-1); JSON has no form for it")
	}
}

// primitiveTextProblem says why a primitive's value text cannot become the
// JSON number or boolean its type calls for, or returns "".
func primitiveTextProblem(n *Node) string {
	switch n.Primitive.JSON {
	case "number":
		if !validJSONNumber(n.Value) {
			return "value " + strconv.Quote(n.Value) + " is not a valid " + n.Type + " (JSON needs it as a number)"
		}
	case "boolean":
		if n.Value != "true" && n.Value != "false" {
			return "value " + strconv.Quote(n.Value) + " is not a valid boolean (true or false)"
		}
	}
	return ""
}

// wrappedResource reads <resource><Patient>...</Patient></resource>: the
// node takes the inner element's type and children, which start at mark.
func (r *xmlReader) wrappedResource(n *Node, mark int, se xml.StartElement, off int) {
	n.Resource = true
	for _, a := range se.Attr {
		if !isNSDecl(a) {
			r.errorAt(off, n.Path(), "unknown attribute "+attrName(a))
		}
	}
	r.content(n, mark, nil, off)
}

// innerResource reads the resource element inside the wrapper n, whose
// start tag was just read at off and whose children start at mark; again
// is set when one came before it.
func (r *xmlReader) innerResource(n *Node, mark int, again bool, off int) {
	if again {
		r.errorAt(off, n.Path(), "more than one resource inside <"+n.Name+">")
		r.skip()
		return
	}
	se := r.sc.start
	typ := r.resourceType(se, off, n)
	if typ == nil {
		r.skip()
		return
	}
	n.Type = typ.Name
	r.resourceAttrs(n, se, off)
	r.depth++
	r.content(n, mark, r.table(n.Elem, n.Type), off)
	r.kids.done(n, mark)
	r.depth--
}

// xhtml reads a narrative div. When the div declares the XHTML namespace
// itself and uses no prefixes, its source text is kept as written (line
// ends normalised as XML requires); otherwise it is re-serialised so that
// it stands alone.
func (r *xmlReader) xhtml(n *Node, se xml.StartElement, off int) {
	n.Primitive = xhtmlPrimitive(r.m)
	if se.Name.Space != XHTMLNamespace || se.Name.Local != "div" {
		r.errorAt(off, n.Path(), "the narrative must be a <div> in the XHTML namespace ("+XHTMLNamespace+")")
		r.skip()
		return
	}
	standalone := false
	for _, a := range se.Attr {
		if a.Name.Space == "" && a.Name.Local == "xmlns" && a.Value == XHTMLNamespace {
			standalone = true
		}
	}
	standalone = standalone && r.unprefixedTag(off) && plainAttrs(se)
	toks := []xml.Token{se.Copy()}
	depth := 1
	for depth > 0 && !r.errs.fatal {
		k, toff, ok := r.next()
		if !ok {
			r.unexpectedEnd()
			return
		}
		tok := r.sc.token(k)
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if r.depth+depth > MaxDepth {
				r.tooDeep(toff, n.Path())
				return
			}
			standalone = standalone && r.unprefixedTag(toff) && plainAttrs(t)
		case xml.EndElement:
			depth--
		case xml.Directive:
			r.directive(toff)
			return
		case xml.ProcInst:
			// The JSON form could not be read back: narrative XHTML has
			// no processing instructions.
			r.errorAt(toff, n.Path(), "processing instruction <?"+t.Target+"?> inside the narrative")
			continue
		}
		toks = append(toks, xml.CopyToken(tok))
	}
	end := r.sc.offset()
	if standalone {
		n.Value = r.value(normaliseNewlines(sharedString(r.src[off:end])))
	} else {
		n.Value = serialiseXHTML(toks)
	}
	n.HasValue = true
}

// unprefixedTag reports whether the start tag at off has an unprefixed name.
func (r *xmlReader) unprefixedTag(off int) bool {
	for i := off + 1; i < len(r.src); i++ {
		switch r.src[i] {
		case ':':
			return false
		case ' ', '\t', '\r', '\n', '>', '/':
			return true
		}
	}
	return true
}

// plainAttrs reports whether every attribute is unprefixed, in the xml
// namespace, or a default namespace declaration.
func plainAttrs(se xml.StartElement) bool {
	for _, a := range se.Attr {
		switch a.Name.Space {
		case "", xmlNamespace:
		default:
			return false
		}
	}
	return true
}

func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

func normaliseNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func xhtmlPrimitive(m *schemas.Model) *schemas.Primitive {
	if t := m.Type("xhtml"); t != nil && t.Primitive != nil {
		return t.Primitive
	}
	return &schemas.Primitive{JSON: "string"}
}
