package tree

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// scanAll returns the tokens of src as strings, or an error.
func scanAll(src []byte) ([]string, error) {
	s := newXMLScanner(src)
	var out []string
	for {
		tok, err := s.next()
		if err == errEOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if _, ok := tok.(xml.Directive); ok {
			// The FHIR reader refuses these: nothing to compare.
			return out, errDirective
		}
		out = append(out, tokenString(tok))
	}
}

var errDirective = fmt.Errorf("directive")

// stdAll does the same with encoding/xml.
func stdAll(src []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	var out []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if _, ok := tok.(xml.Directive); ok {
			return out, nil
		}
		out = append(out, tokenString(tok))
	}
}

func tokenString(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		var b strings.Builder
		fmt.Fprintf(&b, "<{%s}%s", t.Name.Space, t.Name.Local)
		for _, a := range t.Attr {
			// encoding/xml does not normalise attribute values, the
			// scanner does (and keeps character references): compare
			// them with all white space as spaces.
			v := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(a.Value)
			fmt.Fprintf(&b, " {%s}%s=%q", a.Name.Space, a.Name.Local, v)
		}
		return b.String() + ">"
	case xml.EndElement:
		return fmt.Sprintf("</{%s}%s>", t.Name.Space, t.Name.Local)
	case xml.CharData:
		return fmt.Sprintf("text %q", string(t))
	case xml.Comment:
		// XML 1.0 (2.11) turns every line end into a line feed before
		// parsing; the scanner does, encoding/xml does not in comments.
		c := strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(string(t))
		return fmt.Sprintf("comment %q", c)
	case xml.ProcInst:
		return fmt.Sprintf("pi %s", t.Target)
	}
	return fmt.Sprintf("%T", tok)
}

// merge joins adjacent text tokens: encoding/xml and the scanner split
// text at different places around CDATA sections.
func merge(toks []string) []string {
	var out []string
	for _, t := range toks {
		if strings.HasPrefix(t, "text ") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "text ") {
			var a, b string
			fmt.Sscanf(out[len(out)-1][5:], "%q", &a)
			fmt.Sscanf(t[5:], "%q", &b)
			out[len(out)-1] = fmt.Sprintf("text %q", a+b)
			continue
		}
		out = append(out, t)
	}
	return out
}

var scanSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8"?><a xmlns="urn:x" xmlns:p="urn:p"><p:b p:c="1" d='2'/>t&amp;&#x41;&#66;<![CDATA[<x>]]><!-- c --></a>`,
	"<a>\r\n<b v=\"x\r\ny\"/></a>",
	`<a><b></a>`,
	`<A xmlns: ="0"/>`, // an empty prefix is not a namespace declaration
	`<Patient xmlns:="http://hl7.org/fhir"/>`,
	`<a x="1" x="2"/>`,
	`<a>&nbsp;</a>`,
	`<p:a xmlns:p="urn:p"><p:b/></p:a>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`,
	`<a><!-- a -- b --></a>`,
	"<!--\r-->",
}

// TestScannerMatchesEncodingXML checks tokens on the seeds.
func TestScannerMatchesEncodingXML(t *testing.T) {
	for _, s := range scanSeeds {
		compareScanners(t, []byte(s))
	}
}

// compareScanners: whatever the scanner accepts, encoding/xml accepts too
// and reads as the same tokens. (The scanner is stricter in places:
// undeclared prefixes, "--" in comments, "]]>" in text.)
func compareScanners(t *testing.T, src []byte) {
	got, err := scanAll(src)
	if err != nil {
		return
	}
	want, err := stdAll(src)
	if err != nil {
		t.Fatalf("scanner accepts what encoding/xml refuses (%v): %q", err, src)
	}
	g, w := merge(got), merge(want)
	if strings.Join(g, "\n") != strings.Join(w, "\n") {
		t.Fatalf("tokens differ for %q\n got: %q\nwant: %q", src, g, w)
	}
}

func FuzzXMLScanner(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) { compareScanners(t, src) })
}

func TestAttributeNormalisation(t *testing.T) {
	toks, err := scanAll([]byte("<a v=\"x\ty\r\nz&#10;&#9;\"/>"))
	if err != nil {
		t.Fatal(err)
	}
	s := newXMLScanner([]byte("<a v=\"x\ty\r\nz&#10;&#9;\"/>"))
	tok, _ := s.next()
	if got := tok.(xml.StartElement).Attr[0].Value; got != "x y z\n\t" {
		t.Errorf("value %q, want %q (%v)", got, "x y z\n\t", toks)
	}
}

func TestEmptyNamespacePrefix(t *testing.T) {
	for _, src := range []string{`<A xmlns: ="0"/>`, `<Patient xmlns:="http://hl7.org/fhir"/>`} {
		if _, err := scanAll([]byte(src)); err == nil || !strings.Contains(err.Error(), "xmlns: has no prefix") {
			t.Errorf("%s: got %v, want the empty prefix refused", src, err)
		}
	}
}

// TestReservedNamespaceBindings checks the rules Namespaces in XML 1.0 (3)
// sets for the prefixes xml and xmlns: each broken one is a parse error at
// the attribute, and the one allowed declaration of xml passes.
func TestReservedNamespaceBindings(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct {
		decl string
		want string // "" when accepted
	}{
		{`xmlns:xml="urn:x"`, "prefix xml may only be bound to"},
		{`xmlns:xml=""`, "prefix xml may only be bound to"},
		{`xmlns:xmlns="urn:x"`, "prefix xmlns must not be declared"},
		{`xmlns:xmlns="http://www.w3.org/2000/xmlns/"`, "prefix xmlns must not be declared"},
		{`xmlns:x="http://www.w3.org/XML/1998/namespace"`, "may only be bound to the prefix xml"},
		{`xmlns:x="http://www.w3.org/2000/xmlns/"`, "must not be bound to any prefix"},
		{`xmlns:x="http://www.w3.org/2000/xmlns/" xmlns="http://hl7.org/fhir"`, "must not be bound to any prefix"},
		{`xmlns:xml="http://www.w3.org/XML/1998/namespace"`, ""},
	} {
		src := "<Patient xmlns=\"http://hl7.org/fhir\">\n  <active " + tc.decl + " value=\"true\"/>\n</Patient>"
		_, err := ParseXML([]byte(src), m)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.decl, err)
			}
			continue
		}
		var list ErrorList
		if !errors.As(err, &list) || len(list) != 1 {
			t.Errorf("%s: want one error, got %v", tc.decl, err)
			continue
		}
		if e := list[0]; e.Line != 2 || e.Column != 11 || !e.Fatal || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: got %v (fatal %v), want 2:11 saying %q", tc.decl, e, e.Fatal, tc.want)
		}
	}
	// The two namespaces cannot be the default either.
	for _, ns := range []string{"http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/"} {
		src := "<Patient xmlns=\"" + ns + "\"/>"
		_, err := ParseXML([]byte(src), m)
		if err == nil || !strings.Contains(err.Error(), "1:10: ") || !strings.Contains(err.Error(), "cannot be the default namespace") {
			t.Errorf("default namespace %s: got %v", ns, err)
		}
	}
}
