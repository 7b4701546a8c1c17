// Package narrative holds the STU3 rules for the XHTML of Narrative.div
// (invariants txt-1 and txt-2) as an allow list: the elements and
// attributes a narrative may use, the URLs its links and images may point
// to and what its style attributes may say. Everything not listed is
// refused, so active content (scripts, frames, forms, embedded objects,
// event handlers, script URLs, external style sheets) cannot pass under a
// name the list did not foresee.
//
// The lists follow the XPath form of txt-1 in the STU3 definition of
// Narrative (profiles-types.xml), which names the elements and attributes
// of HTML 4.0 chapters 7-11 (without section 9.4, ins and del) and 15,
// links and images. Names are compared exactly: XHTML names are lower
// case, and an element such as <SCRIPT> or <P> is not on the list.
package narrative

import (
	"encoding/xml"
	"html"
	"strconv"
	"strings"
)

// XHTMLNamespace is the namespace of Narrative.div and all its elements.
const XHTMLNamespace = "http://www.w3.org/1999/xhtml"

// xmlNamespace is the namespace of xml:lang and xml:space, which
// encoding/xml reports either by URL or by the bare prefix.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// elements are the XHTML elements a narrative may use: those of the txt-1
// XPath, and address, bdo and kbd, which the human text of txt-1 admits
// (HTML 4.0 sections 7.5.6, 8.2.4 and 9.2.1) and the HL7 validator
// accepts.
var elements = setOf(
	"a", "abbr", "acronym", "address", "b", "bdo", "big", "blockquote", "br",
	"caption", "cite", "code", "col", "colgroup", "dd", "dfn", "div", "dl", "dt",
	"em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol",
	"p", "pre", "q", "samp", "small", "span", "strong", "sub", "sup", "table",
	"tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul", "var",
)

// attributes are the unqualified attributes of the txt-1 XPath. Those
// holding a URL are allowed only on the elements urlAttributes names.
var attributes = setOf(
	"abbr", "accesskey", "align", "alt", "axis", "bgcolor", "border",
	"cellhalign", "cellpadding", "cellspacing", "cellvalign", "char", "charoff",
	"charset", "cite", "class", "colspan", "compact", "coords", "dir", "frame",
	"headers", "height", "href", "hreflang", "hspace", "id", "lang", "longdesc",
	"name", "nowrap", "rel", "rev", "rowspan", "rules", "scope", "shape", "span",
	"src", "start", "style", "summary", "tabindex", "title", "type", "valign",
	"value", "vspace", "width",
)

// urlAttributes are the allowed attributes whose value is a URL, with the
// elements HTML 4.0 defines them on (among those a narrative may use): a
// link's href, an image's src and long description, a quotation's source.
var urlAttributes = map[string]map[string]bool{
	"href":     setOf("a"),
	"src":      setOf("img"),
	"longdesc": setOf("img"),
	"cite":     setOf("blockquote", "q"),
}

// linkSchemes are the URL schemes a link (or a quotation's source or an
// image's long description) may use besides a relative reference.
var linkSchemes = setOf("http", "https", "ftp", "mailto", "tel", "urn")

// imageSchemes are the URL schemes an image may be loaded from besides a
// relative reference such as "#contained-binary" and a data: URL of a
// raster image (rasterData).
var imageSchemes = setOf("http", "https")

// activeSchemes run code or carry a document of their own when followed;
// a URL that turns into one of them once entities or percent escapes are
// decoded is refused even though its literal form looks harmless.
var activeSchemes = []string{"javascript:", "vbscript:", "data:", "livescript:"}

// cssActive are what a style attribute must not hold once comments, white
// space and case are set aside: CSS that loads a resource in ways other
// than url() (image(), image-set(), src(), @import), runs code
// (expression(), behavior, -moz-binding, Internet Explorer's progid:
// filters) or names a script URL. A narrative's styles must be "internally
// contained".
var cssActive = []string{
	"image(", "image-set(", "src(", "@import", "expression(", "behavior:",
	"-moz-binding", "progid:", "javascript:", "vbscript:",
}

// maxDecodes is how many rounds of entity and percent decoding a URL is
// checked through; one that still changes after them is refused.
const maxDecodes = 4

