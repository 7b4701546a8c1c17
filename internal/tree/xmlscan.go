package tree

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xmlScanner is a small XML tokenizer over a byte slice. It replaces
// encoding/xml's Decoder, which reads one byte at a time through an
// io.Reader and spent most of the conversion time. It returns the token
// types of encoding/xml with namespaces resolved, the same way
// Decoder.Token does (a self-closing tag gives a start and an end), and is
// as strict as the FHIR reader needs:
//
//   - UTF-8 only, XML 1.0 characters only; an XML declaration naming any
//     other encoding is refused;
//   - no DTD: a <!DOCTYPE ...> or any other declaration is returned as an
//     xml.Directive for the caller to refuse; entity references are limited
//     to the five predefined entities and character references;
//   - start and end tags must match, attribute names must be unique, and
//     prefixes must be declared.
//
// Line ends become LF, and, unlike encoding/xml, attribute values are
// normalised as XML 1.0 (3.3.3) requires: a literal tab, line feed or CR LF
// in a value becomes a space, while a character reference (&#10;) keeps its
// character. FHIR writers escape whitespace they mean to keep.
type xmlScanner struct {
	src []byte
	// str is src as one string: names and values that need no decoding are
	// cut from it, so that they cost no allocation of their own.
	str   string
	i     int
	stack []scanFrame
	// pendingEnd is set after a self-closing tag: the next token is its end.
	pendingEnd bool
	end        scanFrame // the element the last end tag closed
	sawRoot    bool
	sawToken   bool
	nsBuf      []nsBinding
	// Reused between start tags: a StartElement's Attr is valid only until
	// the next call to next (use xml.CopyToken to keep it).
	attrs []xml.Attr
	// nameColon is set when the last name read holds a ':'.
	nameColon bool
	// lines counts the line feeds before i, and lineStart is the offset
	// after the last of them: kept as the bytes are read, so that the
	// reader can place each element without counting again. Only valid
	// at a token boundary, and not after an error.
	lines, lineStart int

	// The current token, as set by scan: start is valid for tokStart,
	// endName for tokEnd, data for text, comments and directives, and
	// pi for processing instructions. space is set when text is known to
	// be white space only.
	start xml.StartElement
	data  []byte
	space bool
	pi    xml.ProcInst
}

// textIsSpace reports whether the current text token is white space only.
func (s *xmlScanner) textIsSpace() bool { return s.space || isXMLSpace(s.data) }

// tokKind is the kind of token scan found. The reader switches on it
// rather than on an xml.Token, whose boxing cost an allocation per token.
type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
	tokComment
	tokProcInst
	tokDirective
)

// scanFrame is an open element. Its names are kept as offsets into str,
// not as strings: a frame is written for every element, and offsets cost
// the collector nothing.
type scanFrame struct {
	start, local, end int    // str[start:end] is the name as written, str[local:end] its local part
	space             string // the namespace
	nsDepth           int    // len(nsBuf) before this element's declarations
}

// raw returns the name of f as written.
func (s *xmlScanner) raw(f *scanFrame) string { return s.str[f.start:f.end] }

// endName returns the name of the element the last end token closed.
func (s *xmlScanner) endName() xml.Name {
	return xml.Name{Space: s.end.space, Local: s.str[s.end.local:s.end.end]}
}

type nsBinding struct{ prefix, uri string }

var errEOF = errors.New("EOF")

