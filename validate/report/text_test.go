package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name    string
		color   bool
		results []*validate.Result
		want    string
	}{
		{"none", false, nil, "0 files checked: 0 valid, 0 invalid; 0 errors, 0 warnings\n"},
		{"valid", false, []*validate.Result{resValid}, "1 file checked: 1 valid, 0 invalid; 0 errors, 0 warnings\n"},
		{"mixed", false, []*validate.Result{resValid, resBad, resNoPlace}, "" +
			"dir/gp <1>.xml:12:5: error fhir:cardinality [INVALID_RESOURCE] Bundle.entry[0].resource.source: missing element <source>: expected 1..1\n" +
			"dir/gp <1>.xml:40:9: warning G23 Bundle.entry[3].resource.identifier[0].system: ODS system \"x\" & not the usual one\n" +
			"big.xml: fatal fhir:size [INVALID_RESOURCE]: payload over 3145728 bytes\n" +
			"3 files checked: 1 valid, 2 invalid; 2 errors, 1 warning\n"},
		{"color", true, []*validate.Result{resNoPlace}, "" +
			"\x1b[1mbig.xml\x1b[0m: \x1b[31mfatal\x1b[0m fhir:size [INVALID_RESOURCE]: payload over 3145728 bytes\n" +
			"\x1b[31m1 file checked: 0 valid, 1 invalid; 1 error, 0 warnings\x1b[0m\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			render(t, NewText(&b, tc.color), tc.results...)
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestTallyTable(t *testing.T) {
	var tl Tally
	for _, r := range []*validate.Result{resValid, resBad, resBad, resNoPlace} {
		tl.Add(r)
	}
	var b strings.Builder
	tl.WriteTable(&b)
	want := "" +
		"rule              severity      issues\n" +
		"G23               warning            2\n" +
		"fhir:cardinality  error              2\n" +
		"fhir:size         fatal              1\n" +
		"total             fatal              1\n" +
		"total             error              2\n" +
		"total             warning            2\n" +
		"total             information        0\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// excerptOf renders one issue at line:col of src through the text
// reporter with excerpts on and returns the lines after the issue line.
func excerptOf(t *testing.T, src string, line, col int) string {
	t.Helper()
	return excerptOfToken(t, src, line, col, 0)
}

// excerptOfToken is excerptOf for an issue whose token is length bytes
// long.
func excerptOfToken(t *testing.T, src string, line, col, length int) string {
	t.Helper()
	var b strings.Builder
	r, err := New("text", &b, Options{Excerpt: true})
	if err != nil {
		t.Fatal(err)
	}
	res := &validate.Result{Source: "p.xml", Issues: []validate.Issue{{Severity: validate.SeverityError, Rule: "fhir:datatype", Line: line, Column: col, Length: length, Message: "bad"}}}
	if err := r.(SourceWriter).WriteSource(res, []byte(src)); err != nil {
		t.Fatal(err)
	}
	r.Flush()
	out := b.String()
	_, after, _ := strings.Cut(out, ": bad\n")
	body, _, _ := strings.Cut(after, "1 file checked")
	return body
}

func TestTextExcerpt(t *testing.T) {
	long := strings.Repeat("a", 300) + "X" + strings.Repeat("b", 300)
	for _, tc := range []struct {
		name, src string
		line, col int
		want      string
	}{
		{"caret under the column", "<Patient>\n  <gender value=\"x\"/>\n</Patient>\n", 2, 3, "" +
			"    2 |   <gender value=\"x\"/>\n" +
			"      |   ^\n"},
		{"CRLF", "<a>\r\n<b/>\r\n", 2, 2, "" +
			"    2 | <b/>\n" +
			"      |  ^\n"},
		// Tabs expand to the next multiple of 8 and the caret follows.
		{"tabs", "{\n\t\"a\":\t1\n}", 2, 7, "" +
			"    2 |         \"a\":    1\n" +
			"      |                 ^\n"},
		// Multi-byte characters before the column count as one each.
		{"UTF-8", "<p v=\"éé\" x=\"1\"/>\n", 1, 11, "" +
			"    1 | <p v=\"éé\" x=\"1\"/>\n" +
			"      |           ^\n"},
		// A long line is cut around the column, as in the HTML report.
		{"long line", long, 1, 301, "" +
			"    1 | …" + strings.Repeat("a", 53) + "X" + strings.Repeat("b", 106) + "…\n" +
			"      |  " + strings.Repeat(" ", 53) + "^\n"},
		// Control characters and invalid UTF-8 show as '?'.
		{"control characters", "a\x01b\xffc\n", 1, 5, "" +
			"    1 | a?b?c\n" +
			"      |     ^\n"},
		{"no column", "<a/>\n", 1, 0, "    1 | <a/>\n"},
		{"end of a truncated payload", "{\n", 2, 1, "" +
			"    2 | \n" +
			"      | ^\n"},
		{"line past the end", "{\n", 5, 1, ""},
		{"no line", "{\n", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := excerptOf(t, tc.src, tc.line, tc.col); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// With the length of the token known, the carets underline all of it that
// the line shows.
func TestTextExcerptUnderline(t *testing.T) {
	long := strings.Repeat("a", 300) + "<X " + strings.Repeat("b", 300)
	for _, tc := range []struct {
		name, src         string
		line, col, length int
		want              string
	}{
		{"start tag", "<Patient>\n  <gender value=\"x\"/>\n</Patient>\n", 2, 3, 19, "" +
			"    2 |   <gender value=\"x\"/>\n" +
			"      |   ^^^^^^^^^^^^^^^^^^^\n"},
		// Characters, not bytes, and a tab its cells.
		{"UTF-8 and tab", "{\"é\t\": 1}\n", 1, 2, 5, "" +
			"    1 | {\"é     \": 1}\n" +
			"      |  ^^^^^^^^\n"},
		// A token that runs past the line is underlined to its end.
		{"to the end of the line", "<a\n b=\"1\"/>\n", 1, 1, 12, "" +
			"    1 | <a\n" +
			"      | ^^\n"},
		// A token cut by the window is underlined as far as it shows.
		{"long line", long, 1, 301, 400, "" +
			"    1 | …" + strings.Repeat("a", 53) + "<X " + strings.Repeat("b", 104) + "…\n" +
			"      |  " + strings.Repeat(" ", 53) + strings.Repeat("^", 107) + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := excerptOfToken(t, tc.src, tc.line, tc.col, tc.length); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// Without excerpts, or without the source, the text report is the
// compiler-style lines alone.
func TestTextExcerptOff(t *testing.T) {
	res := &validate.Result{Source: "p.xml", Issues: []validate.Issue{{Severity: validate.SeverityError, Rule: "r", Line: 1, Column: 1, Message: "bad"}}}
	for name, write := range map[string]func(*Text) error{
		"off":       func(x *Text) error { return x.WriteSource(res, []byte("<a/>\n")) },
		"no source": func(x *Text) error { x.excerpt = true; return x.Write(res) },
	} {
		var b strings.Builder
		x := NewText(&b, false)
		if err := write(x); err != nil {
			t.Fatal(err)
		}
		x.Flush()
		if want := "p.xml:1:1: error r: bad\n1 file checked: 0 valid, 1 invalid; 1 error, 0 warnings\n"; b.String() != want {
			t.Errorf("%s: got %q, want %q", name, b.String(), want)
		}
	}
}

func TestTextUnreadable(t *testing.T) {
	var b strings.Builder
	x := NewText(&b, false)
	x.Write(resValid)
	if err := x.WriteInputError("gone.xml", errors.New("no such file or directory")); err != nil {
		t.Fatal(err)
	}
	x.Flush()
	want := "gone.xml: error: not read: no such file or directory\n2 files checked: 1 valid, 0 invalid, 1 unreadable; 0 errors, 0 warnings\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
