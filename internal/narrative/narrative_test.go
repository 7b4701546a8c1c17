package narrative

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

func check(t *testing.T, div string) []Problem {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(div))
	var c Check
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return c.Finish()
		}
		if err != nil {
			t.Fatalf("%q: %v", div, err)
		}
		c.Token(tok)
	}
}

// TestProblemsBounded checks that a div with many faults reports each
// once, and no more than maxProblems of them and a line saying so.
func TestProblemsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">text`)
	for i := 0; i < 3*maxProblems; i++ {
		b.WriteString(`<x` + strings.Repeat("y", i) + `/><x/>`)
	}
	b.WriteString(`</div>`)
	got := check(t, b.String())
	if len(got) != maxProblems+1 {
		t.Fatalf("%d problems, want %d: %v", len(got), maxProblems+1, got)
	}
	if last := got[len(got)-1].Msg; !strings.Contains(last, "more problems") {
		t.Errorf("last problem %q does not say more were found", last)
	}
}

// TestURLProblem covers the URL rules one value at a time.
func TestURLProblem(t *testing.T) {
	for _, tc := range []struct {
		url   string
		image bool
		want  string // "" for accepted, else a word of the message
	}{
		{"https://example.org/x", false, ""},
		{"Patient/1#a:b", false, ""},
		{"?q=a:b", false, ""},
		{"", false, ""},
		{"urn:oid:1.2.3", false, ""},
		{"a%2525b", false, ""},
		{"javascript:x", false, "javascript:"},
		{"\t java\nscript:x", false, "javascript:"},
		{":x", false, "not a URL scheme"},
		{"1a:x", false, "not a URL scheme"},
		{"java%73cript:x", false, "not a URL scheme"},
		{"javascript%253Ax", false, "decodes to a javascript:"},
		{"javascript%25252525253Ax", false, "escaped more than"},
		{"data:image/jpeg;base64,/9j/", true, ""},
		{"DATA: IMAGE/GIF;base64,R0lG", true, ""},
		{"data:image/png", true, "not a PNG"},
		{"data:image/svg+xml,<svg/>", true, "not a PNG"},
		{"data:image/png;base64,x", false, "data:"},
		{"ftp://example.org/x.png", true, "ftp:"},
		{"%64ata:text/html,x", true, "not a URL scheme"},
		{"x.png?%64ata:text/html", true, ""},
		{"#a%26%2335%3B", true, ""},
	} {
		got := urlProblem(tc.url, tc.image)
		if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
			t.Errorf("urlProblem(%q, %v) = %q, want %q", tc.url, tc.image, got, tc.want)
		}
	}
}
