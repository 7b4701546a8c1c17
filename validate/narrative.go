package validate

import (
	"encoding/xml"
	"io"
	"strings"
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
	if problems, ok := scanNarrative(div); ok {
		return problems
	}
	return decodeNarrative(div)
}

// decodeNarrative is narrativeProblems through encoding/xml, which also
// reports markup that is not well-formed. scanNarrative answers for the
// common case many times faster.
func decodeNarrative(div string) []narrativeProblem {
	dec := xml.NewDecoder(strings.NewReader(div))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var problems []narrativeProblem
	txt1 := func(msg string) { problems = append(problems, narrativeProblem{"txt-1", msg}) }
	depth := 0
	hasText := false
	seen := map[string]bool{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			txt1("narrative XHTML is not well-formed: " + err.Error())
			return problems
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if t.Name.Local != "div" || t.Name.Space != xhtmlNamespace {
					txt1("narrative root is <" + t.Name.Local + "> in namespace " + quoteNS(t.Name.Space) + ": expected <div> in " + xhtmlNamespace)
				}
			} else if t.Name.Space != xhtmlNamespace && !seen["ns:"+t.Name.Space] {
				seen["ns:"+t.Name.Space] = true
				txt1("narrative element <" + t.Name.Local + "> is in namespace " + quoteNS(t.Name.Space) + ": only XHTML is allowed")
			}
			if forbiddenNarrativeElements[t.Name.Local] && !seen[t.Name.Local] {
				seen[t.Name.Local] = true
				txt1("narrative holds a <" + t.Name.Local + "> element, which STU3 narrative does not allow")
			}
			if t.Name.Local == "img" || t.Name.Local == "a" {
				hasText = true // an image or link is content
			}
			for _, a := range t.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") && a.Name.Space == "" && !seen["@"+a.Name.Local] {
					seen["@"+a.Name.Local] = true
					txt1("narrative uses the event attribute " + a.Name.Local + " on <" + t.Name.Local + ">, which STU3 narrative does not allow")
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				hasText = true
			}
		}
	}
	if !hasText {
		problems = append(problems, narrativeProblem{"txt-2", "narrative div has no text: it must hold some non-whitespace content"})
	}
	return problems
}

func quoteNS(ns string) string {
	if ns == "" {
		return "(none)"
	}
	return ns
}
