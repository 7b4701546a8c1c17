package validate

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/narrative"
)

var (
	narrativeValidatorOnce sync.Once
	narrativeValidator     *Validator
	narrativeValidatorErr  error
)

// baseValidator is a Validator of the base STU3 rules, without the NEMS
// rule packs.
func baseValidator(t testing.TB) *Validator {
	t.Helper()
	narrativeValidatorOnce.Do(func() {
		narrativeValidator, narrativeValidatorErr = New(Options{MaxSize: -1, NoRules: true})
	})
	if narrativeValidatorErr != nil {
		t.Fatal(narrativeValidatorErr)
	}
	return narrativeValidator
}

const xhtmlDiv = `<div xmlns="http://www.w3.org/1999/xhtml">`

// activeNarratives are narratives holding active content or what txt-1
// does not list, each with a word the txt-1 message must hold (the
// element, attribute or construct at fault). Up to commit ae0a22d the
// check was a case-sensitive deny list, and every case below except those
// marked "old" passed it.
var activeNarratives = []struct {
	name, div, want string
}{
	// Elements, whatever their case.
	{"SCRIPT upper case", xhtmlDiv + `hi<SCRIPT>alert(1)</SCRIPT></div>`, "<SCRIPT>"},
	{"Script mixed case", xhtmlDiv + `hi<Script>alert(1)</Script></div>`, "<Script>"},
	{"script (old)", xhtmlDiv + `hi<script>alert(1)</script></div>`, "<script>"},
	{"IFRAME srcdoc", xhtmlDiv + `hi<IFRAME srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/></div>`, "<IFRAME>"},
	{"iframe srcdoc attribute", xhtmlDiv + `hi<span srcdoc="x">a</span></div>`, "srcdoc"},
	{"FORM", xhtmlDiv + `hi<FORM action="https://evil.example/"><p>a</p></FORM></div>`, "<FORM>"},
	{"OBJECT", xhtmlDiv + `hi<OBJECT data="https://evil.example/x.swf"/></div>`, "<OBJECT>"},
	{"META refresh", xhtmlDiv + `hi<META http-equiv="refresh" content="0;url=https://evil.example/"/></div>`, "<META>"},
	{"BASE", xhtmlDiv + `hi<BASE href="https://evil.example/"/></div>`, "<BASE>"},
	{"LINK stylesheet", xhtmlDiv + `hi<LINK rel="stylesheet" href="https://evil.example/x.css"/></div>`, "<LINK>"},
	{"style element (old)", xhtmlDiv + `hi<style>p{color:red}</style></div>`, "<style>"},
	{"svg in XHTML", xhtmlDiv + `hi<svg><a href="x">a</a></svg></div>`, "<svg>"},
	{"svg in its namespace (old)", xhtmlDiv + `hi<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg></div>`, "http://www.w3.org/2000/svg"},
	{"video", xhtmlDiv + `hi<video src="https://evil.example/v.mp4"/></div>`, "<video>"},
	{"audio", xhtmlDiv + `hi<audio src="https://evil.example/a.mp3"/></div>`, "<audio>"},
	{"embed (old)", xhtmlDiv + `hi<embed src="https://evil.example/x.swf"/></div>`, "<embed>"},
	{"math", xhtmlDiv + `hi<math/></div>`, "<math>"},
	{"template", xhtmlDiv + `hi<template><p>a</p></template></div>`, "<template>"},
	{"input (old)", xhtmlDiv + `hi<input type="text"/></div>`, "<input>"},
	{"marquee", xhtmlDiv + `<marquee>hi</marquee></div>`, "<marquee>"},
	{"ins (HTML 4.0 section 9.4)", xhtmlDiv + `<ins>hi</ins></div>`, "<ins>"},
	{"map and area", xhtmlDiv + `<map name="m"><area href="javascript:alert(1)" alt="a"/></map>hi</div>`, "<map>"},
	{"P upper case", xhtmlDiv + `<P>hi</P></div>`, "lower case"},
	{"processing instruction (old)", xhtmlDiv + `hi<?xml-stylesheet href="https://evil.example/x.xsl"?></div>`, "processing instruction"},
	{"conditional comment", xhtmlDiv + `hi<!--[if IE]><script>alert(1)</script><![endif]--></div>`, "conditional comment"},

	// Attributes.
	{"onclick (old)", xhtmlDiv + `<p onclick="alert(1)">hi</p></div>`, "onclick"},
	{"ONERROR on img (old)", xhtmlDiv + `hi<img src="x.png" ONERROR="alert(1)"/></div>`, "ONERROR"},
	{"formaction", xhtmlDiv + `<p formaction="https://evil.example/">hi</p></div>`, "formaction"},
	{"background", xhtmlDiv + `<table background="javascript:alert(1)"><tr><td>hi</td></tr></table></div>`, "background"},
	{"xlink:href", xhtmlDiv + `<a xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="javascript:alert(1)">hi</a></div>`, "http://www.w3.org/1999/xlink"},
	{"xml:base", xhtmlDiv + `<p xml:base="https://evil.example/">hi</p></div>`, "xml:base"},
	{"HREF upper case", xhtmlDiv + `<a HREF="https://example.org/">hi</a></div>`, "HREF"},
	{"href on span", xhtmlDiv + `<span href="javascript:alert(1)">hi</span></div>`, "only on <a>"},
	{"src on p", xhtmlDiv + `<p src="javascript:alert(1)">hi</p></div>`, "only on <img>"},

	// URLs of links and images.
	{"javascript: href", xhtmlDiv + `<a href="javascript:alert(1)">hi</a></div>`, "javascript:"},
	{"JavaScript: href, mixed case", xhtmlDiv + `<a href="JaVaScRiPt:alert(1)">hi</a></div>`, "javascript:"},
	{"javascript: href after white space", xhtmlDiv + `<a href=" &#9;&#10; javascript:alert(1)">hi</a></div>`, "javascript:"},
	{"javascript: href split by a tab", xhtmlDiv + `<a href="java&#9;script:alert(1)">hi</a></div>`, "javascript:"},
	{"javascript: href split by a line end", xhtmlDiv + `<a href="java&#10;script:alert(1)">hi</a></div>`, "javascript:"},
	{"javascript: href from character references", xhtmlDiv + `<a href="&#106;avascript&#x3A;alert(1)">hi</a></div>`, "javascript:"},
	{"javascript: href doubly escaped", xhtmlDiv + `<a href="&amp;#106;avascript:alert(1)">hi</a></div>`, "decodes to a javascript: URL"},
	{"javascript: href percent-encoded colon", xhtmlDiv + `<a href="javascript%3Aalert(1)">hi</a></div>`, "decodes to a javascript: URL"},
	{"javascript: href entity-encoded colon, escaped twice", xhtmlDiv + `<a href="javascript&amp;colon;alert(1)">hi</a></div>`, "decodes to a javascript: URL"},
	{"javascript: href percent-encoded scheme", xhtmlDiv + `<a href="%6Aavascript:alert(1)">hi</a></div>`, "not a URL scheme"},
	{"vbscript: href", xhtmlDiv + `<a href="vbscript:msgbox(1)">hi</a></div>`, "vbscript:"},
	{"data: href", xhtmlDiv + `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">hi</a></div>`, "data:"},
	{"DATA: href", xhtmlDiv + `<a href="DATA:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">hi</a></div>`, "data:"},
	{"file: href", xhtmlDiv + `<a href="file:///etc/passwd">hi</a></div>`, "file:"},
	{"javascript: img src", xhtmlDiv + `hi<img src="javascript:alert(1)"/></div>`, "javascript:"},
	{"data: HTML img src", xhtmlDiv + `hi<img src="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/></div>`, "not a PNG, GIF or JPEG"},
	{"data: SVG img src", xhtmlDiv + `hi<img src="data:image/svg+xml;base64,PHN2Zy8+"/></div>`, "not a PNG, GIF or JPEG"},
	{"mailto: img src", xhtmlDiv + `hi<img src="mailto:a@example.org"/></div>`, "mailto:"},
	{"javascript: cite", xhtmlDiv + `<q cite="javascript:alert(1)">hi</q></div>`, "javascript:"},

	// Style attributes.
	{"url(javascript:) in style", xhtmlDiv + `<p style="background:url(javascript:alert(1))">hi</p></div>`, "javascript:"},
	{"URL('javascript:') in style", xhtmlDiv + `<p style="background: URL( 'javascript:alert(1)' )">hi</p></div>`, "javascript:"},
	{"url(data:text/html) in style", xhtmlDiv + `<p style="background:url(data:text/html,x)">hi</p></div>`, "not a PNG, GIF or JPEG"},
	{"expression() in style", xhtmlDiv + `<p style="width: expression(alert(1))">hi</p></div>`, "expression("},
	{"expression() split by a comment", xhtmlDiv + `<p style="width: exp/**/ression(alert(1))">hi</p></div>`, "expression("},
	{"EXPRESSION() upper case", xhtmlDiv + `<p style="width: EXPRESSION(alert(1))">hi</p></div>`, "expression("},
	{"CSS escape", xhtmlDiv + `<p style="background:\75 rl(javascript:alert(1))">hi</p></div>`, "CSS escape"},
	{"behavior", xhtmlDiv + `<p style="behavior: url(x.htc)">hi</p></div>`, "behavior:"},
	{"-moz-binding", xhtmlDiv + `<p style="-moz-binding: url(x.xml#b)">hi</p></div>`, "-moz-binding"},
	{"@import", xhtmlDiv + `<p style="@import 'https://evil.example/x.css'">hi</p></div>`, "@import"},
	{"unterminated url(", xhtmlDiv + `<p style="background:url(x.png">hi</p></div>`, "without its end"},
	{"Style upper case attribute", xhtmlDiv + `<p STYLE="background:url(javascript:alert(1))">hi</p></div>`, "STYLE"},
}

