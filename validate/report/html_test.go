package report

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate"
)

func renderHTML(t *testing.T, write func(h *HTML) error) string {
	t.Helper()
	var b strings.Builder
	h := NewHTML(&b, "v-test")
	h.now = func() time.Time { return time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC) }
	if err := write(h); err != nil {
		t.Fatal(err)
	}
	if err := h.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A payload that tries to put markup or script into the report, through
// its file name, its content (shown in excerpts) and the messages quoting
// it, must come out as text.
func TestHTMLEscapesPayloads(t *testing.T) {
	src := []byte("<Bundle xmlns=\"http://hl7.org/fhir\">\n" +
		"  <id value=\"</pre><script>alert('content')</script>\"/>\n" +
		"  <type value=\"x\" onload=\"alert(1)\"/>\n" +
		"</Bundle>\n")
	res := &validate.Result{
		Source: `evil"><script>alert('name')</script><img src=x onerror=alert(2)>.xml`,
		Format: "xml", Kind: "event-message", ResourceType: "Bundle",
		Issues: []validate.Issue{
			{Severity: validate.SeverityError, Rule: `nems:G02" onmouseover="alert(3)`, Spine: "INVALID_RESOURCE",
				Path: "Bundle.type", Line: 3, Column: 3, Message: `type is "x" onload="alert(1)"; <script>alert('message')</script>`},
			{Severity: validate.SeverityWarning, Rule: "fhir:id", Path: "Bundle.id", Line: 2, Column: 7,
				Message: "id </pre><script>alert('content')</script> is not an id"},
		},
	}
	out := renderHTML(t, func(h *HTML) error { return h.WriteSource(res, src) })
	if n := strings.Count(strings.ToLower(out), "<script"); n != 1 {
		t.Errorf("%d <script elements; want only the report's own", n)
	}
	for _, bad := range []string{"<img", `" onmouseover="`, `"x" onload="alert(1)"`, "</pre><script"} {
		if strings.Contains(out, bad) {
			t.Errorf("payload text %q reached the page unescaped", bad)
		}
	}
	for _, want := range []string{
		`data-file="evil&#34;&gt;&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;.xml"`,
		`&lt;script&gt;alert(&#39;message&#39;)&lt;/script&gt;`,
		`data-rule="nems:G02&#34; onmouseover=&#34;alert(3)"`,
		`&lt;/pre&gt;&lt;script&gt;alert(&#39;content&#39;)&lt;/script&gt;`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing the escaped form %s", want)
		}
	}
}

// The page's Content-Security-Policy allows its own style and script by
// hash and nothing else; the hashes must match what the page holds, or a
// browser would refuse them.
func TestHTMLPolicyMatchesInlineCode(t *testing.T) {
	out := renderHTML(t, func(h *HTML) error { return h.Write(resBad) })
	csp := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(out)
	if csp == nil {
		t.Fatal("no Content-Security-Policy meta element")
	}
	policy := strings.ReplaceAll(csp[1], "&#39;", "'")
	if !strings.Contains(policy, "default-src 'none'") || !strings.Contains(policy, "connect-src 'none'") {
		t.Errorf("policy does not shut the network out: %s", policy)
	}
	for _, el := range []struct{ tag, directive string }{{"style", "style-src"}, {"script", "script-src"}} {
		m := regexp.MustCompile(`(?s)<`+el.tag+`>(.*?)</`+el.tag+`>`).FindAllStringSubmatch(out, -1)
		if len(m) != 1 {
			t.Fatalf("%d <%s> elements, want 1", len(m), el.tag)
		}
		sum := sha256.Sum256([]byte(m[0][1]))
		want := el.directive + " 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(policy, want) {
			t.Errorf("policy lacks %s (the hash of the page's <%s>): %s", want, el.tag, policy)
		}
	}
	if regexp.MustCompile(`(?i)\b(src|href)=`).MatchString(out) {
		t.Error("the page refers to another resource")
	}
}

