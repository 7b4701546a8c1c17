//go:build libxml2

package schema

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// maxXMLErrors is how many schema errors the libxml2 binding collects per
// document; it drops the rest silently.
const maxXMLErrors = 32

// maxXSDGrowths is how many times the XSD in use is recompiled to cover
// resource types not met before, before the whole XSD is compiled instead.
// A batch of NEMS messages uses a dozen resource types, which a few
// growths cover; a batch of everything FHIR has stops paying for subsets
// after the fourth.
const maxXSDGrowths = 4

// xsdCover is a compiled XSD with the resource types it declares.
type xsdCover struct {
	schema *xsd.Schema
	types  map[string]bool // nil: all of them
}

func (c *xsdCover) covers(names []string) bool {
	if c.types == nil {
		return true
	}
	for _, n := range names {
		if !c.types[n] {
			return false
		}
	}
	return true
}

// The XSD is compiled for the resource types the payloads hold (see
// xsdsubset.go): the first payload's types, then the union with each
// payload's types that are not covered yet, and after maxXSDGrowths the
// whole schema. Each compiled schema covers everything earlier ones did,
// so validation reads the latest without a lock; the earlier ones are
// never freed, since a validation may still be using them, which bounds
// the memory held to maxXSDGrowths+1 schemas.
var (
	libxmlOnce sync.Once

	xsdMu      sync.Mutex // held while compiling
	xsdCurrent atomic.Pointer[xsdCover]
	xsdGrowths int

	xsdTextOnce sync.Once
	xsdSplit    *xsdText
	xsdSplitErr error
)

// splitSTU3XSD cuts the embedded XSD into declarations, once.
func splitSTU3XSD() (*xsdText, error) {
	xsdTextOnce.Do(func() {
		xsdSplit, xsdSplitErr = splitXSD(string(schemas.STU3XSD()))
		if xsdSplitErr != nil {
			xsdSplitErr = fmt.Errorf("schema: reading the XSD: %v", xsdSplitErr)
		}
	})
	return xsdSplit, xsdSplitErr
}

// xmlSchemaForTypes returns a compiled XSD that declares the resource types
// names, compiling one if none does yet.
func xmlSchemaForTypes(x *xsdText, names []string) (*xsd.Schema, error) {
	libxmlOnce.Do(initLibxml2)
	if c := xsdCurrent.Load(); c != nil && c.covers(names) {
		return c.schema, nil
	}
	xsdMu.Lock()
	defer xsdMu.Unlock()
	c := xsdCurrent.Load()
	if c != nil && c.covers(names) {
		return c.schema, nil // compiled meanwhile
	}
	if c != nil && xsdGrowths >= maxXSDGrowths {
		return xmlSchema()
	}
	types := map[string]bool{}
	if c != nil {
		for n := range c.types {
			types[n] = true
		}
	}
	for _, n := range names {
		types[n] = true
	}
	s, err := compileXSD([]byte(x.subset(types)))
	if err != nil {
		return nil, err
	}
	if c != nil {
		xsdGrowths++
	}
	xsdCurrent.Store(&xsdCover{s, types})
	return s, nil
}

// xmlSchema compiles the whole embedded XSD, if it is not compiled yet,
// and makes it the one in use. Called with xsdMu held.
func xmlSchema() (*xsd.Schema, error) {
	if c := xsdCurrent.Load(); c != nil && c.types == nil {
		return c.schema, nil
	}
	s, err := compileXSD(schemas.STU3XSD())
	if err != nil {
		return nil, err
	}
	xsdCurrent.Store(&xsdCover{schema: s})
	return s, nil
}