// maxProblems bounds the problems reported for one div; each distinct
// element, attribute or value fault counts once.
const maxProblems = 20

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// Problem is one broken narrative rule: the invariant key (txt-1 or txt-2)
// and what is wrong.
type Problem struct{ Key, Msg string }

// Check applies the narrative rules to the tokens of a div, fed one at a
// time to Token; Finish returns the problems. The zero value is ready.
type Check struct {
	problems []Problem
	depth    int
	roots    int
	hasText  bool
	capped   bool
	seen     map[string]bool // each fault is reported once
}

// Fail records a txt-1 problem found outside the tokens, such as markup
// that is not well-formed.
func (c *Check) Fail(msg string) { c.txt1("", msg) }

// txt1 records a txt-1 problem once per key ("" for always).
func (c *Check) txt1(key, msg string) {
	if key != "" {
		if c.seen[key] {
			return
		}
		if c.seen == nil {
			c.seen = map[string]bool{}
		}
		c.seen[key] = true
	}
	if c.capped {
		return
	}
	if len(c.problems) >= maxProblems {
		c.capped = true
		c.problems = append(c.problems, Problem{"txt-1", "narrative has more problems than the " + strconv.Itoa(maxProblems) + " listed"})
		return
	}
	c.problems = append(c.problems, Problem{"txt-1", msg})
}

// Token checks one token. It always returns true, so that it can be
// passed as the callback of a scanner that stops on false.
func (c *Check) Token(tok xml.Token) bool {
	switch t := tok.(type) {
	case xml.StartElement:
		c.start(t)
		c.depth++
	case xml.EndElement:
		c.depth--
	case xml.CharData:
		if c.depth > 0 {
			if !c.hasText && strings.TrimSpace(string(t)) != "" {
				c.hasText = true
			}
		} else if strings.TrimSpace(string(t)) != "" {
			c.txt1("text outside", "narrative has text outside its <div>")
		}
	case xml.ProcInst:
		c.txt1("pi:"+t.Target, "narrative holds the processing instruction <?"+t.Target+"?>, which STU3 narrative does not allow")
	case xml.Directive:
		c.txt1("directive", "narrative holds a DTD or other declaration, which STU3 narrative does not allow")
	case xml.Comment:
		// Conditional comments are markup to older Internet Explorers.
		if s := strings.TrimSpace(string(t)); len(s) >= 3 && strings.EqualFold(s[:3], "[if") {
			c.txt1("conditional comment", "narrative holds a conditional comment (<!--[if ...]>), which browsers may read as markup")
		}
	}
	return true
}

func (c *Check) start(t xml.StartElement) {
	name := t.Name.Local
	if c.depth == 0 {
		c.roots++
		if c.roots == 2 {
			c.txt1("roots", "narrative has more than one root element: it must be a single <div>")
		}
		if name != "div" || t.Name.Space != XHTMLNamespace {
			c.txt1("root:"+t.Name.Space+" "+name, "narrative root is <"+name+"> in namespace "+quoteNS(t.Name.Space)+": expected <div> in "+XHTMLNamespace)
		}
	}
	switch {
	case t.Name.Space != XHTMLNamespace:
		if c.depth > 0 {
			c.txt1("ns:"+t.Name.Space, "narrative element <"+name+"> is in namespace "+quoteNS(t.Name.Space)+": only XHTML is allowed")
		}
	case !elements[name]:
		msg := "narrative holds a <" + name + "> element, which STU3 narrative does not allow (txt-1 allows only basic HTML formatting, links and images)"
		if elements[strings.ToLower(name)] {
			msg = "narrative holds a <" + name + "> element: XHTML element names are lower case, and STU3 narrative allows only <" + strings.ToLower(name) + ">"
		}
		c.txt1("el:"+name, msg)
	}
	for _, a := range t.Attr {
		c.attr(name, a)
		if name == "img" && a.Name.Space == "" && a.Name.Local == "src" {
			c.hasText = true // txt-2 counts an image with a source as content
		}
	}
}

