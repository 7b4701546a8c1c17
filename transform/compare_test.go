package transform

// Comparison helpers for the corpus tests. They do not use the converter's
// own parsers, so that a bug there cannot hide itself: JSON is decoded with
// encoding/json (numbers kept as their text), XML is reduced with
// encoding/xml to a canonical tree.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// sharedDir finds the read-only reference data (../shared next to the
// repository) or skips the test.
func sharedDir(t testing.TB) string {
	t.Helper()
	d := sharedtest.Path(t, "fhir")
	return filepath.Dir(d)
}

// decodeJSON decodes JSON with numbers kept as written.
func decodeJSON(b []byte) (any, error) {
	// Some published files start with a UTF-8 byte order mark.
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// diffJSON returns "" when a and b hold the same data (property order
// ignored, numbers compared by their text, narrative divs compared as
// canonical XHTML), or a description of the first difference.
func diffJSON(path string, a, b any) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: object vs %T", path, b)
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			x, okA := av[k]
			y, okB := bv[k]
			switch {
			case !okA:
				return fmt.Sprintf("%s.%s: missing in got (want %s)", path, k, short(y))
			case !okB:
				return fmt.Sprintf("%s.%s: unexpected in got (%s)", path, k, short(x))
			}
			if k == "div" {
				xs, _ := x.(string)
				ys, _ := y.(string)
				if d := diffXHTML(xs, ys); d != "" {
					return path + ".div: " + d
				}
				continue
			}
			if d := diffJSON(path+"."+k, x, y); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: array vs %T", path, b)
		}
		if len(av) != len(bv) {
			return fmt.Sprintf("%s: %d items vs %d", path, len(av), len(bv))
		}
		for i := range av {
			if d := diffJSON(fmt.Sprintf("%s[%d]", path, i), av[i], bv[i]); d != "" {
				return d
			}
		}
		return ""
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok || av != bv {
			return fmt.Sprintf("%s: %s vs %s", path, short(a), short(b))
		}
		return ""
	default:
		if a != b {
			return fmt.Sprintf("%s: %s vs %s", path, short(a), short(b))
		}
		return ""
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	if _, ok := v.(json.Number); ok {
		s += " (number)"
	}
	return s
}

func diffXHTML(a, b string) string {
	ca, errA := tree.CanonicalXHTML(a)
	cb, errB := tree.CanonicalXHTML(b)
	if errA != nil || errB != nil {
		if a == b {
			return ""
		}
		return fmt.Sprintf("xhtml differs (parse errors %v / %v)", errA, errB)
	}
	if ca != cb {
		return "xhtml differs: " + firstDiff(ca, cb)
	}
	return ""
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-40, 0)
	return fmt.Sprintf("at %d: %q vs %q", i, clip(a[lo:], 100), clip(b[lo:], 100))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// xnode is a canonical XML element: namespace-qualified name, attributes
// without namespace declarations and xsi attributes, sorted, child
// elements in order, and text. Whitespace-only text is ignored outside
// XHTML; comments and processing instructions are dropped.
type xnode struct {
	name  string
	attrs []string
	kids  []*xnode
	text  string
}

// attrSpace folds white space in attribute values. encoding/xml does not
// normalise attribute values as XML 1.0 requires (a literal line feed
// should read as a space, &#10; as a line feed) and cannot tell the two
// apart afterwards, so the canonical form treats all white space in values
// as spaces. The converter's own unit tests check that character
// references keep their character.
var attrSpace = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

func canonXML(src []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	dec.Strict = true
	var stack []*xnode
	var root *xnode
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
			n := &xnode{name: "{" + t.Name.Space + "}" + t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") ||
					a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" {
					continue
				}
				n.attrs = append(n.attrs, "{"+a.Name.Space+"}"+a.Name.Local+"="+attrSpace.Replace(a.Value))
			}
			sort.Strings(n.attrs)
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			p := stack[len(stack)-1]
			if strings.HasPrefix(p.name, "{http://www.w3.org/1999/xhtml}") {
				// Keep text in order with elements inside XHTML.
				if k := len(p.kids); k > 0 && p.kids[k-1].name == "#text" {
					p.kids[k-1].text += string(t)
				} else {
					p.kids = append(p.kids, &xnode{name: "#text", text: string(t)})
				}
			} else if strings.TrimSpace(string(t)) != "" {
				p.text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("no root element")
	}
	return root, nil
}

// diffXML returns "" when the trees are equal, or where they first differ.
func diffXML(path string, a, b *xnode) string {
	path += "/" + localName(a.name)
	if a.name != b.name {
		return fmt.Sprintf("%s: element %s vs %s", path, a.name, b.name)
	}
	if a.text != b.text {
		return fmt.Sprintf("%s: text %q vs %q", path, clip(a.text, 80), clip(b.text, 80))
	}
	if strings.Join(a.attrs, "\x00") != strings.Join(b.attrs, "\x00") {
		return fmt.Sprintf("%s: attributes %q vs %q", path, a.attrs, b.attrs)
	}
	for i := 0; i < len(a.kids) && i < len(b.kids); i++ {
		if d := diffXML(fmt.Sprintf("%s[%d]", path, i), a.kids[i], b.kids[i]); d != "" {
			return d
		}
	}
	if len(a.kids) != len(b.kids) {
		var names []string
		longer := a.kids
		if len(b.kids) > len(a.kids) {
			longer = b.kids
		}
		for _, k := range longer[min(len(a.kids), len(b.kids)):] {
			names = append(names, localName(k.name))
		}
		return fmt.Sprintf("%s: %d children vs %d (extra: %v)", path, len(a.kids), len(b.kids), names)
	}
	return ""
}

func localName(n string) string {
	if i := strings.LastIndexByte(n, '}'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// unordered returns a copy of n whose element children (outside XHTML) are
// sorted, so that two documents that differ only in element order compare
// equal.
func unordered(n *xnode) *xnode {
	c := &xnode{name: n.name, attrs: n.attrs, text: n.text}
	for _, k := range n.kids {
		c.kids = append(c.kids, unordered(k))
	}
	if !strings.HasPrefix(n.name, "{http://www.w3.org/1999/xhtml}") {
		sort.SliceStable(c.kids, func(i, j int) bool { return c.kids[i].String() < c.kids[j].String() })
	}
	return c
}

// String serialises the canonical node, for sorting and messages.
func (n *xnode) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *xnode) write(b *strings.Builder) {
	b.WriteString("<" + n.name)
	for _, a := range n.attrs {
		b.WriteString(" " + a)
	}
	b.WriteString(">" + n.text)
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</>")
}