func TestHTMLSummaryAndSections(t *testing.T) {
	warnOnly := &validate.Result{Source: "w.xml", Kind: "subscription", Issues: []validate.Issue{resBad.Issues[1]}}
	out := renderHTML(t, func(h *HTML) error {
		for _, r := range []*validate.Result{resValid, resBad, warnOnly, resNoPlace} {
			if err := h.Write(r); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range []string{
		`<span class="n" id="n-files">4</span>`, `<span class="n" id="n-valid">2</span>`, `<span class="n" id="n-invalid">2</span>`,
		`<span class="n" id="n-fatal">1</span>`, `<span class="n" id="n-errors">1</span>`, `<span class="n" id="n-warnings">2</span>`,
		`<tr><td><code>G23</code></td><td>warning</td><td class="count">2</td></tr>`,
		`<option value="fhir:cardinality">fhir:cardinality</option>`,
		"Generated 2026-12-07 01:02:03 UTC by nemsfhir v-test. 4 files checked: 2 valid, 2 invalid; 2 errors, 2 warnings.",
		`data-file="dir/gp &lt;1&gt;.xml" data-valid="false" data-issues="2"`,
		"source not available to the report",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	if n := strings.Count(out, `<section class="file`); n != 4 {
		t.Errorf("%d file sections, want 4", n)
	}
	if n := strings.Count(out, `<li class="issue`); n != 4 {
		t.Errorf("%d issue rows, want 4", n)
	}
	if !strings.HasSuffix(out, "</html>\n") {
		t.Error("page not closed")
	}
}

// A file name or message that is not UTF-8 (a Linux file name can be any
// bytes) reaches the page as UTF-8, the bad bytes replaced.
func TestHTMLInvalidUTF8(t *testing.T) {
	res := &validate.Result{Source: "bad-\xff\xfe.xml", Issues: []validate.Issue{{Severity: validate.SeverityError, Rule: "r", Message: "found \xc3("}}}
	out := renderHTML(t, func(h *HTML) error { return h.Write(res) })
	if !utf8.ValidString(out) || !strings.Contains(out, "bad-\uFFFD.xml") || !strings.Contains(out, "found \uFFFD(") {
		t.Errorf("not UTF-8, or the bad bytes not replaced:\n%s", section(out))
	}
}

func TestHTMLEmptyRun(t *testing.T) {
	out := renderHTML(t, func(*HTML) error { return nil })
	if !strings.Contains(out, `id="n-files">0<`) || !strings.Contains(out, "No issues.") || !strings.HasSuffix(out, "</html>\n") {
		t.Errorf("empty run:\n%s", out)
	}
}

func TestHTMLExcerpts(t *testing.T) {
	long := `{"resourceType":"Bundle","id":"` + strings.Repeat("a", 300) + `","type":"é-bad","entry":[]` + strings.Repeat(" ", 300) + "}"
	col := strings.Index(long, `"é-bad"`) + 1 // a byte offset; columns count characters
	col = len([]rune(long[:col-1])) + 1
	for _, tc := range []struct {
		name      string
		src       string
		line, col int
		length    int      // Issue.Length, 0 unknown
		want      []string // in this order
		not       []string
	}{
		{"context and column", "l1\nl2\n  <type value=\"x\"/>\nl4\nl5\nl6\n", 3, 3, 0,
			[]string{`<span class="ln">1</span>l1`, `<span class="ln">2</span>l2`,
				`<span class="l hit"><span class="ln">3</span>  <mark>&lt;</mark>type value=&#34;x&#34;/&gt;</span>`,
				`<span class="ln">5</span>l5`}, []string{`<span class="ln">6</span>`}},
		{"CRLF and the last line", "a\r\nb\r\nc", 3, 1, 0,
			[]string{`<span class="ln">1</span>a</span>`, `<span class="l hit"><span class="ln">3</span><mark>c</mark></span>`}, []string{"\r"}},
		{"column past the end of the line", "abc\n", 1, 9, 3,
			[]string{`<span class="l hit"><span class="ln">1</span>abc</span>`}, []string{"<mark>"}},
		{"control characters and bad UTF-8", "a\x00b\xffc\n", 1, 3, 0,
			[]string{`<span class="ln">1</span>a?<mark>b</mark>?c</span>`}, []string{"\x00", "\xff"}},
		{"a long line is windowed around the column", long, 1, col, 0,
			[]string{`<span class="ln">1</span>…`, `<mark>&#34;</mark>é-bad&#34;`, "…</span>"}, []string{strings.Repeat("a", 100)}},
		// With a byte range, the whole token is marked.
		{"the whole start tag", "l1\n  <type value=\"x\"/>\nl3\n", 2, 3, len(`<type value="x"/>`),
			[]string{`<span class="l hit"><span class="ln">2</span>  <mark>&lt;type value=&#34;x&#34;/&gt;</mark></span>`}, nil},
		{"a JSON property name", `{"resourceType":"Patient","gender":"woman"}`, 1, 27, len(`"gender"`),
			[]string{`Patient&#34;,<mark>&#34;gender&#34;</mark>:&#34;woman&#34;}</span>`}, nil},
		{"a range running past the line stops at its end", "<a>\n  <b>x\n</a>\n", 2, 3, 20,
			[]string{`<span class="l hit"><span class="ln">2</span>  <mark>&lt;b&gt;x</mark></span>`, `<span class="ln">3</span>&lt;/a&gt;</span>`}, []string{"<mark>&lt;/a"}},
		{"a range ending inside a character takes all of it", "ab\u00e9c\n", 1, 1, 3,
			[]string{`<span class="ln">1</span><mark>abé</mark>c</span>`}, nil},
		{"a long token is marked as far as the window goes", long, 1, col - 300, 400,
			[]string{`&#34;id&#34;:&#34;aaaaaaaaa<mark>aaaa`, "aaaa</mark>…</span>"}, nil},
		{"line past the end", "a\nb\n", 7, 1, 0, []string{"line 7 is past the end of the payload (2 lines)"}, []string{`class="excerpt"`}},
		{"no line", "a\n", 0, 0, 0, []string{"no line: the issue concerns the payload as a whole"}, []string{`class="excerpt"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &validate.Result{Source: "p", Issues: []validate.Issue{{Severity: validate.SeverityError, Rule: "r", Line: tc.line, Column: tc.col, Length: tc.length, Message: "m"}}}
			out := renderHTML(t, func(h *HTML) error { return h.WriteSource(res, []byte(tc.src)) })
			at := 0
			for _, w := range tc.want {
				i := strings.Index(out[at:], w)
				if i < 0 {
					t.Fatalf("missing (in order) %q in\n%s", w, section(out))
				}
				at += i + len(w)
			}
			for _, n := range tc.not {
				if strings.Contains(section(out), n) {
					t.Errorf("unexpected %q in\n%s", n, section(out))
				}
			}
		})
	}
}

func section(page string) string {
	i, j := strings.Index(page, "<section"), strings.LastIndex(page, "</section>")
	if i < 0 || j < i {
		return page
	}
	return page[i:j]
}

// TestColumnFromOffset: an issue placed by its byte range is found on its
// line from the offset, at the byte counting its characters finds (the
// line here has two-byte characters before the token); an unplaced one by
// counting.
func TestColumnFromOffset(t *testing.T) {
	src := []byte("{\"a\":1,\n\"név\":\"é\",\"gender\":\"x\"}\n")
	text := splitLines(src)
	placed := validate.Issue{Line: 2, Column: 11, Offset: 8 + 12, Length: 8}
	unplaced := validate.Issue{Line: 2, Column: 11}
	want := byteOfColumn(text.lines[1], 11)
	if got := text.column(placed); got != want || string(text.lines[1][got:got+8]) != `"gender"` {
		t.Errorf("placed: byte %d, want %d (%q)", got, want, text.lines[1][want:])
	}
	if got := text.column(unplaced); got != want {
		t.Errorf("unplaced: byte %d, want %d", got, want)
	}
	if got := text.column(validate.Issue{Line: 3, Column: 1}); got != -1 {
		t.Errorf("past the last line: byte %d, want -1", got)
	}
}
