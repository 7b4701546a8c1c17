package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// node is one element of a FHIR XML document, small enough to edit by hand:
// FHIR XML keeps its values in attributes, so text is only kept for the rare
// element that has some (XHTML narrative).
type node struct {
	name  string
	attrs []xml.Attr
	kids  []*node
	text  string
}

// parseXML reads a document into a node tree.
func parseXML(src []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "" || a.Name.Local == "xmlns" {
					n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
				}
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" && len(stack) > 0 {
				stack[len(stack)-1].text += s
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// fragment parses a snippet of sibling elements.
func fragment(s string) []*node {
	root, err := parseXML([]byte("<f>" + s + "</f>"))
	if err != nil {
		panic(fmt.Sprintf("bad snippet %q: %v", s, err))
	}
	return root.kids
}

// render writes the tree with one element a line, indented by two spaces, so
// that the line numbers of the golden files point at single elements.
func render(root *node) []byte {
	var b bytes.Buffer
	var walk func(n *node, depth int)
	walk = func(n *node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString("<" + n.name)
		for _, a := range n.attrs {
			fmt.Fprintf(&b, " %s=\"%s\"", a.Name.Local, escape(a.Value))
		}
		switch {
		case len(n.kids) == 0 && n.text == "":
			b.WriteString("/>\n")
		case len(n.kids) == 0:
			b.WriteString(">" + escape(n.text) + "</" + n.name + ">\n")
		default:
			b.WriteString(">\n")
			for _, k := range n.kids {
				walk(k, depth+1)
			}
			b.WriteString(strings.Repeat("  ", depth) + "</" + n.name + ">\n")
		}
	}
	walk(root, 0)
	return b.Bytes()
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) setAttr(name, value string) {
	for i, a := range n.attrs {
		if a.Name.Local == name {
			n.attrs[i].Value = value
			return
		}
	}
	n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
}

// step matches one path segment: "name", "name[2]" (0-based among the
// children of that name) or "name[attr=value]".
func (n *node) step(seg string) (int, *node) {
	name, sel := seg, ""
	if i := strings.IndexByte(seg, '['); i > 0 && strings.HasSuffix(seg, "]") {
		name, sel = seg[:i], seg[i+1:len(seg)-1]
	}
	want, seen := 0, 0
	key, val, byAttr := strings.Cut(sel, "=")
	if !byAttr && sel != "" {
		want, _ = strconv.Atoi(sel)
	}
	for i, k := range n.kids {
		if k.name != name {
			continue
		}
		if byAttr {
			if k.attr(key) == val {
				return i, k
			}
			continue
		}
		if seen == want {
			return i, k
		}
		seen++
	}
	return -1, nil
}

// at follows a slash-separated path of segments below n; it panics when the
// path is not there, since every edit must hit its target.
func (n *node) at(path string) *node {
	cur := n
	if path == "" {
		return n
	}
	for _, seg := range splitPath(path) {
		_, next := cur.step(seg)
		if next == nil {
			panic(fmt.Sprintf("no %q below <%s> (at %q)", path, n.name, seg))
		}
		cur = next
	}
	return cur
}

// splitPath cuts a path at the slashes outside brackets, so that a selector
// may hold a URL.
func splitPath(path string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '[':
			depth++
		case ']':
			depth--
		case '/':
			if depth == 0 {
				out = append(out, path[start:i])
				start = i + 1
			}
		}
	}
	return append(out, path[start:])
}

// parentOf returns the parent of the element at path and its index there.
func (n *node) parentOf(path string) (*node, int) {
	parent := n
	if segs := splitPath(path); len(segs) > 1 {
		parent = n.at(strings.Join(segs[:len(segs)-1], "/"))
		path = segs[len(segs)-1]
	}
	i, k := parent.step(path)
	if k == nil {
		panic(fmt.Sprintf("no %q below <%s>", path, parent.name))
	}
	return parent, i
}

// remove deletes the element at path.
func (n *node) remove(path string) {
	p, i := n.parentOf(path)
	p.kids = append(p.kids[:i], p.kids[i+1:]...)
}

// set gives the element at path a new value attribute.
func (n *node) set(path, value string) { n.at(path).setAttr("value", value) }

// before inserts snippet elements just before the element at path; after
// just after it.
func (n *node) before(path, snippet string) { n.insert(path, snippet, 0) }
func (n *node) after(path, snippet string)  { n.insert(path, snippet, 1) }

func (n *node) insert(path, snippet string, off int) {
	p, i := n.parentOf(path)
	add := fragment(snippet)
	kids := append([]*node{}, p.kids[:i+off]...)
	kids = append(kids, add...)
	p.kids = append(kids, p.kids[i+off:]...)
}

// appendTo adds snippet elements as the last children of the element at path.
func (n *node) appendTo(path, snippet string) {
	t := n.at(path)
	t.kids = append(t.kids, fragment(snippet)...)
}

// doc is a payload being edited: an event-message Bundle or a Subscription.
type doc struct {
	root  *node
	seed  string
	uuids int
}

// uuid returns a UUID derived from the payload name, so reruns agree.
func (d *doc) uuid() string {
	d.uuids++
	h := sha1.Sum([]byte(fmt.Sprintf("%s#%d", d.seed, d.uuids)))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// entry returns the n-th Bundle entry (0-based) whose resource is of type
// typ; the resource element itself is entry.at("resource/"+typ).
func (d *doc) entry(typ string, n int) *node {
	seen := 0
	for _, e := range d.root.kids {
		if e.name != "entry" {
			continue
		}
		if r := e.at("resource"); len(r.kids) == 1 && r.kids[0].name == typ {
			if seen == n {
				return e
			}
			seen++
		}
	}
	panic(fmt.Sprintf("no entry %d of type %s", n, typ))
}

// res returns the n-th resource of type typ: a Bundle entry's resource, or
// the root when it has that type.
func (d *doc) res(typ string, n ...int) *node {
	if d.root.name == typ {
		return d.root
	}
	i := 0
	if len(n) > 0 {
		i = n[0]
	}
	return d.entry(typ, i).at("resource/" + typ)
}

// url returns the fullUrl of the first entry of type typ.
func (d *doc) url(typ string, n ...int) string {
	i := 0
	if len(n) > 0 {
		i = n[0]
	}
	return d.entry(typ, i).at("fullUrl").attr("value")
}

// dropEntry removes the n-th entry of type typ.
func (d *doc) dropEntry(typ string, n int) {
	e := d.entry(typ, n)
	for i, k := range d.root.kids {
		if k == e {
			d.root.kids = append(d.root.kids[:i], d.root.kids[i+1:]...)
			return
		}
	}
}

// addEntry appends an entry holding the resource of the snippet, giving it
// an id and a fullUrl from a fresh UUID; "{id}" in the snippet is replaced by
// that UUID first. It returns the fullUrl.
func (d *doc) addEntry(snippet string) string {
	id := d.uuid()
	snippet = strings.ReplaceAll(snippet, "{id}", id)
	res := fragment(snippet)[0]
	if len(res.kids) == 0 || res.kids[0].name != "id" {
		res.kids = append([]*node{{name: "id", attrs: []xml.Attr{{Name: xml.Name{Local: "value"}, Value: id}}}}, res.kids...)
	}
	e := &node{name: "entry", kids: []*node{
		{name: "fullUrl", attrs: []xml.Attr{{Name: xml.Name{Local: "value"}, Value: "urn:uuid:" + id}}},
		{name: "resource", kids: []*node{res}},
	}}
	d.root.kids = append(d.root.kids, e)
	return "urn:uuid:" + id
}
