package tree

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// placeOf counts the line and column of off from the start of src.
func placeOf(src []byte, off int) (line, col int) {
	before := src[:off]
	line = bytes.Count(before, newline) + 1
	col = 1 + charCount(before[bytes.LastIndexByte(before, '\n')+1:])
	return line, col
}

// TestPositionAnyOrder: the one position tracker answers for any offset,
// in any order, between token starts as the reader syncs them, as a count
// from scratch would.
func TestPositionAnyOrder(t *testing.T) {
	src := []byte("<a>\n  <b x=\"é\n\"/>ü<c/>\r\n\n<d>日本語</d>\n  <e/>\n</a>")
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		p := newPosition(src)
		tok := 0
		for q := 0; q < 20; q++ {
			if rng.Intn(3) == 0 {
				// The reader moves on to a later token start.
				tok += rng.Intn(len(src) - tok + 1)
				before := src[:tok]
				p.sync(tok, bytes.Count(before, newline), bytes.LastIndexByte(before, '\n')+1)
			}
			off := rng.Intn(len(src) + 1)
			line, col := p.at(off)
			wl, wc := placeOf(src, off)
			if line != wl || col != wc {
				t.Fatalf("round %d: offset %d at %d:%d, want %d:%d", round, off, line, col, wl, wc)
			}
		}
	}
}

// TestXMLOneLoopMessages: the same problem gets the same words and a
// place counted from scratch, whatever level of the document it is at.
func TestXMLOneLoopMessages(t *testing.T) {
	m := schemas.STU3()
	const text = "text content is not allowed here (FHIR values go in the value attribute)"
	for _, tc := range []struct {
		name, src string
		want      []string // each "line:col: path: message", in order
	}{
		{"text in an element",
			"<Patient xmlns=\"http://hl7.org/fhir\">\n  <name>x</name>\n</Patient>",
			[]string{"2:9: Patient.name[0]: " + text}},
		{"text in a resource wrapper",
			"<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/><entry>\n<resource>\n  x<Patient/></resource></entry></Bundle>",
			[]string{"2:11: Bundle.entry[0].resource: " + text}},
		{"processing instructions at every level",
			"<?xml version=\"1.0\"?><?a?><Bundle xmlns=\"http://hl7.org/fhir\"><?b?><type value=\"collection\"/><entry><resource><?c?><Patient/></resource></entry></Bundle>",
			nil},
		{"wrapper with no resource, asked after its content",
			"<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/>\n<entry>\n <resource>\n\n<!-- é -->\n </resource></entry></Bundle>",
			[]string{"3:2: Bundle.entry[0].resource: <resource> holds no resource"}},
		{"value-less primitive, asked after its content",
			"<Patient xmlns=\"http://hl7.org/fhir\">\n  <active>\n  <!-- ü\n -->\n  </active>\n</Patient>",
			[]string{"2:3: Patient.active: <active> has neither a value nor an id or extensions (FHIR rule ele-1); JSON has no form for it"}},
		{"DTD inside a skipped element, placed at its start",
			"<Patient xmlns=\"http://hl7.org/fhir\"><foo>\n  <!DOCTYPE x></foo></Patient>",
			[]string{"1:38: Patient.foo: unknown element <foo> in Patient", "2:3: DTDs and entity declarations are not allowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseXML([]byte(tc.src), m)
			var got []string
			if err != nil {
				for _, e := range err.(ErrorList) {
					got = append(got, e.Error())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if tc.want == nil {
				var pis []string
				for _, w := range doc.Warnings {
					pis = append(pis, w.Error())
				}
				want := "1:22: processing instruction <?a?> dropped\n" +
					"1:63: Bundle: processing instruction <?b?> dropped\n" +
					"1:111: Bundle.entry[0].resource: processing instruction <?c?> dropped"
				if strings.Join(pis, "\n") != want {
					t.Errorf("warnings\n%s\nwant\n%s", strings.Join(pis, "\n"), want)
				}
			}
		})
	}
}