// compileXSD compiles an XSD text. The binding's xsd.Parse leaks its input
// buffer (about 8 MB a call for the whole schema), and the schema imports
// the XHTML schema by a relative file name anyway, so both files are
// written to a temporary folder that is removed once libxml2 has read
// them. The compiled schema is never freed: libxml2 allows one schema to be
// used by many validations at once, and one may still be under way.
func compileXSD(text []byte) (*xsd.Schema, error) {
	dir, err := os.MkdirTemp("", "nemsfhir-xsd-")
	if err != nil {
		return nil, fmt.Errorf("schema: compiling the XSD: %v", err)
	}
	defer os.RemoveAll(dir)
	main := filepath.Join(dir, "fhir.xsd")
	if err := os.WriteFile(main, text, 0o600); err != nil {
		return nil, fmt.Errorf("schema: compiling the XSD: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, schemas.STU3XHTMLXSDName), schemas.STU3XHTMLXSD(), 0o600); err != nil {
		return nil, fmt.Errorf("schema: compiling the XSD: %v", err)
	}
	s, err := xsd.ParseFromFile(main)
	if err != nil {
		return nil, fmt.Errorf("schema: compiling the XSD: %v", err)
	}
	return s, nil
}

// XSDBuiltIn reports whether the XSD check of XML payloads is in this
// build: true with the build tag libxml2.
const XSDBuiltIn = true

// compileXML compiles the whole XSD, if it is not compiled yet.
func compileXML() error {
	libxmlOnce.Do(initLibxml2)
	xsdMu.Lock()
	defer xsdMu.Unlock()
	_, err := xmlSchema()
	return err
}

// warmXML compiles, in the background, the XSD for the resource types
// NEMS payloads hold.
func warmXML() {
	go func() {
		if x, err := splitSTU3XSD(); err == nil {
			xmlSchemaForTypes(x, nemsResourceTypes)
		}
	}()
}

// ValidateXML checks an XML payload against the STU3 XML Schema and returns
// what is wrong, nil when it is valid. A payload that is not well-formed
// XML yields one problem saying so.
//
// The bytes are read once in Go before libxml2 reads them (scanTags): for
// what libxml2 must not see, and for the resource types that choose the
// XSD subset. Nesting deeper than libxml2 reads is looked for only when
// libxml2 stopped, or went deeper than maxLibxmlNesting levels could take
// it, since only then can there be any.
func ValidateXML(doc []byte) []Problem {
	if len(bytes.TrimSpace(doc)) == 0 {
		return []Problem{problem("not well-formed XML: the document is empty", "")}
	}
	if msg := refusedProlog(doc); msg != "" {
		return []Problem{problem("not well-formed XML: "+msg, "")}
	}
	x, err := splitSTU3XSD()
	var resources map[string]bool
	if err == nil {
		resources = x.resources
	}
	msg, names := scanTags(doc, resources)
	if msg != "" {
		return []Problem{problem("not well-formed XML: "+msg, "")}
	}
	// deep answers for a document nested deeper than libxml2 reads, which
	// takes precedence over whatever libxml2 said of it.
	deep := func(ps []Problem) []Problem {
		if p, deep := tooDeep(doc); deep {
			return []Problem{p}
		}
		return ps
	}
	var s *xsd.Schema
	if err == nil {
		s, err = xmlSchemaForTypes(x, names)
	}
	if err != nil {
		return deep([]Problem{problem(err.Error(), "")})
	}
	res, err := validateStream(s, doc)
	switch {
	case err != nil:
		return deep([]Problem{problem("schema: "+err.Error(), "")})
	case res.parseMsg != "":
		return deep([]Problem{withLine(problem("not well-formed XML: "+res.parseMsg, ""), res.parseLine)})
	case res.nesting > maxLibxmlNesting:
		if ps := deep(nil); ps != nil {
			return ps
		}
	}
	if res.msgs == nil {
		return nil
	}
	out := make([]Problem, 0, len(res.msgs)+1)
	for _, e := range res.msgs {
		if e != "" {
			out = append(out, xmlProblem(e))
		}
	}
	locateXML(doc, out)
	if len(out) == 0 {
		out = append(out, problem("the document is not valid against the STU3 XML Schema", ""))
	}
	if len(res.msgs) >= maxXMLErrors {
		out = append(out, problem(fmt.Sprintf("more schema errors may follow: libxml2 reports at most %d", maxXMLErrors), ""))
	}
	return out
}

// xmlSubject finds what a libxml2 schema message is about: "Element
// '{ns}name'" or "Element '{ns}name', attribute 'value'".
var xmlSubject = regexp.MustCompile(`^Element '(?:\{[^}]*\})?([^']+)'(?:, attribute '([^']+)')?: `)

// xmlProblem turns one libxml2 message into a Problem, moving the element
// (and attribute) it names into Location and dropping the namespace URIs
// that make the messages hard to read.
func xmlProblem(msg string) Problem {
	msg = strings.TrimSpace(msg)
	p := problem(msg, "")
	if m := xmlSubject.FindStringSubmatch(msg); m != nil {
		p.Location = m[1]
		if m[2] != "" {
			p.Location += "/@" + m[2]
		}
		p.Message = msg[len(m[0]):]
	}
	p.Message = strings.ReplaceAll(p.Message, "{http://hl7.org/fhir}", "")
	// The generated value types are named "<primitive>.value" (and
	// "code.<value set>.value" for bound codes): name the FHIR type instead.
	p.Message = valueTypeName.ReplaceAllString(p.Message, "FHIR type '$1'")
	return p
}

var valueTypeName = regexp.MustCompile(`(?:atomic|union) type '([^']+)\.value'`)

// locateXML fills in the line and column of the problems whose element can
// be told apart in the document, since libxml2 does not report them: the
// element named by the message when only one element of that name occurs,
// or, for an attribute's value, only one such element carries the value
// the message quotes. Problems that stay ambiguous keep line 0 rather than
// a guess.
func locateXML(doc []byte, ps []Problem) {
	wanted := map[string]bool{}
	for _, p := range ps {
		if p.Location != "" {
			elem, _, _ := strings.Cut(p.Location, "/@")
			wanted[elem] = true
		}
	}
	if len(wanted) == 0 {
		return
	}
	found := map[string][]occurrence{}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	for {
		off := dec.InputOffset()
		tok, err := dec.RawToken()
		if err != nil {
			break // io.EOF, or XML that Go reads differently: stop looking
		}
		if se, ok := tok.(xml.StartElement); ok && wanted[se.Name.Local] {
			start := int(off)
			for start < len(doc) && doc[start] != '<' {
				start++
			}
			found[se.Name.Local] = append(found[se.Name.Local], occurrence{start, se.Attr})
		}
	}
	for i := range ps {
		elem, attr, isAttr := strings.Cut(ps[i].Location, "/@")
		occ := found[elem]
		if len(occ) > 1 && isAttr {
			// Keep the occurrences that carry the attribute, then those
			// whose value the message quotes.
			occ = filterOccurrences(occ, func(a xml.Attr) bool { return a.Name.Local == attr })
			if len(occ) > 1 {
				occ = filterOccurrences(occ, func(a xml.Attr) bool {
					return a.Name.Local == attr && strings.Contains(ps[i].Message, "'"+a.Value+"'")
				})
			}
		}
		if len(occ) == 1 {
			ps[i].Line, ps[i].Column = lineCol(doc, occ[0].offset)
			ps[i].Offset = occ[0].offset
		}
	}
}

// occurrence is where an element starts in a document, with its attributes.
type occurrence struct {
	offset int
	attrs  []xml.Attr
}

func filterOccurrences(occ []occurrence, keep func(xml.Attr) bool) []occurrence {
	var out []occurrence
	for _, o := range occ {
		for _, a := range o.attrs {
			if keep(a) {
				out = append(out, o)
				break
			}
		}
	}
	return out
}
