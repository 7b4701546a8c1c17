//go:build libxml2

package schema

import (
	"bytes"
	"fmt"
	"slices"
)

// maxAttributes bounds the attributes of one element. libxml2 checks for
// duplicate attributes in quadratic time: 20,000 attributes on one element
// take it 1.5 s, 200,000 (2.3 MB, under the NEMS size limit) minutes. A
// FHIR element carries value, id or url and a few namespace declarations;
// XHTML narrative elements a handful more.
const maxAttributes = 256

// manyAttributesMsg is the reason a document with too many attributes on
// one element is refused.
var manyAttributesMsg = fmt.Sprintf("an element has more than %d attributes", maxAttributes)

// scanTags is the one pass over the start tags of doc that ValidateXML
// makes before libxml2 reads it: it says why doc is refused for having an
// element with more than maxAttributes attributes ("" when none has), and
// returns, sorted, the resource type names (the keys of resources) among
// the local names of the elements, which choose the XSD subset. Names in
// comments, CDATA and attribute values are not elements and are not
// counted. Where the walk stops early (a tag cut short), libxml2 reports
// the document as not well-formed at that tag, and validates no element
// after it, so the names read up to there are all the subset needs.
func scanTags(doc []byte, resources map[string]bool) (msg string, names []string) {
	startTags(doc, func(start, _, attrs int) bool {
		if attrs > maxAttributes {
			msg = manyAttributesMsg
			return false
		}
		if resources == nil {
			return true
		}
		j := start + 1
		for j < len(doc) && nameBytes[doc[j]] {
			j++
		}
		name := doc[start+1 : j]
		if k := bytes.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		if len(name) == 0 || name[0] < 'A' || name[0] > 'Z' || !resources[string(name)] {
			return true
		}
		for _, n := range names {
			if n == string(name) {
				return true
			}
		}
		names = append(names, string(name))
		return true
	})
	slices.Sort(names)
	return msg, names
}

// startTags walks the start tags of doc in one pass, calling visit with
// each tag's offset, its number of open ancestors and its attributes (the
// '=' outside quoted values), until visit returns false. Comments, CDATA,
// processing instructions, declarations and end tags are skipped whole,
// and quoted values too, so that a '>' or "/>" inside them does not end a
// tag. A tag that an unterminated quote or the end of the document cuts
// short is visited with what was read of it, and ends the walk: libxml2
// reports such a document as not well-formed.
func startTags(doc []byte, visit func(start, depth, attrs int) bool) {
	skipTo := func(i int, end string) int {
		k := bytes.Index(doc[i:], []byte(end))
		if k < 0 {
			return len(doc)
		}
		return i + k + len(end)
	}
	open := 0
	for i := 0; i < len(doc); {
		k := bytes.IndexByte(doc[i:], '<')
		if k < 0 {
			return
		}
		start := i + k
		i = start + 1
		if i < len(doc) {
			// One byte tells markup that is not a start tag.
			switch doc[i] {
			case '!':
				switch {
				case bytes.HasPrefix(doc[i:], []byte("!--")):
					i = skipTo(i, "-->")
				case bytes.HasPrefix(doc[i:], []byte("![CDATA[")):
					i = skipTo(i, "]]>")
				default:
					i = skipTo(i, ">")
				}
				continue
			case '?':
				i = skipTo(i, "?>")
				continue
			case '/':
				open--
				i = skipTo(i, ">")
				continue
			}
		}
		attrs, ended := 0, false
	tag:
		for i < len(doc) {
			// Most of a tag is names and spaces: pass over them a byte
			// at a time with one table look-up each.
			for i < len(doc) && !tagMarks[doc[i]] {
				i++
			}
			if i == len(doc) {
				break
			}
			switch c := doc[i]; c {
			case '>':
				ended = true
				break tag
			case '"', '\'':
				q := bytes.IndexByte(doc[i+1:], c)
				if q < 0 {
					visit(start, open, attrs)
					return
				}
				i += q + 2
			case '=':
				attrs++
				i++
			}
		}
		if !visit(start, open, attrs) || !ended {
			return
		}
		if doc[i-1] != '/' {
			open++
		}
		i++
	}
}

// tagMarks are the bytes startTags stops at inside a tag.
var tagMarks = [256]bool{'>': true, '"': true, '\'': true, '=': true}

// refusedProlog catches what libxml2 must not see at the head of a
// document. libxml2 is told not to substitute entities, but it still
// expands them in attribute values while validating: a DTD declaring one
// entity of 50,000 characters referenced 50,000 times kept
// xmlSchemaValidateDoc busy for more than nine minutes. FHIR forbids DTDs,
// and the project's own reader accepts UTF-8 only, so both are refused.
func refusedProlog(doc []byte) string {
	switch {
	case bytes.HasPrefix(doc, []byte{0xFE, 0xFF}), bytes.HasPrefix(doc, []byte{0xFF, 0xFE}),
		bytes.HasPrefix(doc, []byte{0, '<'}), bytes.HasPrefix(doc, []byte{'<', 0}),
		bytes.HasPrefix(doc, []byte{0, 0}):
		return "not UTF-8: FHIR XML payloads are read as UTF-8 only"
	}
	p := bytes.TrimPrefix(doc, []byte{0xEF, 0xBB, 0xBF})
	for {
		p = bytes.TrimLeft(p, " \t\r\n")
		var end []byte
		switch {
		case bytes.HasPrefix(p, []byte("<?")):
			end = []byte("?>")
		case bytes.HasPrefix(p, []byte("<!--")):
			end = []byte("-->")
		case bytes.HasPrefix(p, []byte("<!")):
			// <!DOCTYPE, or anything else that is not an element.
			return "DTDs and entity declarations are not allowed in FHIR XML"
		default:
			return ""
		}
		i := bytes.Index(p[2:], end)
		if i < 0 {
			return "" // unterminated: libxml2 reports it as not well-formed
		}
		p = p[2+i+len(end):]
	}
}

// maxLibxmlNesting is how many open ancestors libxml2 lets an element have
// without XML_PARSE_HUGE (its xmlParserMaxDepth): an element nested deeper
// stops the parse with "Excessive depth in document", which is no fault of
// the document's well-formedness. The project's parsers accept up to
// tree.MaxDepth levels, so such documents get here; that option is not
// used, since it also lifts libxml2's limits on the size of names and text.
const maxLibxmlNesting = 256

// tooDeep finds the first element with more than maxLibxmlNesting open
// ancestors and returns a problem placed at its start tag, or false when
// libxml2 can read every level.
func tooDeep(doc []byte) (p Problem, deep bool) {
	startTags(doc, func(start, depth, _ int) bool {
		if depth <= maxLibxmlNesting {
			return true
		}
		line, col := charLineCol(doc, start)
		p = problem(fmt.Sprintf("elements are nested more than %d levels below the root element, deeper than libxml2 reads: the document was not checked against the XML Schema", maxLibxmlNesting), "")
		p.Line, p.Column, p.Offset = line, col, start
		deep = true
		return false
	})
	return p, deep
}