// syntaxError is a well-formedness error at a byte offset.
type syntaxError struct {
	off int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

func newXMLScanner(src []byte) *xmlScanner {
	s := new(xmlScanner)
	s.reset(src, false)
	return s
}

// reset readies s for src, keeping its buffers. With shared, names and
// values are cut from src itself rather than from a copy.
func (s *xmlScanner) reset(src []byte, shared bool) {
	str := sharedString(src)
	if !shared {
		str = string(src)
	}
	// Cleared in full so that no old name keeps its source alive.
	clear(s.stack[:cap(s.stack)])
	clear(s.nsBuf[:cap(s.nsBuf)])
	clear(s.attrs[:cap(s.attrs)])
	*s = xmlScanner{src: src, str: str, stack: s.stack[:0], nsBuf: s.nsBuf[:0], attrs: s.attrs[:0]}
}

// newXMLScannerString scans s, sharing its memory for names and values.
func newXMLScannerString(s string) *xmlScanner { return &xmlScanner{src: []byte(s), str: s} }

// offset is where the next token starts.
func (s *xmlScanner) offset() int { return s.i }

func (s *xmlScanner) fail(off int, msg string) error { return &syntaxError{off, msg} }

// next returns the next token, errEOF at a clean end, or a *syntaxError.
func (s *xmlScanner) next() (xml.Token, error) {
	k, err := s.scan()
	if err != nil {
		return nil, err
	}
	return s.token(k), nil
}

// token returns the current token of kind k as an xml.Token.
func (s *xmlScanner) token(k tokKind) xml.Token {
	switch k {
	case tokStart:
		return s.start
	case tokEnd:
		return xml.EndElement{Name: s.endName()}
	case tokText:
		return xml.CharData(s.data)
	case tokComment:
		return xml.Comment(s.data)
	case tokProcInst:
		return s.pi
	default:
		return xml.Directive(s.data)
	}
}

// scan reads the next token into the scanner and returns its kind;
// errEOF at a clean end, or a *syntaxError.
func (s *xmlScanner) scan() (tokKind, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		s.pop()
		return tokEnd, nil
	}
	if s.i >= len(s.src) {
		if len(s.stack) > 0 {
			return 0, s.fail(s.i, "unexpected end of input: <"+s.raw(&s.stack[len(s.stack)-1])+"> is not closed")
		}
		return 0, errEOF
	}
	first := !s.sawToken
	s.sawToken = true
	if s.src[s.i] != '<' {
		return s.text()
	}
	rest := s.src[s.i+1:]
	if len(rest) == 0 {
		return s.startTag() // fails: no name
	}
	switch rest[0] {
	case '/':
		return s.endTag()
	case '!':
		return s.markup()
	case '?':
		return s.procInst(first)
	}
	return s.startTag()
}

// markup reads a comment, a CDATA section or a declaration ("<!...").
func (s *xmlScanner) markup() (tokKind, error) {
	start := s.i
	rest := s.src[s.i+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("!--")):
		end := bytes.Index(s.src[s.i+4:], []byte("--"))
		if end < 0 {
			return 0, s.fail(start, "unterminated comment")
		}
		body := s.src[s.i+4 : s.i+4+end]
		after := s.i + 4 + end + 2
		if after >= len(s.src) || s.src[after] != '>' {
			return 0, s.fail(s.i+4+end, `"--" is not allowed inside a comment`)
		}
		if err := s.checkChars(body, s.i+4); err != nil {
			return 0, err
		}
		s.countLines(after + 1)
		s.data = normaliseNL(body)
		return tokComment, nil
	case bytes.HasPrefix(rest, []byte("![CDATA[")):
		if len(s.stack) == 0 {
			return 0, s.fail(start, "CDATA section outside the root element")
		}
		end := bytes.Index(s.src[s.i+9:], []byte("]]>"))
		if end < 0 {
			return 0, s.fail(start, "unterminated CDATA section")
		}
		body := s.src[s.i+9 : s.i+9+end]
		if err := s.checkChars(body, s.i+9); err != nil {
			return 0, err
		}
		s.countLines(s.i + 9 + end + 3)
		s.data, s.space = normaliseNL(body), false
		return tokText, nil
	default:
		// <!DOCTYPE ...> and friends: returned for the caller to refuse.
		end := bytes.IndexByte(rest, '>')
		if end < 0 {
			return 0, s.fail(start, "unterminated declaration")
		}
		s.countLines(s.i + 1 + end + 1)
		s.data = append([]byte(nil), rest[1:end]...)
		return tokDirective, nil
	}
}