// benignNarratives are narratives txt-1 and txt-2 accept, written the way
// the official examples and the STU3 package write theirs.
var benignNarratives = []struct{ name, div string }{
	{"formatting", xhtmlDiv + `<h3>Title</h3><p>Some <b>bold</b>, <i>italic</i>, <em>em</em>, <strong>strong</strong>, <code>code</code>, <sub>1</sub><sup>2</sup><br/>text</p><hr/><pre>pre</pre></div>`},
	{"lists and definitions", xhtmlDiv + `<ul class="x"><li>a</li></ul><ol style="list-style-type: lower-alpha"><li>b</li></ol><dl><dt>t</dt><dd>d</dd></dl></div>`},
	{"table", xhtmlDiv + `<table border="1" cellpadding="2" cellspacing="0" summary="s" style="border: 1px solid #F0F0F0"><caption>c</caption><colgroup><col span="1" style="width: 10%"/></colgroup><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2" valign="top" nowrap="nowrap">d</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table></div>`},
	{"links", xhtmlDiv + `<a name="top">top</a> <a href="https://example.org/a?b=1&amp;c=2">https</a> <a href="http://example.org/">http</a> <a href="#top">fragment</a> <a href="Patient/123">relative</a> <a href="mailto:someone@example.org">mail</a> <a href="tel:+441234567890">phone</a> <a href="urn:uuid:0a0a0a0a-0000-4000-8000-000000000001">urn</a></div>`},
	{"images", xhtmlDiv + `<img src="#binary1" alt="contained"/><img src="https://example.org/x.png" alt="remote" width="10" height="10"/><img src="tbl_spacer.png" alt="relative"/><img src="data: image/png;base64,iVBORw0KGgo=" alt="data"/><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="gif"/></div>`},
	{"image only", xhtmlDiv + `<img src="#binary1" alt=""/></div>`},
	{"styles", xhtmlDiv + `<p style="color: red; font-family: verdana; padding: 0px 4px 0px 4px">a</p><td style="background-image: url(tbl_bck1.png); background-repeat: repeat-y">b</td><span style="background: url(data: image/png;base64,iVBORw0KGgo=)">c</span><span style="background: url('https://example.org/x.png')">d</span></div>`},
	{"language and quotes", `<div xmlns="http://www.w3.org/1999/xhtml" xml:lang="en-GB" lang="en-GB"><blockquote cite="https://example.org/">q</blockquote><q cite="#x">q</q><abbr title="t">a</abbr> <acronym title="t">a</acronym> <address>a</address> <bdo dir="rtl">b</bdo> <kbd>k</kbd> <samp>s</samp> <var>v</var> <tt>t</tt> <dfn>d</dfn> <big>b</big> <small>s</small> <cite>c</cite></div>`},
	{"comment and entity", xhtmlDiv + `<!-- a comment --><p>a&amp;b&#160;c</p></div>`},
	{"attribute that only looks like a script URL", xhtmlDiv + `<p title="javascript:alert(1)" class="onclick">inert text</p></div>`},
}