// attr checks one attribute of element elem.
func (c *Check) attr(elem string, a xml.Attr) {
	local := a.Name.Local
	switch a.Name.Space {
	case "xmlns":
		return // a namespace declaration
	case "":
		if local == "xmlns" {
			return
		}
	case xmlNamespace, "xml":
		if local == "lang" || local == "space" {
			return
		}
		c.txt1("attr:"+elem+"@xml:"+local, "narrative uses the attribute xml:"+local+" on <"+elem+">, which STU3 narrative does not allow")
		return
	default:
		c.txt1("attr:"+elem+"@{"+a.Name.Space+"}"+local, "narrative uses the attribute "+local+" in namespace "+quoteNS(a.Name.Space)+" on <"+elem+">, which STU3 narrative does not allow")
		return
	}
	if !attributes[local] {
		var msg string
		switch {
		case len(local) > 2 && strings.EqualFold(local[:2], "on"):
			msg = "narrative uses the event attribute " + local + " on <" + elem + ">, which STU3 narrative does not allow"
		case attributes[strings.ToLower(local)]:
			msg = "narrative uses the attribute " + local + " on <" + elem + ">: XHTML attribute names are lower case, and STU3 narrative allows only " + strings.ToLower(local)
		default:
			msg = "narrative uses the attribute " + local + " on <" + elem + ">, which STU3 narrative does not allow"
		}
		c.txt1("attr:"+elem+"@"+local, msg)
		return
	}
	if on, isURL := urlAttributes[local]; isURL {
		if !on[elem] {
			c.txt1("attr:"+elem+"@"+local, "narrative uses the attribute "+local+" on <"+elem+">: STU3 narrative allows a URL there only on "+listElements(on))
			return
		}
		if msg := urlProblem(a.Value, elem == "img" && local == "src"); msg != "" {
			c.txt1("url:"+elem+"@"+local+"="+msg, "narrative "+elem+"/@"+local+" "+quoteShort(a.Value)+" "+msg)
		}
		return
	}
	if local == "style" {
		if msg := styleProblem(a.Value); msg != "" {
			c.txt1("style:"+msg, "narrative style attribute on <"+elem+"> "+msg+": STU3 narrative allows only internally contained styles")
		}
	}
}

// Problems returns the problems found so far, without the txt-2 verdict
// Finish adds; for markup that could not be read to its end.
func (c *Check) Problems() []Problem { return c.problems }

// Finish adds txt-1 when there was no div and txt-2 when the div held no
// content, and returns the problems.
func (c *Check) Finish() []Problem {
	if c.roots == 0 {
		c.txt1("no root", "narrative holds no <div>")
	}
	if !c.hasText {
		c.problems = append(c.problems, Problem{"txt-2", "narrative div has no text: it must hold some non-whitespace content"})
	}
	return c.problems
}

// urlProblem says what is wrong with a URL in a narrative, or "". image
// selects the rules of an image source (img/@src, CSS url()) instead of
// those of a link.
func urlProblem(v string, image bool) string {
	u := browserURL(v)
	scheme, ok := urlScheme(u)
	if !ok {
		return "begins with something that is not a URL scheme, so it cannot be judged"
	}
	allowed := linkSchemes
	what := "http, https, ftp, mailto, tel or urn"
	if image {
		allowed, what = imageSchemes, "http, https, a data: PNG, GIF or JPEG image"
	}
	switch {
	case scheme == "data" && image:
		if !rasterData(u) {
			return "is a data: URL that is not a PNG, GIF or JPEG image, which STU3 narrative does not allow"
		}
	case scheme != "" && !allowed[scheme]:
		return "uses the URL scheme " + scheme + ":, which STU3 narrative does not allow here (only " + what + ", or a relative reference)"
	}
	// A value that decodes to an active URL is refused too, in case the
	// narrative is decoded once more before it is shown.
	if strings.ContainsAny(u, "&%") {
		d := u
		for range maxDecodes {
			next := html.UnescapeString(percentDecode(d))
			if next == d {
				return ""
			}
			d = next
			if s := activeScheme(d); s != "" && !(s == "data:" && image && rasterData(d)) {
				return "decodes to a " + s + " URL, which STU3 narrative does not allow"
			}
		}
		if html.UnescapeString(percentDecode(d)) != d {
			return "is escaped more than " + strconv.Itoa(maxDecodes) + " times over, so it cannot be judged"
		}
	}
	return ""
}

// rasterImages are the media types of the data: URLs an image may use:
// pictures that cannot hold script, unlike SVG.
var rasterImages = setOf("image/png", "image/gif", "image/jpeg")