func (s *xmlScanner) text() (tokKind, error) {
	start := s.i
	// Most text is the indentation between tags: nothing to check or
	// replace in it.
	k := s.i
	lines, lineStart := s.lines, s.lineStart
space:
	for k < len(s.src) {
		switch s.src[k] {
		case ' ':
			k = spacesEnd(s.src, k)
		case '\t':
			k++
		case '\n':
			lines, lineStart = lines+1, k+1
			k++
		default:
			break space
		}
	}
	if k == len(s.src) || s.src[k] == '<' {
		s.data, s.space = s.src[start:k], true
		s.i, s.lines, s.lineStart = k, lines, lineStart
		return tokText, nil
	}
	s.space = false
	end := bytes.IndexByte(s.src[s.i:], '<')
	if end < 0 {
		end = len(s.src)
	} else {
		end += s.i
	}
	raw := s.src[start:end]
	if len(s.stack) == 0 && !isXMLSpace(raw) {
		// Let the caller report text outside the root; still check it.
		if !utf8.Valid(raw) {
			return 0, s.fail(start, "invalid UTF-8")
		}
	}
	if k := bytes.Index(raw, []byte("]]>")); k >= 0 {
		return 0, s.fail(start+k, `"]]>" is not allowed in text`)
	}
	out, err := s.decode(raw, start, false)
	if err != nil {
		return 0, err
	}
	s.countLines(end)
	s.data = out
	return tokText, nil
}

func (s *xmlScanner) procInst(first bool) (tokKind, error) {
	start := s.i
	end := bytes.Index(s.src[s.i+2:], []byte("?>"))
	if end < 0 {
		return 0, s.fail(start, "unterminated processing instruction")
	}
	body := s.src[s.i+2 : s.i+2+end]
	s.countLines(s.i + 2 + end + 2)
	target, inst, _ := strings.Cut(string(body), " ")
	if k := strings.IndexAny(target, "\t\r\n"); k >= 0 {
		target, inst = target[:k], target[k+1:]+" "+inst
	}
	if target == "" || !validName(target) {
		return 0, s.fail(start, "processing instruction without a valid target")
	}
	if strings.EqualFold(target, "xml") {
		if !first || target != "xml" {
			return 0, s.fail(start, "the XML declaration must come first, in lower case")
		}
		if enc := pseudoAttr(inst, "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return 0, s.fail(start, "encoding "+strconv.Quote(enc)+" is not supported; FHIR XML must be UTF-8")
		}
		if v := pseudoAttr(inst, "version"); v != "1.0" {
			return 0, s.fail(start, "XML version must be 1.0")
		}
	}
	if err := s.checkChars(body, start+2); err != nil {
		return 0, err
	}
	s.pi = xml.ProcInst{Target: target, Inst: []byte(strings.TrimSpace(inst))}
	return tokProcInst, nil
}

