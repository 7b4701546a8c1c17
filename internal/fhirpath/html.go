package fhirpath

import (
	"encoding/xml"
	"io"
	"strings"
)

// xhtmlNS is the namespace of FHIR narrative.
const xhtmlNS = "http://www.w3.org/1999/xhtml"

// narrativeElements are the XHTML elements FHIR narrative may use: the
// basic formatting elements of HTML 4.0 chapters 7-11 and 15 (without
// forms, frames, scripts, objects and document-level elements), links and
// images, per the STU3 rule txt-1.
var narrativeElements = map[string]bool{
	"a": true, "abbr": true, "acronym": true, "address": true, "b": true, "bdo": true,
	"big": true, "blockquote": true, "br": true, "caption": true, "cite": true,
	"code": true, "col": true, "colgroup": true, "dd": true, "del": true, "dfn": true,
	"div": true, "dl": true, "dt": true, "em": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "hr": true, "i": true, "img": true, "ins": true,
	"kbd": true, "li": true, "ol": true, "p": true, "pre": true, "q": true, "samp": true,
	"small": true, "span": true, "strong": true, "sub": true, "sup": true, "table": true,
	"tbody": true, "td": true, "tfoot": true, "th": true, "thead": true, "tr": true,
	"tt": true, "ul": true, "var": true,
}

// CheckNarrative applies the STU3 narrative rules behind htmlchecks() to an
// element of type xhtml, whose Value is the markup of the div, and returns
// one message per problem (nil when the narrative is acceptable):
//
//   - it must be well-formed XML with a single div root (txt-1);
//   - it may only use the basic formatting elements listed for txt-1, so
//     no script, style, form, input, iframe, object, embed, head, body,
//     base or link;
//   - no event attributes (onclick, onload, ...) and no javascript: or
//     data: URLs except data: images;
//   - it must have some non-whitespace content or an image (txt-2).
func CheckNarrative(n Node) []string {
	if n == nil {
		return []string{"not a narrative element"}
	}
	markup, ok := n.Value()
	if !ok {
		return []string{"narrative has no XHTML content"}
	}
	var problems []string
	d := xml.NewDecoder(strings.NewReader(markup))
	d.Strict = true
	d.Entity = xml.HTMLEntity // narrative written by hand often uses &nbsp;
	depth, roots, content := 0, 0, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return append(problems, "narrative is not well-formed XHTML: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth == 0 {
				roots++
				if name != "div" {
					problems = append(problems, "narrative root is <"+t.Name.Local+">, not <div>")
				}
			}
			depth++
			if t.Name.Space != "" && t.Name.Space != xhtmlNS {
				problems = append(problems, "element <"+t.Name.Local+"> is not in the XHTML namespace")
			} else if !narrativeElements[name] {
				problems = append(problems, "element <"+t.Name.Local+"> is not allowed in narrative")
			}
			if name == "img" {
				content = true
			}
			for _, a := range t.Attr {
				problems = append(problems, checkNarrativeAttr(name, a)...)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth > 0 && strings.TrimSpace(string(t)) != "" {
				content = true
			}
			if depth == 0 && strings.TrimSpace(string(t)) != "" {
				problems = append(problems, "text outside the narrative div")
			}
		case xml.ProcInst, xml.Directive:
			problems = append(problems, "processing instructions and DTDs are not allowed in narrative")
		}
	}
	if roots != 1 {
		problems = append(problems, "narrative must be a single <div>")
	}
	if !content {
		problems = append(problems, "narrative has no non-whitespace content")
	}
	return problems
}

func checkNarrativeAttr(elem string, a xml.Attr) []string {
	name := strings.ToLower(a.Name.Local)
	if a.Name.Space == "xmlns" || name == "xmlns" && a.Name.Space == "" {
		return nil
	}
	if strings.HasPrefix(name, "on") {
		return []string{"event attribute " + a.Name.Local + " on <" + elem + ">"}
	}
	if name == "href" || name == "src" || name == "background" || name == "action" {
		v := strings.ToLower(strings.TrimSpace(a.Value))
		v = strings.Map(func(r rune) rune {
			if r <= ' ' {
				return -1 // browsers ignore control characters inside schemes
			}
			return r
		}, v)
		if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") ||
			strings.HasPrefix(v, "data:") && !(elem == "img" && strings.HasPrefix(v, "data:image/")) {
			return []string{"active URL in " + a.Name.Local + " on <" + elem + ">"}
		}
	}
	return nil
}
