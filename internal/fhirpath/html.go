package fhirpath

import (
	"encoding/xml"
	"io"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/narrative"
)

// CheckNarrative applies the STU3 narrative rules behind htmlchecks() to an
// element of type xhtml, whose Value is the markup of the div, and returns
// one message per problem (nil when the narrative is acceptable): the markup
// must be well-formed XML with a single div root and use only what the
// txt-1 allow list of package narrative admits (txt-1), and it must have
// some non-whitespace content or an image (txt-2).
func CheckNarrative(n Node) []string {
	if n == nil {
		return []string{"not a narrative element"}
	}
	markup, ok := n.Value()
	if !ok {
		return []string{"narrative has no XHTML content"}
	}
	d := xml.NewDecoder(strings.NewReader(markup))
	d.Strict = true
	d.Entity = xml.HTMLEntity // narrative written by hand often uses &nbsp;
	var c narrative.Check
	var problems []narrative.Problem
	for {
		tok, err := d.Token()
		if err == io.EOF {
			problems = c.Finish()
			break
		}
		if err != nil {
			c.Fail("narrative is not well-formed XHTML: " + err.Error())
			problems = c.Problems()
			break
		}
		c.Token(tok)
	}
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Msg
	}
	return msgs
}