// pseudoAttr reads name="value" from an XML declaration.
func pseudoAttr(inst, name string) string {
	k := strings.Index(inst, name)
	if k < 0 {
		return ""
	}
	rest := strings.TrimLeft(inst[k+len(name):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	if e := strings.IndexByte(rest[1:], q); e >= 0 {
		return rest[1 : 1+e]
	}
	return ""
}

// Bounds on what one start tag may declare (see startTag).
const (
	maxAttrs             = 256
	maxNamespaceBindings = 256
)

func (s *xmlScanner) startTag() (tokKind, error) {
	start := s.i
	if len(s.stack) == 0 && s.sawRoot {
		// A second root: let the caller decide, but it is never
		// well-formed, so stop here.
		return 0, s.fail(start, "more than one root element")
	}
	s.i++
	raw, ok := s.name()
	if !ok {
		return 0, s.fail(start, "invalid element name")
	}
	rawColon := s.nameColon
	// Attributes are collected under their names as written, and
	// resolved once the tag's namespace declarations are known.
	attrs := s.attrs[:0]
	prefixed := false
	nsDepth := len(s.nsBuf)
	selfClosing := false
	for {
		ws := s.skipSpace()
		if s.i >= len(s.src) {
			return 0, s.fail(start, "unterminated start tag <"+raw+">")
		}
		c := s.src[s.i]
		if c == '>' {
			s.i++
			break
		}
		if c == '/' {
			if s.i+1 >= len(s.src) || s.src[s.i+1] != '>' {
				return 0, s.fail(s.i, "expected '/>'")
			}
			s.i += 2
			selfClosing = true
			break
		}
		if !ws {
			return 0, s.fail(s.i, "attributes must be separated by white space")
		}
		aoff := s.i
		an, ok := s.name()
		if !ok {
			return 0, s.fail(aoff, "invalid attribute name in <"+raw+">")
		}
		prefixed = prefixed || s.nameColon
		s.skipSpace()
		if s.i >= len(s.src) || s.src[s.i] != '=' {
			return 0, s.fail(s.i, "expected '=' after attribute "+an)
		}
		s.i++
		s.skipSpace()
		if s.i >= len(s.src) || (s.src[s.i] != '"' && s.src[s.i] != '\'') {
			return 0, s.fail(s.i, "attribute value must be quoted")
		}
		val, err := s.attrValue()
		if err != nil {
			return 0, err
		}
		// The bounds keep the duplicate check and the namespace lookups,
		// both linear scans, from going quadratic on hostile input; FHIR
		// elements carry a handful of attributes and one or two
		// namespaces.
		if len(attrs) >= maxAttrs {
			return 0, s.fail(aoff, "element <"+raw+"> has more than "+strconv.Itoa(maxAttrs)+" attributes")
		}
		for _, a := range attrs {
			if a.Name.Local == an {
				return 0, s.fail(aoff, "attribute "+an+" appears twice")
			}
		}
		attrs = append(attrs, xml.Attr{Name: xml.Name{Local: an}, Value: val})
		switch {
		case an == "xmlns":
			if val == xmlNamespace || val == xmlnsNamespace {
				return 0, s.fail(aoff, "namespace "+val+" cannot be the default namespace (Namespaces in XML 1.0, 3)")
			}
			s.nsBuf = append(s.nsBuf, nsBinding{"", internNamespace(val)})
		case strings.HasPrefix(an, "xmlns:"):
			if an == "xmlns:" {
				// Not a prefixed name at all; binding it as the default
				// namespace would read <Patient xmlns:="..."> as FHIR.
				return 0, s.fail(aoff, "namespace declaration xmlns: has no prefix")
			}
			if msg := reservedBinding(an[6:], val); msg != "" {
				return 0, s.fail(aoff, msg)
			}
			if val == "" {
				return 0, s.fail(aoff, "namespace prefix "+an[6:]+" cannot be undeclared")
			}
			s.nsBuf = append(s.nsBuf, nsBinding{an[6:], internNamespace(val)})
		}
		if len(s.nsBuf) > maxNamespaceBindings {
			return 0, s.fail(aoff, "more than "+strconv.Itoa(maxNamespaceBindings)+" namespace declarations in scope")
		}
	}
	name := xml.Name{Space: s.lookup(""), Local: raw}
	if rawColon {
		var err error
		if name, err = s.resolve(raw, true, start); err != nil {
			return 0, err
		}
	}
	s.attrs = attrs
	// Unprefixed attribute names, "xmlns" too, are in no namespace: as
	// collected.
	for i := 0; prefixed && i < len(attrs); i++ {
		a := &attrs[i]
		switch raw := a.Name.Local; {
		case strings.HasPrefix(raw, "xmlns:"):
			a.Name = xml.Name{Space: "xmlns", Local: raw[6:]}
		case strings.IndexByte(raw, ':') >= 0:
			var err error
			if a.Name, err = s.resolve(raw, false, start); err != nil {
				return 0, err
			}
		}
	}
	se := xml.StartElement{Name: name}
	if len(attrs) > 0 {
		se.Attr = attrs
	}
	rawStart := start + 1 // after the '<'
	f := scanFrame{start: rawStart, local: rawStart + len(raw) - len(name.Local), end: rawStart + len(raw), space: name.Space, nsDepth: nsDepth}
	s.stack = append(s.stack, f)
	s.sawRoot = true
	if selfClosing {
		s.pendingEnd = true
		s.end = f
	}
	s.start = se
	return tokStart, nil
}

// attrValue reads the quoted attribute value at s.i and returns it with
// references replaced and white space normalised. One pass finds the end
// and checks the characters; a value with anything wrong takes
// attrValueSlow, which finds the first error in the order it always has.
func (s *xmlScanner) attrValue() (string, error) {
	src := s.src
	q := src[s.i]
	start := s.i + 1
	clean := true
	lines, lineStart := s.lines, s.lineStart
	k := start
	for k < len(src) {
		// Long values (definitions, URLs) go eight bytes at a time.
		for k+8 <= len(src) && plainAttrValue8(binary.LittleEndian.Uint64(src[k:])) {
			k += 8
		}
		for k < len(src) && plainAttrValue[src[k]] {
			k++
		}
		if k >= len(src) {
			break
		}
		c := src[k]
		if c == q {
			break
		}
		switch {
		case c == '&' || c == '\t' || c == '\n' || c == '\r':
			clean = false
			if c == '\n' {
				lines, lineStart = lines+1, k+1
			}
			k++
		case c == '"' || c == '\'':
			k++ // the other quote
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(src[k:])
			if !xmlChar(r, size) {
				return s.attrValueSlow()
			}
			k += size
		default: // '<' or a control character
			return s.attrValueSlow()
		}
	}
	if k >= len(src) {
		return s.attrValueSlow()
	}
	val := s.str[start:k]
	if !clean {
		out, err := s.unescape(src[start:k], start, true)
		if err != nil {
			return "", err
		}
		val = string(out)
	}
	s.i, s.lines, s.lineStart = k+1, lines, lineStart
	return val, nil
}

// plainAttrValue marks the bytes attrValue passes over: printable ASCII
// but '&', '<' and the quotes.
var plainAttrValue = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '&' && c != '<' && c != '"' && c != '\''
	}
	return t
}()