// narrativeIn wraps a div into a payload in each place a narrative can
// be: a resource, a contained resource and a Bundle entry, as XML and as
// JSON. It returns the payload and the path of the div.
func narrativeIn(place, format, div string) (src, path string) {
	switch format + " " + place {
	case "xml resource":
		return `<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/>` + div + `</text></Patient>`, "Patient.text.div"
	case "xml contained":
		return `<Patient xmlns="http://hl7.org/fhir"><contained><Organization><id value="o1"/><text><status value="generated"/>` + div +
			`</text><name value="o"/></Organization></contained><managingOrganization><reference value="#o1"/></managingOrganization></Patient>`, "Patient.contained[0].text.div"
	case "xml bundle":
		return `<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><fullUrl value="urn:uuid:0a0a0a0a-0000-4000-8000-000000000001"/><resource><Patient><text><status value="generated"/>` + div +
			`</text></Patient></resource></entry></Bundle>`, "Bundle.entry[0].resource.text.div"
	}
	q, _ := json.Marshal(div)
	text := `"text":{"status":"generated","div":` + string(q) + `}`
	switch place {
	case "resource":
		return `{"resourceType":"Patient",` + text + `}`, "Patient.text.div"
	case "contained":
		return `{"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o1",` + text + `,"name":"o"}],"managingOrganization":{"reference":"#o1"}}`, "Patient.contained[0].text.div"
	default:
		return `{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:0a0a0a0a-0000-4000-8000-000000000001","resource":{"resourceType":"Patient",` + text + `}}]}`, "Bundle.entry[0].resource.text.div"
	}
}

