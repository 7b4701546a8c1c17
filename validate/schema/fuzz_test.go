package schema

import (
	"testing"
	"unicode/utf8"
)

// The schema phase sees whatever a user feeds the validator: it must
// return problems, never panic, and give positions inside the document.

func FuzzValidateJSON(f *testing.F) {
	f.Add([]byte(patientJSON))
	f.Add([]byte(`{"resourceType":"Bundle","type":"message","entry":[{"resource":{"resourceType":"Patient","x":1}}]}`))
	f.Add([]byte(`[1,2,{"a":"~/"}]`))
	f.Add([]byte(`{"resourceType":`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkPositions(t, doc, ValidateJSON(doc))
	})
}

func checkPositions(t *testing.T, doc []byte, ps []Problem) {
	lines := 1
	for _, c := range doc {
		if c == '\n' {
			lines++
		}
	}
	for _, p := range ps {
		if p.Message == "" || !utf8.ValidString(p.Message) && utf8.Valid(doc) {
			t.Errorf("bad message in %+v", p)
		}
		if p.Line < 0 || p.Line > lines || p.Column < 0 {
			t.Errorf("position out of the document (%d lines): %+v", lines, p)
		}
		if p.Offset < 0 || p.Offset > len(doc) {
			t.Errorf("offset out of the document (%d bytes): %+v", len(doc), p)
		} else if p.Offset > 0 {
			if line, col := charLineCol(doc, p.Offset); line != p.Line || col != p.Column {
				t.Errorf("offset %d is %d:%d, the problem says %d:%d", p.Offset, line, col, p.Line, p.Column)
			}
		}
		if p.Rule != Rule || p.Severity != "error" || p.Spine == "" {
			t.Errorf("problem is not an error of %s: %+v", Rule, p)
		}
	}
}