// rasterData reports whether u, a data: URL, holds a PNG, GIF or JPEG
// image. The STU3 package's own narratives write "data: image/png", with
// a space.
func rasterData(u string) bool {
	rest := strings.TrimLeft(u[len("data:"):], " ")
	end := strings.IndexAny(rest, ";,")
	if end < 0 {
		return false
	}
	return rasterImages[strings.ToLower(strings.TrimSpace(rest[:end]))]
}

// browserURL is v as a browser reads a URL: without leading and trailing
// C0 controls and spaces, and without any tab or line end.
func browserURL(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(v, "\t\n\r") {
		v = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, v)
	}
	return v
}

// urlScheme returns the lower-cased scheme of u, "" for a relative
// reference, and ok false when a colon ends a first segment that is not a
// scheme (RFC 3986 3.1), which a browser might still read as one.
func urlScheme(u string) (scheme string, ok bool) {
	i := strings.IndexAny(u, ":/?#")
	if i < 0 || u[i] != ':' {
		return "", true
	}
	s := u[:i]
	if s == "" {
		return "", false
	}
	for j := 0; j < len(s); j++ {
		b := s[j]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		case j > 0 && ('0' <= b && b <= '9' || b == '+' || b == '-' || b == '.'):
		default:
			return "", false
		}
	}
	return strings.ToLower(s), true
}

// activeScheme returns the active scheme d begins with once controls and
// spaces are dropped, or "".
func activeScheme(d string) string {
	d = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, d)
	for _, s := range activeSchemes {
		if len(d) >= len(s) && strings.EqualFold(d[:len(s)], s) {
			return s
		}
	}
	return ""
}

// percentDecode decodes %XX escapes, leaving malformed ones as they are.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case b <= '9':
		return b - '0'
	case b <= 'F':
		return b - 'A' + 10
	default:
		return b - 'a' + 10
	}
}

// styleProblem says what is wrong with the value of a style attribute, or
// "". CSS escapes are refused rather than resolved: a backslash can spell
// any of the refused words, and narratives have no need of one. A url()
// is held to the rules of an image source.
func styleProblem(v string) string {
	if strings.Contains(v, `\`) {
		return "holds a CSS escape (\\), which cannot be judged"
	}
	// Drop comments, white space and controls, which CSS readers have
	// let split a keyword, and fold ASCII case.
	n := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case b == '/' && i+1 < len(v) && v[i+1] == '*':
			end := strings.Index(v[i+2:], "*/")
			if end < 0 {
				i = len(v)
			} else {
				i += 2 + end + 1
			}
		case b <= ' ' || b == 0x7f:
		case 'A' <= b && b <= 'Z':
			n = append(n, b+'a'-'A')
		default:
			n = append(n, b)
		}
	}
	s := string(n)
	for _, w := range cssActive {
		if strings.Contains(s, w) {
			return "uses " + w
		}
	}
	for rest := s; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return ""
		}
		arg, after, ok := cssURL(rest[i+len("url("):])
		if !ok {
			return "has a url( without its end, which cannot be judged"
		}
		if msg := urlProblem(arg, true); msg != "" {
			return "holds url(" + quoteShort(arg) + "), which " + msg
		}
		rest = after
	}
}

// cssURL splits s, the text after "url(", into the URL and what follows
// the closing parenthesis; ok is false when there is none.
func cssURL(s string) (arg, rest string, ok bool) {
	if s != "" && (s[0] == '"' || s[0] == '\'') {
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 || !strings.HasPrefix(s[1+end+1:], ")") {
			return "", "", false
		}
		return s[1 : 1+end], s[1+end+2:], true
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return "", "", false
	}
	return s[:end], s[end+1:], true
}

func listElements(on map[string]bool) string {
	names := make([]string, 0, len(on))
	for n := range on {
		names = append(names, "<"+n+">")
	}
	// Few names; a fixed order keeps messages stable.
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return strings.Join(names, " and ")
}

func quoteNS(ns string) string {
	if ns == "" {
		return "(none)"
	}
	return ns
}

// quoteShort quotes a value for a message, cut to 80 bytes.
func quoteShort(v string) string {
	if len(v) > 80 {
		v = v[:80] + "..."
	}
	return strconv.Quote(v)
}
