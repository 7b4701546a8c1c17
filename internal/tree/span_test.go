package tree

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// The place of every node read from a source, Line and Col, leads back to
// the bytes of its start tag (XML) or property name (JSON). Checked on the
// repository's examples in both formats, with and without a byte order
// mark.
func TestSpansOfNodes(t *testing.T) {
	m := schemas.STU3()
	var files []string
	filepath.WalkDir("../../corpus", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no XML examples in ../../corpus")
	}
	checked := 0
	for _, f := range files {
		x, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := ParseXML(x, m)
		if err != nil || doc.Root == nil {
			continue // the corpus holds invalid payloads too
		}
		j, err := WriteJSON(doc.Root, true)
		if err != nil {
			continue
		}
		for _, c := range []struct {
			format string
			src    []byte
		}{{"xml", x}, {"json", j}, {"xml", bommed(x)}, {"json", bommed(j)}} {
			parse := ParseXML
			if c.format == "json" {
				parse = ParseJSON
			}
			d, err := parse(c.src, m)
			if err != nil {
				t.Fatalf("%s (%s): %v", f, c.format, err)
			}
			spans := NewSpans(c.src)
			d.Root.Walk(func(n *Node) bool {
				checkOffset(t, f, c.format, c.src, spans, n)
				checked++
				return true
			})
		}
	}
	// The JSON examples as their authors wrote them.
	filepath.WalkDir("../../corpus", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if doc, err := ParseJSON(src, m); err == nil && doc.Root != nil {
			spans := NewSpans(src)
			doc.Root.Walk(func(n *Node) bool {
				checkOffset(t, p, "json", src, spans, n)
				checked++
				return true
			})
		}
		return nil
	})
	t.Logf("%d nodes of %d XML documents and the JSON ones checked", checked, len(files))
	if checked < 10000 {
		t.Errorf("only %d nodes checked", checked)
	}
}

func bommed(src []byte) []byte { return append([]byte("\uFEFF"), src...) }

func checkOffset(t *testing.T, file, format string, src []byte, spans *Spans, n *Node) {
	t.Helper()
	off, length, ok := spans.At(n.Line, n.Col)
	if !ok || length <= 0 || off+length > len(src) {
		t.Fatalf("%s (%s) %s: %d:%d gives offset %d length %d %v in %d bytes", file, format, n.Path(), n.Line, n.Col, off, length, ok, len(src))
	}
	tok := string(src[off : off+length])
	// The offset is the same place: count its line and column from scratch.
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	if lineStart == 0 {
		lineStart = len(src) - len(TrimBOM(src)) // columns count from after the mark
	}
	if col := 1 + utf8.RuneCount(src[lineStart:off]); line != n.Line || col != n.Col {
		t.Fatalf("%s (%s) %s: offset %d is %d:%d, node says %d:%d", file, format, n.Path(), off, line, col, n.Line, n.Col)
	}
	switch {
	case format == "xml" && n.IsAttr():
		// id and url share the start tag of the element they are on.
		if !strings.HasPrefix(tok, "<") || !strings.Contains(tok, n.Name+"=") {
			t.Fatalf("%s (%s) %s: attribute node at %q", file, format, n.Path(), tok)
		}
	case format == "xml":
		if !strings.HasPrefix(tok, "<") || !strings.HasSuffix(tok, ">") || !strings.Contains(tok, n.Name) {
			t.Fatalf("%s (%s) %s: start tag %q", file, format, n.Path(), tok)
		}
	case n.Parent == nil:
		if tok != "{" {
			t.Fatalf("%s (%s): root at %q", file, format, tok)
		}
	case n.Index >= 0:
		// Items of an array are placed on the item itself.
		if tok != "{" && !strings.HasPrefix(tok, `"`) && n.Primitive == nil {
			t.Fatalf("%s (%s) %s: item at %q", file, format, n.Path(), tok)
		}
	default:
		if tok != `"`+n.Name+`"` && tok != `"_`+n.Name+`"` {
			t.Fatalf("%s (%s) %s: property at %q", file, format, n.Path(), tok)
		}
	}
}

func TestSpansAt(t *testing.T) {
	src := []byte("\uFEFF<a x=\"1>2\">\n  <b/>\n\t{\"k\\\"q\": -1.5e3, \"é\": true}\n<open")
	s := NewSpans(src)
	for _, c := range []struct {
		line, col int
		want      string
	}{
		{1, 1, `<a x="1>2">`},
		{2, 3, "<b/>"},
		{3, 2, `{`},
		{3, 3, `"k\"q"`},
		{3, 11, "-1.5e3"},
		{3, 19, `"é"`},
		{3, 24, "true"},
		{4, 1, "<open"},
	} {
		off, n, ok := s.At(c.line, c.col)
		if !ok || string(src[off:off+n]) != c.want {
			t.Errorf("At(%d, %d) = %q, %v; want %q", c.line, c.col, src[off:off+n], ok, c.want)
		}
	}
	for _, bad := range [][2]int{{0, 1}, {1, 0}, {5, 1}, {2, 40}} {
		if _, _, ok := s.At(bad[0], bad[1]); ok {
			t.Errorf("At(%d, %d) is taken for a place in the source", bad[0], bad[1])
		}
	}
}

func TestPlaceIssues(t *testing.T) {
	src := []byte("<Patient xmlns=\"http://hl7.org/fhir\">\n  <gender value=\"mail\"/>\n</Patient>")
	issues := []issue.Issue{{Line: 2, Column: 3}, {}, {Line: 1, Column: 1, Offset: 5, Length: 2}}
	PlaceIssues(src, issues)
	if got := string(src[issues[0].Offset : issues[0].Offset+issues[0].Length]); got != `<gender value="mail"/>` {
		t.Errorf("issue at 2:3 covers %q", got)
	}
	if issues[1].Offset != 0 || issues[1].Length != 0 {
		t.Errorf("an issue without a place got bytes %d+%d", issues[1].Offset, issues[1].Length)
	}
	if issues[2].Offset != 5 || issues[2].Length != 2 {
		t.Errorf("a placed issue was moved to %d+%d", issues[2].Offset, issues[2].Length)
	}
}
