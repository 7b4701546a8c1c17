package tree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"strconv"
	"strings"
)

// serialiseXHTML writes the tokens of a narrative div (namespaces already
// resolved by encoding/xml) as a self-contained XHTML string: XHTML
// elements unprefixed under a default namespace declaration, attributes in
// other namespaces with generated prefixes.
func serialiseXHTML(toks []xml.Token) string {
	var b strings.Builder
	stack := []string{""}
	for i, tok := range toks {
		switch t := tok.(type) {
		case xml.StartElement:
			def := stack[len(stack)-1]
			b.WriteByte('<')
			b.WriteString(t.Name.Local)
			if t.Name.Space != def {
				def = t.Name.Space
				b.WriteString(` xmlns="`)
				escapeAttr(&b, def)
				b.WriteByte('"')
			}
			k := 0
			for _, a := range t.Attr {
				if isNSDecl(a) {
					continue
				}
				b.WriteByte(' ')
				switch a.Name.Space {
				case "":
				case xmlNamespace, "xml":
					b.WriteString("xml:")
				default:
					k++
					p := "ns" + strconv.Itoa(k)
					b.WriteString("xmlns:" + p + `="`)
					escapeAttr(&b, a.Name.Space)
					b.WriteString(`" ` + p + ":")
				}
				b.WriteString(a.Name.Local)
				b.WriteString(`="`)
				escapeAttr(&b, a.Value)
				b.WriteByte('"')
			}
			if i+1 < len(toks) {
				if _, ok := toks[i+1].(xml.EndElement); ok {
					b.WriteString("/>")
					stack = append(stack, def)
					continue
				}
			}
			b.WriteByte('>')
			stack = append(stack, def)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			if i > 0 {
				if _, ok := toks[i-1].(xml.StartElement); ok {
					continue // written as an empty-element tag
				}
			}
			b.WriteString("</")
			b.WriteString(t.Name.Local)
			b.WriteByte('>')
		case xml.CharData:
			escapeText(&b, string(t))
		case xml.Comment:
			b.WriteString("<!--")
			b.Write(t)
			b.WriteString("-->")
		}
	}
	return b.String()
}

// ScanXHTML reads XHTML markup given as a string, such as a narrative div,
// with the scanner the parsers use, and calls fn with each token until fn
// returns false. It returns an error when the markup is not well-formed or
// holds what the scanner refuses or a narrative must not hold (a DTD or
// other declaration, an entity other than the five of XML). A token is
// valid only during the call that receives it.
func ScanXHTML(s string, fn func(xml.Token) bool) error {
	sc := newXMLScannerString(s)
	for {
		tok, err := sc.next()
		if err == errEOF {
			return nil
		}
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.Directive); ok {
			return errors.New("XHTML must not contain a DTD or declarations")
		}
		if !fn(tok) {
			return nil
		}
	}
}

// checkXHTML reads narrative XHTML given as a string (the JSON form). It
// returns the text to place in an XML document: s itself when it is a
// standalone div with its own namespace declaration, otherwise a
// re-serialised copy.
func checkXHTML(s string) (string, error) {
	// Most narratives are standalone divs: check first without keeping
	// the tokens, and read again for them only when they are needed.
	_, standalone, err := readXHTML(s, false)
	if err != nil {
		return "", err
	}
	if standalone {
		// Line ends as an XML reader will see them.
		return normaliseNewlines(s), nil
	}
	toks, _, _ := readXHTML(s, true)
	// Drop what lies outside the div; whitespace there has no meaning.
	for len(toks) > 0 {
		if _, ok := toks[0].(xml.StartElement); ok {
			break
		}
		toks = toks[1:]
	}
	for len(toks) > 0 {
		if _, ok := toks[len(toks)-1].(xml.EndElement); ok {
			break
		}
		toks = toks[:len(toks)-1]
	}
	return serialiseXHTML(toks), nil
}

// readXHTML checks narrative XHTML and says whether it is a standalone div;
// with keep it also returns the tokens.
func readXHTML(s string, keep bool) (toks []xml.Token, standalone bool, err error) {
	// The same scanner as for whole documents, so that any div accepted
	// here reads back when written into XML.
	sc := newXMLScannerString(s)
	depth, roots := 0, 0
	standalone = true
	for {
		off := sc.offset()
		tok, err := sc.next()
		if err == errEOF {
			break
		}
		if err != nil {
			return nil, false, errors.New("narrative XHTML is not well-formed: " + err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if off != 0 {
					standalone = false // something before the div
				}
				roots++
				if roots > 1 {
					return nil, false, errors.New("narrative XHTML has more than one root element")
				}
				if t.Name.Space != XHTMLNamespace || t.Name.Local != "div" {
					return nil, false, errors.New("narrative must be a <div> in the XHTML namespace (" + XHTMLNamespace + ")")
				}
				decl := false
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "xmlns" && a.Value == XHTMLNamespace {
						decl = true
					}
				}
				standalone = decl
			}
			depth++
			if depth > MaxDepth {
				return nil, false, errors.New("narrative XHTML nests too deeply")
			}
			if standalone {
				standalone = unprefixedAt(s, int(off)) && plainAttrs(t)
			}
		case xml.EndElement:
			depth--
			if depth == 0 && sc.offset() != len(s) {
				standalone = false // something after the div
			}
		case xml.CharData:
			if depth == 0 && !isXMLSpace(t) {
				return nil, false, errors.New("narrative XHTML has text outside the div")
			}
		case xml.Directive:
			return nil, false, errors.New("narrative XHTML must not contain a DTD or declarations")
		case xml.ProcInst:
			return nil, false, errors.New("narrative XHTML must not contain processing instructions or an XML declaration")
		}
		if keep {
			toks = append(toks, xml.CopyToken(tok))
		}
	}
	if roots == 0 {
		return nil, false, errors.New("narrative XHTML holds no <div>")
	}
	return toks, standalone, nil
}

func unprefixedAt(s string, off int) bool {
	for i := off + 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			return false
		case ' ', '\t', '\r', '\n', '>', '/':
			return true
		}
	}
	return true
}

// CanonicalXHTML renders XHTML in a normal form for comparisons: namespaces
// resolved, attributes sorted, character data exactly as parsed, comments
// dropped. It is meant for tests and diagnostics.
func CanonicalXHTML(s string) (string, error) {
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	var b bytes.Buffer
	var text []byte // adjacent character data, joined across comments
	flush := func() {
		if len(text) > 0 {
			b.WriteString(strconv.Quote(string(text)))
			text = text[:0]
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			flush()
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if t, ok := tok.(xml.CharData); ok {
			text = append(text, t...)
			continue
		}
		if _, ok := tok.(xml.Comment); ok {
			continue
		}
		flush()
		switch t := tok.(type) {
		case xml.StartElement:
			b.WriteString("<{" + t.Name.Space + "}" + t.Name.Local)
			attrs := make([]string, 0, len(t.Attr))
			for _, a := range t.Attr {
				if isNSDecl(a) {
					continue
				}
				attrs = append(attrs, " {"+a.Name.Space+"}"+a.Name.Local+"="+strconv.Quote(a.Value))
			}
			sort.Strings(attrs)
			for _, a := range attrs {
				b.WriteString(a)
			}
			b.WriteString(">")
		case xml.EndElement:
			b.WriteString("</>")
		}
	}
}
