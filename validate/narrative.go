package validate

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// xhtmlNamespace is the namespace of Narrative.div.
const xhtmlNamespace = "http://www.w3.org/1999/xhtml"

// forbiddenNarrativeElements are the XHTML elements STU3 narrative must not
// hold: document structure, scripts, forms, frames, embedded objects and
// external references (FHIR STU3 Narrative rules, invariant txt-1).
var forbiddenNarrativeElements = map[string]bool{
	"html": true, "head": true, "body": true, "script": true, "style": true,
	"form": true, "input": true, "select": true, "textarea": true, "button": true,
	"frame": true, "frameset": true, "iframe": true, "object": true, "applet": true,
	"embed": true, "base": true, "link": true, "meta": true, "title": true,
}

// narrativeProblem is a broken narrative rule: the invariant key (txt-1 or
// txt-2) and what is wrong.
type narrativeProblem struct{ key, msg string }

// narrativeProblems returns what breaks the STU3 narrative invariants in the
// XHTML of a Narrative.div: the root must be a div in the XHTML namespace and
// no forbidden element or event attribute may appear (txt-1), and the text
// must not be all whitespace (txt-2). The package states both through the
// FHIRPath function htmlchecks(); checking them here says which rule broke
// and where.
func narrativeProblems(div string) []narrativeProblem {
	if strings.TrimSpace(div) == "" {
		return []narrativeProblem{{"txt-2", "narrative div is empty: it must hold some non-whitespace content"}}
	}
	// The parsers' own scanner reads every narrative they store, many
	// times faster than encoding/xml. What it refuses (HTML entities such
	// as &nbsp;, which a tree built by hand may hold, or markup that is
	// not well-formed) goes to encoding/xml, which knows those entities
	// and words the errors.
	var c narrativeCheck
	if err := tree.ScanXHTML(div, c.token); err == nil {
		return c.finish()
	}
	return decodeNarrative(div)
}

// decodeNarrative is narrativeProblems through encoding/xml.
func decodeNarrative(div string) []narrativeProblem {
	dec := xml.NewDecoder(strings.NewReader(div))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var c narrativeCheck
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return c.finish()
		}
		if err != nil {
			c.txt1("narrative XHTML is not well-formed: " + err.Error())
			return c.problems
		}
		c.token(tok)
	}
}

// narrativeCheck applies the narrative rules to the tokens of a div, one
// at a time.
type narrativeCheck struct {
	problems []narrativeProblem
	depth    int
	hasText  bool
	seen     map[string]bool // problems reported once per namespace, element or attribute
}

func (c *narrativeCheck) txt1(msg string) {
	c.problems = append(c.problems, narrativeProblem{"txt-1", msg})
}

// first reports whether key is met for the first time.
func (c *narrativeCheck) first(key string) bool {
	if c.seen[key] {
		return false
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[key] = true
	return true
}

func (c *narrativeCheck) token(tok xml.Token) bool {
	switch t := tok.(type) {
	case xml.StartElement:
		if c.depth == 0 {
			if t.Name.Local != "div" || t.Name.Space != xhtmlNamespace {
				c.txt1("narrative root is <" + t.Name.Local + "> in namespace " + quoteNS(t.Name.Space) + ": expected <div> in " + xhtmlNamespace)
			}
		} else if t.Name.Space != xhtmlNamespace && c.first("ns:"+t.Name.Space) {
			c.txt1("narrative element <" + t.Name.Local + "> is in namespace " + quoteNS(t.Name.Space) + ": only XHTML is allowed")
		}
		if forbiddenNarrativeElements[t.Name.Local] && c.first(t.Name.Local) {
			c.txt1("narrative holds a <" + t.Name.Local + "> element, which STU3 narrative does not allow")
		}
		if t.Name.Local == "img" || t.Name.Local == "a" {
			c.hasText = true // an image or link is content
		}
		for _, a := range t.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") && a.Name.Space == "" && c.first("@"+a.Name.Local) {
				c.txt1("narrative uses the event attribute " + a.Name.Local + " on <" + t.Name.Local + ">, which STU3 narrative does not allow")
			}
		}
		c.depth++
	case xml.EndElement:
		c.depth--
	case xml.CharData:
		if !c.hasText && strings.TrimSpace(string(t)) != "" {
			c.hasText = true
		}
	}
	return true
}

// finish adds txt-2 when the div held no content, and returns the problems.
func (c *narrativeCheck) finish() []narrativeProblem {
	if !c.hasText {
		c.problems = append(c.problems, narrativeProblem{"txt-2", "narrative div has no text: it must hold some non-whitespace content"})
	}
	return c.problems
}

func quoteNS(ns string) string {
	if ns == "" {
		return "(none)"
	}
	return ns
}
