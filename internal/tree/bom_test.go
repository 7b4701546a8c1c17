package tree

import (
	"bytes"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestBOMPositions: a UTF-8 byte order mark is read past by both parsers,
// and the places they report are the same with and without it (column 1
// is the first character after the mark).
func TestBOMPositions(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct {
		name  string
		src   string
		parse func([]byte, *schemas.Model) (*Document, error)
		want  string
	}{
		{"xml", `<Patient xmlns="http://hl7.org/fhir"><foo/></Patient>`, ParseXML, "1:38: Patient.foo: unknown element <foo> in Patient"},
		{"json", `{"resourceType": "Patient", "foo": 1}`, ParseJSON, "1:29: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, plain := tc.parse([]byte(tc.src), m)
			_, marked := tc.parse(append([]byte("\xef\xbb\xbf"), tc.src...), m)
			if plain == nil || marked == nil {
				t.Fatalf("no error: plain %v, with BOM %v", plain, marked)
			}
			if plain.Error() != marked.Error() {
				t.Errorf("with a BOM %q, without %q", marked, plain)
			}
			if len(plain.Error()) < len(tc.want) || plain.Error()[:len(tc.want)] != tc.want {
				t.Errorf("error %q, want it to start %q", plain, tc.want)
			}
		})
	}
}

func TestTrimBOM(t *testing.T) {
	for in, want := range map[string]string{
		"\xef\xbb\xbf<x/>":           "<x/>",
		"<x/>":                       "<x/>",
		"\xef\xbb\xbf":               "",
		"\xef\xbb<x/>":               "\xef\xbb<x/>",   // not a whole mark
		"\xff\xfe<\x00":              "\xff\xfe<\x00",  // UTF-16: left for the readers to refuse
		"\xef\xbb\xbf\xef\xbb\xbf{}": "\xef\xbb\xbf{}", // only one mark is a mark
	} {
		if got := TrimBOM([]byte(in)); !bytes.Equal(got, []byte(want)) {
			t.Errorf("TrimBOM(%q) = %q, want %q", in, got, want)
		}
	}
}