// plainAttrValue8 reports whether the eight bytes of x are all plain by
// plainAttrValue, with the bit tricks of jsonPlain8.
func plainAttrValue8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	amp, lt := x^(ones*'&'), x^(ones*'<')
	dq, sq := x^(ones*'"'), x^(ones*'\'')
	t := x | (x-ones*0x20)&^x // 0x80 and above, or below 0x20
	t |= (amp-ones)&^amp | (lt-ones)&^lt | (dq-ones)&^dq | (sq-ones)&^sq
	return t&highs == 0
}

func (s *xmlScanner) attrValueSlow() (string, error) {
	q := s.src[s.i]
	end := bytes.IndexByte(s.src[s.i+1:], q)
	if end < 0 {
		return "", s.fail(s.i, "unterminated attribute value")
	}
	rawVal := s.src[s.i+1 : s.i+1+end]
	if k := bytes.IndexByte(rawVal, '<'); k >= 0 {
		return "", s.fail(s.i+1+k, "'<' is not allowed in an attribute value")
	}
	val, err := s.decodeString(rawVal, s.i+1, true)
	if err != nil {
		return "", err
	}
	s.countLines(s.i + 1 + end + 1)
	return val, nil
}

// internNamespace returns the FHIR and XHTML namespaces as the constants,
// so that the reader's comparisons with them, once per element, find the
// same pointer and need not compare the bytes.
func internNamespace(uri string) string {
	switch uri {
	case FHIRNamespace:
		return FHIRNamespace
	case XHTMLNamespace:
		return XHTMLNamespace
	}
	return uri
}

func (s *xmlScanner) pop() {
	f := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.nsBuf = s.nsBuf[:f.nsDepth]
}

func (s *xmlScanner) endTag() (tokKind, error) {
	start := s.i
	s.i += 2
	raw, ok := s.name()
	if !ok {
		return 0, s.fail(start, "invalid end tag")
	}
	s.skipSpace()
	if s.i >= len(s.src) || s.src[s.i] != '>' {
		return 0, s.fail(start, "unterminated end tag </"+raw+">")
	}
	s.i++
	if len(s.stack) == 0 {
		return 0, s.fail(start, "end tag </"+raw+"> without a start tag")
	}
	top := &s.stack[len(s.stack)-1]
	if s.raw(top) != raw {
		return 0, s.fail(start, "element <"+s.raw(top)+"> closed by </"+raw+">")
	}
	s.end = *top
	s.pop()
	return tokEnd, nil
}

// xmlnsNamespace is the namespace of the xmlns attributes themselves,
// which nothing may declare.
const xmlnsNamespace = "http://www.w3.org/2000/xmlns/"

// reservedBinding says why binding prefix to uri breaks the rules Namespaces
// in XML 1.0 (section 3) sets for the two reserved prefixes, or returns "":
// xml belongs to the XML namespace and that namespace to xml alone, and
// xmlns is never declared, nor its namespace bound.
func reservedBinding(prefix, uri string) string {
	switch {
	case prefix == "xmlns":
		return "the prefix xmlns must not be declared (Namespaces in XML 1.0, 3)"
	case prefix == "xml" && uri != xmlNamespace:
		return "the prefix xml may only be bound to " + xmlNamespace + ", not to " + strconv.Quote(uri) + " (Namespaces in XML 1.0, 3)"
	case prefix != "xml" && uri == xmlNamespace:
		return "namespace " + xmlNamespace + " may only be bound to the prefix xml, not to " + prefix + " (Namespaces in XML 1.0, 3)"
	case uri == xmlnsNamespace:
		return "namespace " + xmlnsNamespace + " must not be bound to any prefix (Namespaces in XML 1.0, 3)"
	}
	return ""
}

