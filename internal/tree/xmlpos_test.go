package tree

import (
	"bytes"
	"encoding/xml"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// The XML reader places nodes from line counts the scanner keeps as it
// reads; this checks every node of real documents, and of a few odd
// layouts, against positions counted from scratch for the offsets that
// encoding/xml reports for each start tag.
func TestXMLNodePositions(t *testing.T) {
	docs := map[string][]byte{
		"one line":          []byte(`<Patient xmlns="http://hl7.org/fhir"><id value="p"/><name><given value="Å"/><given value="é"/></name></Patient>`),
		"line ends in tags": []byte("<Patient\nxmlns=\"http://hl7.org/fhir\"\n><id\n value=\"a\nb\"\n/><!-- a\ncomment --><?pi\nx?>\r\n\t<active value='true'\n\n/><name><family value=\"x&#10;y\"/>\n<given value=\"ü\"/></name></Patient>\n"),
		"narrative":         []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n  <text>\n    <status value=\"generated\"/>\n    <div xmlns=\"http://www.w3.org/1999/xhtml\">\n<p>x\n</p><![CDATA[\n]]>\n</div>\n  </text>\n  <active value=\"true\"/>\n</Patient>"),
	}
	// The repository's own examples, and up to 300 documents of the
	// reference data when it is there.
	handMade := len(docs)
	local, _ := filepath.Glob("../../corpus/*/*.xml")
	for _, p := range local {
		if b, err := os.ReadFile(p); err == nil {
			docs[p] = b
		}
	}
	if len(local) == 0 {
		t.Fatal("no XML examples in ../../corpus")
	}
	shared, _ := sharedtest.Dir()
	n := 0
	_ = filepath.WalkDir(filepath.Join(shared, "fhir"), func(p string, d fs.DirEntry, err error) error {
		if shared == "" {
			return filepath.SkipAll
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") || n >= 300 {
			return nil
		}
		if b, err := os.ReadFile(p); err == nil {
			docs[p] = b
			n++
		}
		return nil
	})
	m := schemas.STU3()
	checked := 0
	for name, src := range docs {
		doc, err := ParseXML(src, m)
		if err != nil {
			if !strings.Contains(name, "/") {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		starts := startTags(bytes.TrimPrefix(src, utf8BOM))
		if starts == nil {
			if !strings.Contains(name, "/") {
				t.Fatalf("%s: encoding/xml cannot read it", name)
			}
			continue
		}
		checkPositions(t, name, doc.Root, &starts)
		checked++
	}
	// The hand-made layouts and the repository's examples must all be
	// read; some of the reference documents are beyond encoding/xml or the
	// parser, but most are not.
	want := handMade + len(local)
	if n > 0 {
		want = 100
	} else {
		t.Logf("reference data absent: %d hand-made and %d repository documents only", handMade, len(local))
	}
	if checked < want {
		t.Fatalf("only %d documents checked, want at least %d", checked, want)
	}
}

type startTag struct {
	line, col, depth int
}

// startTags lists the start tags of src with their places, counted from
// the start of src for each.
func startTags(src []byte) []startTag {
	d := xml.NewDecoder(bytes.NewReader(src))
	var out []startTag
	depth := 0
	for {
		off := int(d.InputOffset())
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			return nil // encoding/xml is stricter here and there
		}
		switch tok.(type) {
		case xml.StartElement:
			before := src[:off]
			line := bytes.Count(before, []byte("\n")) + 1
			col := 1
			for _, c := range before[bytes.LastIndexByte(before, '\n')+1:] {
				if c&0xC0 != 0x80 {
					col++
				}
			}
			out = append(out, startTag{line, col, depth})
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// checkPositions matches n and its descendants to the start tags, in
// order: attribute nodes share their element's place, a nested resource
// has its own tag inside its element's, and the narrative's elements
// belong to its div.
func checkPositions(t *testing.T, doc string, n *Node, starts *[]startTag) {
	t.Helper()
	if len(*starts) == 0 {
		t.Fatalf("%s: no start tag left for %s", doc, n.Path())
	}
	st := (*starts)[0]
	*starts = (*starts)[1:]
	if n.Line != st.line || n.Col != st.col {
		t.Fatalf("%s: %s at %d:%d, want %d:%d", doc, n.Path(), n.Line, n.Col, st.line, st.col)
	}
	if n.Resource && n.Parent != nil {
		*starts = (*starts)[1:]
	}
	if n.IsXHTML() {
		for len(*starts) > 0 && (*starts)[0].depth > st.depth {
			*starts = (*starts)[1:]
		}
	}
	for _, c := range n.Children {
		if c.IsAttr() {
			if c.Line != n.Line || c.Col != n.Col {
				t.Fatalf("%s: %s at %d:%d, want its element's %d:%d", doc, c.Path(), c.Line, c.Col, n.Line, n.Col)
			}
			continue
		}
		checkPositions(t, doc, c, starts)
	}
}
