//go:build libxml2

package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestRefusedProlog(t *testing.T) {
	const patient = `<Patient xmlns="http://hl7.org/fhir"><id value="p"/></Patient>`
	for _, c := range []struct {
		doc    string
		refuse bool
	}{
		{patient, false},
		{"\xef\xbb\xbf" + patient, false},
		{`<?xml version="1.0"?>` + "\n<!-- a <!DOCTYPE in a comment -->\n" + patient, false},
		{`<!DOCTYPE Patient>` + patient, true},
		{`<?xml version="1.0"?><!-- c --> <!DOCTYPE Patient [<!ENTITY e "x">]>` + patient, true},
		{"\xff\xfe<\x00P\x00", true},
		{"\x00<\x00P", true},
		{`<!-- unterminated`, false},
	} {
		if got := refusedProlog([]byte(c.doc)) != ""; got != c.refuse {
			t.Errorf("refusedProlog(%q) refuses = %v, want %v", c.doc, got, c.refuse)
		}
	}
}

// The case that hung libxml2: one entity of 50,000 characters, referenced
// 50,000 times in an attribute value.
func TestValidateXMLQuadraticBlowup(t *testing.T) {
	doc := `<!DOCTYPE Patient [<!ENTITY a "` + strings.Repeat("x", 50000) + `">]>` +
		`<Patient xmlns="http://hl7.org/fhir"><id value="` + strings.Repeat("&a;", 50000) + `"/></Patient>`
	start := time.Now()
	probs := ValidateXML([]byte(doc))
	if len(probs) != 1 || !strings.Contains(probs[0].Message, "DTD") {
		t.Errorf("got %v, want one problem about the DTD", probs)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestTooManyAttributes(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(`<Patient xmlns="http://hl7.org/fhir"><!-- a=b c=d --><id value="p" x='1=2'/><text><div xmlns="http://www.w3.org/1999/xhtml"><![CDATA[a=b]]><p`)
		for i := range n {
			fmt.Fprintf(&b, " a%d=\"v\"", i)
		}
		b.WriteString("/></div></text></Patient>")
		return b.String()
	}
	if msg, _ := scanTags([]byte(many(maxAttributes)), nil); msg != "" {
		t.Errorf("%d attributes refused: %s", maxAttributes, msg)
	}
	if msg, _ := scanTags([]byte(many(maxAttributes+1)), nil); msg == "" {
		t.Errorf("%d attributes accepted", maxAttributes+1)
	}
	start := time.Now()
	if probs := ValidateXML([]byte(many(200000))); len(probs) != 1 || !strings.Contains(probs[0].Message, "attributes") {
		t.Errorf("got %v, want one problem about attributes", probs)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestNestingBeyondLibxml2 checks that ValidateXML says a document is
// nested deeper than libxml2 reads, at the first element too deep, instead
// of calling it not well-formed with no column; and that markup which only
// looks like tags (in comments, CDATA, attribute values) does not count.
func TestNestingBeyondLibxml2(t *testing.T) {
	doc := func(ext int, inner string) string {
		return "<Patient xmlns=\"http://hl7.org/fhir\">\n" + strings.Repeat(`<extension url="http://example.org/x">`, ext) +
			"\n  " + inner + strings.Repeat("</extension>", ext) + "</Patient>"
	}
	const leaf = `<valueString value="x"/>`
	for _, tc := range []struct {
		name      string
		doc       string
		deep      bool
		line, col int
	}{
		{"256 ancestors", doc(255, leaf), false, 0, 0},
		{"257 ancestors", doc(256, leaf), true, 3, 3},
		// The 257th extension is the first element too deep.
		{"1000 levels", doc(998, leaf), true, 2, 1 + 256*len(`<extension url="http://example.org/x">`)},
		{"tags in a comment", doc(255, "<!-- <a><b><c> -->"+leaf), false, 0, 0},
		{"tags in CDATA", doc(255, "<![CDATA[<a><b>]]>"+leaf), false, 0, 0},
		{"self-closing with '>' in a value", doc(255, `<valueString value="a>b"/><valueString value="/>"/>`), false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, deep := tooDeep([]byte(tc.doc))
			if deep != tc.deep {
				t.Fatalf("tooDeep = %v, want %v (%v)", deep, tc.deep, p)
			}
			if !deep {
				return
			}
			if p.Line != tc.line || p.Column != tc.col || !strings.Contains(p.Message, "more than 256 levels") {
				t.Errorf("got %v", p)
			}
			ps := ValidateXML([]byte(tc.doc))
			if len(ps) != 1 || ps[0] != p {
				t.Errorf("ValidateXML: got %v, want %v", ps, p)
			}
		})
	}
}