// resolve maps a qualified name onto its namespace. Unprefixed attributes
// are in no namespace; unprefixed elements take the default namespace.
func (s *xmlScanner) resolve(raw string, element bool, off int) (xml.Name, error) {
	prefix, local, ok := strings.Cut(raw, ":")
	if !ok {
		if !element {
			return xml.Name{Local: raw}, nil
		}
		return xml.Name{Space: s.lookup(""), Local: raw}, nil
	}
	if prefix == "" || local == "" || strings.IndexByte(local, ':') >= 0 {
		return xml.Name{}, s.fail(off, "invalid qualified name "+raw)
	}
	if prefix == "xml" {
		return xml.Name{Space: xmlNamespace, Local: local}, nil
	}
	uri := s.lookup(prefix)
	if uri == "" {
		return xml.Name{}, s.fail(off, "namespace prefix "+prefix+" is not declared")
	}
	return xml.Name{Space: uri, Local: local}, nil
}

func (s *xmlScanner) lookup(prefix string) string {
	for k := len(s.nsBuf) - 1; k >= 0; k-- {
		if s.nsBuf[k].prefix == prefix {
			return s.nsBuf[k].uri
		}
	}
	return ""
}

func (s *xmlScanner) skipSpace() bool {
	start := s.i
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case ' ', '\t', '\r':
			s.i++
		case '\n':
			s.i++
			s.lines, s.lineStart = s.lines+1, s.i
		default:
			return s.i > start
		}
	}
	return s.i > start
}

// countLines moves s.i on to end, counting the line feeds passed.
func (s *xmlScanner) countLines(end int) {
	seg := s.src[s.i:end]
	if n := bytes.Count(seg, newline); n > 0 {
		s.lines += n
		s.lineStart = s.i + bytes.LastIndexByte(seg, '\n') + 1
	}
	s.i = end
}

// name reads an XML name at s.i.
func (s *xmlScanner) name() (string, bool) {
	start := s.i
	src := s.src
	i := s.i
	var seen uint8 // the classes of the bytes read
	if i < len(src) && nameBytes[src[i]]&nameStart != 0 {
		seen = nameBytes[src[i]]
		i++
		for i < len(src) && nameBytes[src[i]]&nameChar != 0 {
			seen |= nameBytes[src[i]]
			i++
		}
	}
	// Names outside ASCII, rare in FHIR, take the slow way from where
	// the ASCII part stops.
	for i < len(src) && src[i] >= utf8.RuneSelf {
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 || !isNameRune(r, i == start) {
			break
		}
		i += size
		for i < len(src) && nameBytes[src[i]]&nameChar != 0 {
			seen |= nameBytes[src[i]]
			i++
		}
	}
	s.i = i
	s.nameColon = seen&nameColon != 0
	if i == start {
		return "", false
	}
	return s.str[start:i], true
}

// nameBytes classifies the ASCII bytes of XML names.
var nameBytes = func() (t [256]uint8) {
	for c := 0; c < utf8.RuneSelf; c++ {
		if isNameByte(byte(c), true) {
			t[c] |= nameStart
		}
		if isNameByte(byte(c), false) {
			t[c] |= nameChar
		}
		if c == ':' {
			t[c] |= nameColon
		}
	}
	return t
}()

const (
	nameStart = 1 << iota
	nameChar
	nameColon
)

func isNameByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == ':':
		return true
	case c >= '0' && c <= '9', c == '-', c == '.':
		return !first
	}
	return false
}