var narrativePlaces = []string{"resource", "contained", "bundle"}

// narrativeIssues returns the issues about the div at path: txt-1, txt-2
// and the structural ones the parsers raise on narrative XHTML.
func narrativeIssues(res *Result, path string) (txt []Issue) {
	for _, is := range res.Issues {
		if is.Path == path && (strings.HasPrefix(is.Rule, "fhir:invariant:txt-") || is.Rule == "fhir:structure") {
			txt = append(txt, is)
		}
	}
	return txt
}

// TestNarrativeActiveContentRefused checks that each kind of active
// content, in XML and JSON, in a resource, a contained resource and a
// Bundle, is an error at the div naming what is at fault: a txt-1 error,
// or the JSON reader's own refusal of what no narrative may hold.
func TestNarrativeActiveContentRefused(t *testing.T) {
	v := baseValidator(t)
	for _, tc := range activeNarratives {
		for _, format := range []string{"xml", "json"} {
			for _, place := range narrativePlaces {
				src, path := narrativeIn(place, format, tc.div)
				res := v.Validate(tc.name+"."+format, []byte(src))
				var found bool
				for _, is := range narrativeIssues(res, path) {
					if is.Severity.IsError() && strings.Contains(is.Message, tc.want) {
						found = true
						if is.Line < 1 || is.Column < 1 {
							t.Errorf("%s (%s, %s): issue without a place: %v", tc.name, format, place, is)
						}
					}
				}
				if !found {
					t.Errorf("%s (%s, %s): no txt-1 error at %s naming %q; issues: %v", tc.name, format, place, path, tc.want, res.Issues)
				}
				if res.Valid() {
					t.Errorf("%s (%s, %s): payload valid", tc.name, format, place)
				}
			}
		}
	}
}

// TestNarrativeBenignAccepted checks that narratives using only what txt-1
// allows raise no narrative issue in any place or format.
func TestNarrativeBenignAccepted(t *testing.T) {
	v := baseValidator(t)
	for _, tc := range benignNarratives {
		for _, format := range []string{"xml", "json"} {
			for _, place := range narrativePlaces {
				src, path := narrativeIn(place, format, tc.div)
				res := v.Validate(tc.name+"."+format, []byte(src))
				for _, is := range narrativeIssues(res, path) {
					t.Errorf("%s (%s, %s): %v", tc.name, format, place, is)
				}
			}
		}
	}
}

// FuzzNarrativeAllowList feeds arbitrary narratives to the narrative check
// and holds what it accepts to an independent, simpler reading: a div
// with no txt-1 problem must be well-formed, use no element, attribute,
// URL or style that can run code or load a document, and never report
// the same problem twice or more problems than its bound.
func FuzzNarrativeAllowList(f *testing.F) {
	for _, s := range narrativeSeeds {
		f.Add(s)
	}
	for _, tc := range activeNarratives {
		f.Add(tc.div)
	}
	for _, tc := range benignNarratives {
		f.Add(tc.div)
	}
	f.Fuzz(func(t *testing.T, div string) {
		problems := narrativeProblems(div)
		seen := map[narrative.Problem]bool{}
		txt1 := 0
		for _, p := range problems {
			if seen[p] {
				t.Fatalf("%q: problem reported twice: %v", div, p)
			}
			seen[p] = true
			if p.Key == "txt-1" {
				txt1++
			}
		}
		if txt1 > 22 {
			t.Fatalf("%q: %d txt-1 problems, more than the bound", div, txt1)
		}
		if txt1 > 0 {
			return
		}
		if msg := activeContent(div); msg != "" {
			t.Fatalf("%q: accepted, but %s", div, msg)
		}
	})
}

