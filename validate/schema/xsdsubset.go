//go:build libxml2

package schema

import (
	"fmt"
	"strings"
)

// The generated XSD declares all 117 resources, and libxml2 takes 50 ms or
// more to compile it, most of it spent on resources a payload never holds.
// A payload is validated instead against a subset of the same text: the
// resource types the payload names, and the data types and value sets
// those use. The other resources keep their global element, untyped, so
// that ResourceContainer (and so every message about it) stays the same;
// since the subset is chosen from the payload's own element names, no such
// element can occur in it.

// xsdText is the generated XSD cut into its top-level declarations.
type xsdText struct {
	head, tail string    // the schema's start (up to the import) and end
	parts      []xsdPart // in document order
	byName     map[string]int
	resources  map[string]bool // resource type names (global elements)
}

// xsdPart is one top-level declaration or comment.
type xsdPart struct {
	text  string
	name  string // the name attribute; "" for a comment
	elem  bool   // a global element declaration
	owner string // the resource whose type or backbone this is, else ""
}

// declName returns the name a top-level declaration's first line gives it,
// or "".
func declName(line string) string {
	for _, start := range []string{`  <xs:complexType name="`, `  <xs:simpleType name="`, `  <xs:element name="`} {
		if rest, ok := strings.CutPrefix(line, start); ok {
			if i := strings.IndexByte(rest, '"'); i > 0 {
				return rest[:i]
			}
		}
	}
	return ""
}

// typeRefs returns the types a declaration's text refers to by type= and
// base=, leaving out the XML Schema and XHTML ones (which have a prefix).
// Element references (ref=) name global elements, which subset handles
// itself. A plain scan, since a regular expression over the whole schema
// takes longer than compiling a subset of it.
func typeRefs(text string) []string {
	var refs []string
	for _, attr := range []string{` type="`, ` base="`} {
		for rest := text; ; {
			i := strings.Index(rest, attr)
			if i < 0 {
				break
			}
			rest = rest[i+len(attr):]
			j := strings.IndexByte(rest, '"')
			if j < 0 {
				break
			}
			if name := rest[:j]; !strings.Contains(name, ":") {
				refs = append(refs, name)
			}
			rest = rest[j:]
		}
	}
	return refs
}

// splitXSD cuts the generated XSD into parts. It relies on the generator's
// layout (each top-level declaration starts on a line indented by two
// spaces and ends on the next line so indented), and fails rather than
// guess when the text is laid out otherwise.
func splitXSD(src string) (*xsdText, error) {
	const imp = "\n  <xs:import "
	i := strings.Index(src, imp)
	if i < 0 {
		return nil, fmt.Errorf("no xs:import")
	}
	end := strings.Index(src[i+1:], "\n")
	if end < 0 {
		return nil, fmt.Errorf("no line after xs:import")
	}
	x := &xsdText{head: src[:i+1+end+1], byName: map[string]int{}, resources: map[string]bool{}}
	rest := src[len(x.head):]
	const tail = "</xs:schema>\n"
	if !strings.HasSuffix(rest, tail) {
		return nil, fmt.Errorf("does not end with %q", tail)
	}
	x.tail = tail
	body := strings.TrimSuffix(rest, tail)
	// line returns the line starting at off, with its newline.
	line := func(off int) string {
		if i := strings.IndexByte(body[off:], '\n'); i >= 0 {
			return body[off : off+i+1]
		}
		return body[off:]
	}
	for off := 0; off < len(body); {
		first := line(off)
		switch {
		case strings.HasPrefix(first, "  <!--") && strings.HasSuffix(first, "-->\n"):
			x.parts = append(x.parts, xsdPart{text: first})
			off += len(first)
			continue
		case !strings.HasPrefix(first, "  <xs:"):
			return nil, fmt.Errorf("line %q starts no declaration", strings.TrimSpace(first))
		}
		name := declName(first)
		if name == "" {
			return nil, fmt.Errorf("declaration without a name: %q", strings.TrimSpace(first))
		}
		p := xsdPart{name: name}
		end := off + len(first)
		if !strings.HasSuffix(first, "/>\n") {
			// Up to the closing tag at the same indentation; what lies
			// between is indented further.
			i := strings.Index(body[end-1:], "\n  </")
			if i < 0 {
				return nil, fmt.Errorf("%s: not closed", p.name)
			}
			end += i
			end += len(line(end))
		}
		p.text = body[off:end]
		if strings.HasPrefix(first, "  <xs:element ") {
			p.elem = true
			x.resources[p.name] = true
		} else {
			if _, dup := x.byName[p.name]; dup {
				return nil, fmt.Errorf("%s declared twice", p.name)
			}
			x.byName[p.name] = len(x.parts)
		}
		x.parts = append(x.parts, p)
		off = end
	}
	for i := range x.parts {
		p := &x.parts[i]
		if p.name == "" || p.elem {
			continue
		}
		first, _, _ := strings.Cut(p.name, ".")
		if x.resources[first] {
			p.owner = first
		}
	}
	return x, nil
}

// subset returns the text of the schema restricted to the resource types
// in keep (unknown names are ignored): the types of the kept resources,
// ResourceContainer, and the primitives, data types and value sets those
// refer to. A data type no kept resource reaches (ElementDefinition, say)
// is left out too, since libxml2 spends its time on every type declared.
func (x *xsdText) subset(keep map[string]bool) string {
	in := make([]bool, len(x.parts))
	var queue []int
	add := func(i int) {
		if !in[i] {
			in[i] = true
			queue = append(queue, i)
		}
	}
	for i, p := range x.parts {
		switch {
		case p.name == "" || p.elem:
		case p.owner != "":
			if keep[p.owner] {
				add(i)
			}
		case p.name == "ResourceContainer":
			add(i) // the global elements refer to it
		}
	}
	for len(queue) > 0 {
		p := x.parts[queue[0]]
		queue = queue[1:]
		// References are read here, from the few declarations a subset
		// reaches, rather than from all of them when splitting.
		for _, r := range typeRefs(p.text) {
			if j, ok := x.byName[r]; ok {
				add(j)
			}
		}
	}
	var b strings.Builder
	b.Grow(len(x.head) + 256*1024)
	b.WriteString(x.head)
	for i, p := range x.parts {
		switch {
		case p.elem && keep[p.name]:
			b.WriteString(p.text)
		case p.elem:
			// Declared for ResourceContainer's sake, never met.
			b.WriteString(`  <xs:element name="` + p.name + `"/>` + "\n")
		case in[i]:
			b.WriteString(p.text)
		}
	}
	b.WriteString(x.tail)
	return b.String()
}

// resourceNames returns the resource type names among the element names of
// an XML document, sorted: the local names of its start tags (in any
// namespace) that name a resource, which is what choosing a subset of the
// schema needs. See scanTags.
func (x *xsdText) resourceNames(doc []byte) []string {
	_, names := scanTags(doc, x.resources)
	return names
}

// nameBytes are the bytes an XML name may hold, as far as telling
// resource names apart needs: ASCII letters, digits, ':', '_', '-', '.',
// and every byte of a multi-byte UTF-8 character.
var nameBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c == ':' || c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	return t
}()