// isNameRune follows the NameStartChar and NameChar ranges of XML 1.0
// (fifth edition) for characters outside ASCII.
func isNameRune(r rune, first bool) bool {
	switch {
	case r == 0xB7, r >= 0x300 && r <= 0x36F, r == 0x203F, r == 0x2040:
		return !first
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

func validName(n string) bool {
	for i, r := range n {
		if r < utf8.RuneSelf {
			if !isNameByte(byte(r), i == 0) {
				return false
			}
		} else if !isNameRune(r, i == 0) {
			return false
		}
	}
	return n != ""
}

// decodeString is decode returning a string: a part of s.str when raw,
// found at off, needs no replacing.
func (s *xmlScanner) decodeString(raw []byte, off int, attr bool) (string, error) {
	clean, err := s.check(raw, off, attr)
	if err != nil || clean {
		return s.str[off : off+len(raw)], err
	}
	out, err := s.unescape(raw, off, attr)
	return string(out), err
}

// decode checks the characters of text or an attribute value and replaces
// references and CR LF. It returns raw itself when there is nothing to
// replace.
func (s *xmlScanner) decode(raw []byte, off int, attr bool) ([]byte, error) {
	clean, err := s.check(raw, off, attr)
	if err != nil || clean {
		return raw, err
	}
	return s.unescape(raw, off, attr)
}

// check checks the characters of text or an attribute value at off, and
// reports whether they are clean: free of references and of line ends or
// tabs that need replacing.
func (s *xmlScanner) check(raw []byte, off int, attr bool) (clean bool, err error) {
	clean = true
	for k := 0; k < len(raw); {
		for k < len(raw) && plainXML[raw[k]] {
			k++
		}
		if k >= len(raw) {
			break
		}
		c := raw[k]
		if c < utf8.RuneSelf {
			switch {
			case c == '&' || c == '\r' || attr && (c == '\t' || c == '\n'):
				clean = false
			case c < 0x20 && c != '\t' && c != '\n':
				return false, s.fail(off+k, "character "+strconv.QuoteRune(rune(c))+" is not allowed in XML")
			}
			k++
			continue
		}
		r, size := utf8.DecodeRune(raw[k:])
		if !xmlChar(r, size) {
			return false, s.fail(off+k, "invalid UTF-8 or a character XML does not allow")
		}
		k += size
	}
	return clean, nil
}

// plainXML marks the bytes that text and attribute values can hold as
// they are, needing no check: printable ASCII but '&'.
var plainXML = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '&'
	}
	return t
}()

// unescape replaces the references and line ends of raw, found at off.
func (s *xmlScanner) unescape(raw []byte, off int, attr bool) ([]byte, error) {
	out := make([]byte, 0, len(raw))
	for k := 0; k < len(raw); k++ {
		c := raw[k]
		switch c {
		case '\t', '\n':
			if attr {
				c = ' ' // attribute-value normalisation
			}
			out = append(out, c)
		case '\r':
			if attr {
				out = append(out, ' ')
			} else {
				out = append(out, '\n')
			}
			if k+1 < len(raw) && raw[k+1] == '\n' {
				k++
			}
		case '&':
			end := bytes.IndexByte(raw[k:], ';')
			if end < 0 {
				return nil, s.fail(off+k, "'&' must start an entity or character reference")
			}
			ref := string(raw[k+1 : k+end])
			switch ref {
			case "lt":
				out = append(out, '<')
			case "gt":
				out = append(out, '>')
			case "amp":
				out = append(out, '&')
			case "apos":
				out = append(out, '\'')
			case "quot":
				out = append(out, '"')
			default:
				r, ok := charRef(ref)
				if !ok {
					return nil, s.fail(off+k, "undefined entity &"+ref+"; (only the five XML entities and character references are allowed)")
				}
				out = utf8.AppendRune(out, r)
			}
			k += end
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' {
		base, digits = 16, digits[1:]
	}
	if digits == "" || len(digits) > 8 {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil {
		return 0, false
	}
	r := rune(n)
	if r < 0x80 {
		return r, r >= 0x20 || r == '\t' || r == '\n' || r == '\r'
	}
	return r, xmlChar(r, 2)
}

// checkChars checks comment, CDATA and processing instruction bodies.
func (s *xmlScanner) checkChars(b []byte, off int) error {
	for k := 0; k < len(b); {
		c := b[k]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return s.fail(off+k, "character "+strconv.QuoteRune(rune(c))+" is not allowed in XML")
			}
			k++
			continue
		}
		r, size := utf8.DecodeRune(b[k:])
		if !xmlChar(r, size) {
			return s.fail(off+k, "invalid UTF-8 or a character XML does not allow")
		}
		k += size
	}
	return nil
}

func normaliseNL(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}
