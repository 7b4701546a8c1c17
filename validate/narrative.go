package validate

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/narrative"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// narrativeProblems returns what breaks the STU3 narrative invariants in the
// XHTML of a Narrative.div: the root must be a div in the XHTML namespace,
// and only the elements, attributes, URLs and styles of the txt-1 allow list
// may appear (package narrative); the text must not be all whitespace
// (txt-2). The package states both through the FHIRPath function
// htmlchecks(); checking them here says which rule broke and where.
func narrativeProblems(div string) []narrative.Problem {
	if strings.Trim(div, " \t\r\n") == "" { // XML white space only
		return []narrative.Problem{{Key: "txt-2", Msg: "narrative div is empty: it must hold some non-whitespace content"}}
	}
	// The parsers' own scanner reads every narrative they store, many
	// times faster than encoding/xml. What it refuses (HTML entities such
	// as &nbsp;, which a tree built by hand may hold, or markup that is
	// not well-formed) goes to encoding/xml, which knows those entities
	// and words the errors.
	var c narrative.Check
	if err := tree.ScanXHTML(div, c.Token); err == nil {
		return c.Finish()
	}
	return decodeNarrative(div)
}

// decodeNarrative is narrativeProblems through encoding/xml.
func decodeNarrative(div string) []narrative.Problem {
	dec := xml.NewDecoder(strings.NewReader(div))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	var c narrative.Check
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return c.Finish()
		}
		if err != nil {
			c.Fail("narrative XHTML is not well-formed: " + err.Error())
			return c.Problems()
		}
		c.Token(tok)
	}
}