// activeContent is the fuzz oracle: it reads a narrative with encoding/xml
// and says what in it a browser could run or load as a document, or "".
// It is a deny list on purpose, written apart from the allow list it
// checks.
func activeContent(div string) string {
	dec := xml.NewDecoder(strings.NewReader(div))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "it is not well-formed: " + err.Error()
		}
		switch t := tok.(type) {
		case xml.ProcInst, xml.Directive:
			return "it holds a processing instruction or declaration"
		case xml.StartElement:
			if t.Name.Space != narrative.XHTMLNamespace {
				return "it holds an element outside XHTML"
			}
			if strings.ToLower(t.Name.Local) != t.Name.Local || oracleDangerousElements[t.Name.Local] {
				return "it holds <" + t.Name.Local + ">"
			}
			for _, a := range t.Attr {
				if msg := oracleAttr(t.Name.Local, a); msg != "" {
					return msg
				}
			}
		}
	}
}

var oracleDangerousElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "frame": true, "frameset": true,
	"object": true, "embed": true, "applet": true, "param": true, "form": true,
	"input": true, "button": true, "select": true, "textarea": true, "meta": true,
	"base": true, "link": true, "svg": true, "math": true, "video": true,
	"audio": true, "source": true, "track": true, "canvas": true, "template": true,
	"noscript": true, "html": true, "head": true, "body": true, "title": true,
	"marquee": true, "isindex": true, "map": true, "area": true, "portal": true,
	"ins": true, "del": true,
}

func oracleAttr(elem string, a xml.Attr) string {
	name := strings.ToLower(a.Name.Local)
	switch a.Name.Space {
	case "xmlns":
		return ""
	case "":
		if name == "xmlns" {
			return ""
		}
	case "xml", "http://www.w3.org/XML/1998/namespace":
		if name == "lang" || name == "space" {
			return ""
		}
		return "it uses xml:" + a.Name.Local
	default:
		return "it uses a namespaced attribute " + a.Name.Local
	}
	if name != a.Name.Local || strings.HasPrefix(name, "on") {
		return "it uses the attribute " + a.Name.Local
	}
	switch name {
	case "srcdoc", "formaction", "action", "background", "dynsrc", "lowsrc", "data", "codebase", "http-equiv", "srcset", "poster":
		return "it uses the attribute " + name
	case "href", "src", "cite", "longdesc":
		d := a.Value
		for range 8 {
			plain := strings.ToLower(strings.Map(func(r rune) rune {
				if r <= ' ' || r == 0x7f {
					return -1
				}
				return r
			}, d))
			for _, s := range []string{"javascript:", "vbscript:", "livescript:"} {
				if strings.HasPrefix(plain, s) {
					return "its " + elem + "/@" + name + " is a " + s + " URL"
				}
			}
			if strings.HasPrefix(plain, "data:") && !(elem == "img" && name == "src" &&
				(strings.HasPrefix(plain, "data:image/png") || strings.HasPrefix(plain, "data:image/gif") || strings.HasPrefix(plain, "data:image/jpeg"))) {
				return "its " + elem + "/@" + name + " is a data: URL"
			}
			d = html.UnescapeString(oraclePercentDecode(d))
		}
	case "style":
		plain := strings.ToLower(strings.Join(strings.Fields(a.Value), ""))
		for _, w := range []string{"\\", "expression(", "javascript:", "vbscript:", "behavior", "-moz-binding", "@import"} {
			if strings.Contains(plain, w) {
				return "its style holds " + w
			}
		}
	}
	return ""
}

func oraclePercentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			var v byte
			ok := true
			for _, c := range []byte{s[i+1], s[i+2]} {
				switch {
				case '0' <= c && c <= '9':
					v = v<<4 | (c - '0')
				case 'a' <= c && c <= 'f':
					v = v<<4 | (c - 'a' + 10)
				case 'A' <= c && c <= 'F':
					v = v<<4 | (c - 'A' + 10)
				default:
					ok = false
				}
			}
			if ok {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
