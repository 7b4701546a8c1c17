package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/validate"
)

// SourceWriter is a Reporter that shows the payload itself (the HTML
// reporter's excerpts). A caller that has the bytes a result was made from
// passes them with WriteSource instead of calling Write; src is not kept
// after the call.
type SourceWriter interface {
	Reporter
	WriteSource(r *validate.Result, src []byte) error
}

// HTML writes one self-contained HTML page for people: the run's totals
// and the issues by rule, then a section per payload with each issue and
// the lines of the payload around it, the offending line highlighted and
// the token the issue concerns (its byte range) marked on it.
// Filters by severity, rule and file work without any network: the page
// holds its own style and a small script, and its Content-Security-Policy
// allows nothing else (no fetch, no image, no font, no other script), so
// that even markup slipping through from a payload could not run.
// Everything taken from payloads goes through html/template and is escaped.
//
// The totals come first on the page but are known only at the end, so the
// file sections are spooled like the JUnit testcases and copied out on
// Flush.
//
// Notes about the run (WriteRunNotes: codes that could not be checked
// offline) are a "Not checked" section under the totals, so that the page
// never lets those codes pass for checked.
type HTML struct {
	w       io.Writer
	spool   *spool
	tally   Tally
	version string
	now     func() time.Time // for tests
	files   int
	notes   []htmlNote
}

// htmlNote is a note about the run, shown under "Not checked".
type htmlNote struct {
	Severity      validate.Severity
	Rule, Message string
}

// WriteRunNotes implements RunNoteWriter.
func (h *HTML) WriteRunNotes(notes []validate.Issue) error {
	for _, is := range notes {
		h.notes = append(h.notes, htmlNote{is.Severity, validText(ruleID(is)), validText(is.Message)})
	}
	return nil
}

// NewHTML returns an HTML reporter; version is named in the page footer.
func NewHTML(w io.Writer, version string) *HTML {
	return &HTML{w: w, spool: &spool{}, version: version, now: time.Now}
}

// excerptContext is how many lines are shown before and after the
// offending one; excerptWidth is how many bytes of a line are shown at most
// (a minified JSON payload is one long line: the window follows the
// column).
const (
	excerptContext = 2
	excerptWidth   = 160
)

type htmlFile struct {
	ID                 int
	Source             string
	Valid              bool
	Format, Kind       string
	ResourceType       string
	EventType          string
	Lifecycle          string
	Errors, Warnings   int
	Informations       int
	Issues             []htmlIssue
	SourceAvailability string // why there are no excerpts, when there are none
}

type htmlIssue struct {
	validate.Issue
	Excerpt []excerptLine
	// NoExcerpt says why an issue has no excerpt.
	NoExcerpt string
}

type excerptLine struct {
	N int
	// Text is the line; on the offending line it is split around the
	// column: Before, At (the character at the column) and After.
	Text              string
	Hit               bool
	Before, At, After string
}

// Write implements Reporter: the issues are shown without excerpts, the
// page saying that the source was not given.
func (h *HTML) Write(r *validate.Result) error { return h.write(r, nil, false) }

// WriteSource implements SourceWriter.
func (h *HTML) WriteSource(r *validate.Result, src []byte) error { return h.write(r, src, true) }

func (h *HTML) write(r *validate.Result, src []byte, haveSrc bool) error {
	h.tally.Add(r)
	h.files++
	f := htmlFile{
		ID: h.files, Source: validText(r.Source), Valid: r.Valid(), Format: r.Format, Kind: r.Kind,
		ResourceType: r.ResourceType, EventType: r.EventType, Lifecycle: r.Lifecycle,
		Errors: r.Count(validate.SeverityError) + r.Count(validate.SeverityFatal), Warnings: r.Count(validate.SeverityWarning),
		Informations: r.Count(validate.SeverityInformation),
	}
	var text source
	if haveSrc {
		text = splitLines(src)
	}
	lines := text.lines
	for _, is := range r.Issues {
		// A message may quote the payload, a file name be any bytes: the
		// page is UTF-8.
		is.Message, is.Path, is.Rule = validText(is.Message), validText(is.Path), validText(is.Rule)
		hi := htmlIssue{Issue: is}
		switch {
		case !haveSrc:
			hi.NoExcerpt = "source not available to the report"
		case is.Line <= 0:
			hi.NoExcerpt = "no line: the issue concerns the payload as a whole"
		case is.Line > len(lines):
			hi.NoExcerpt = fmt.Sprintf("line %d is past the end of the payload (%d lines)", is.Line, len(lines))
		default:
			hi.Excerpt = excerpt(lines, is.Line, text.column(is), is.Length)
		}
		f.Issues = append(f.Issues, hi)
	}
	var b bytes.Buffer
	if err := htmlTemplates().ExecuteTemplate(&b, "file", f); err != nil {
		return err
	}
	return h.spool.write(b.String())
}

// WriteInputError implements InputErrorWriter: the input gets a section of
// its own, marked not read, and is counted among the files.
func (h *HTML) WriteInputError(source string, err error) error {
	h.tally.AddUnreadable()
	h.files++
	var b bytes.Buffer
	if err := htmlTemplates().ExecuteTemplate(&b, "unreadable", struct {
		ID              int
		Source, Message string
	}{h.files, validText(source), validText(inputErrorText(err))}); err != nil {
		return err
	}
	return h.spool.write(b.String())
}

func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// source is a payload cut at LF, the CR of CRLF endings dropped; the
// lines share the payload's memory, and starts holds each line's offset
// in it.
type source struct {
	lines  [][]byte
	starts []int
}

func splitLines(src []byte) source {
	lines := bytes.Split(src, []byte{'\n'})
	if n := len(lines); n > 1 && len(lines[n-1]) == 0 {
		lines = lines[:n-1] // the newline ending the last line
	}
	starts := make([]int, len(lines))
	off := 0
	for i, l := range lines {
		starts[i] = off
		off += len(l) + 1
		lines[i] = bytes.TrimSuffix(l, []byte{'\r'})
	}
	return source{lines, starts}
}

// column is the byte of the issue's column in its line (-1 when it has
// none): from the issue's byte Offset when that lies on the line, which
// costs nothing however long the line (a minified payload is one line
// with every issue on it), else by counting characters.
func (s source) column(is validate.Issue) int {
	if is.Column <= 0 || is.Line <= 0 || is.Line > len(s.lines) {
		return -1
	}
	line, start := s.lines[is.Line-1], s.starts[is.Line-1]
	if is.Length > 0 && is.Offset > 0 && is.Offset >= start && is.Offset <= start+len(line) {
		return is.Offset - start
	}
	return byteOfColumn(line, is.Column)
}

// excerpt returns the lines around line (1-based), each cut to a window
// of excerptWidth bytes that holds byte at of the offending line (-1: no
// column). The token there, length bytes (Issue.Length) from it, is marked
// as far as the line and the window go, at least its first character, as
// the text reporter underlines it.
func excerpt(lines [][]byte, line, at, length int) []excerptLine {
	from, to := max(1, line-excerptContext), min(len(lines), line+excerptContext)
	hit := lines[line-1]
	// The context lines get the hit line's window so that they stay
	// aligned.
	start := windowStart(hit, at)
	var out []excerptLine
	for n := from; n <= to; n++ {
		l := lines[n-1]
		body, first, cutStart, cutEnd := window(l, start)
		el := excerptLine{N: n, Hit: n == line}
		pre, post := "", ""
		if cutStart {
			pre = "…"
		}
		if cutEnd {
			post = "…"
		}
		el.Text = pre + body + post
		if el.Hit {
			if i := at - first; at >= 0 && i >= 0 && i < len(body) {
				_, size := utf8.DecodeRuneInString(body[i:])
				j := min(i+max(length, size), len(body))
				for j < len(body) && !utf8.RuneStart(body[j]) {
					j++ // a range ending inside a character takes all of it
				}
				el.Before, el.At, el.After = pre+body[:i], body[i:j], body[j:]+post
			} else {
				el.Before = el.Text
			}
		}
		out = append(out, el)
	}
	return out
}

// windowStart is where the window of a line starts so that byte at (-1:
// no column) shows: a line too long to show whole is shown from a little
// before the column. The HTML and text reporters both cut lines there.
func windowStart(line []byte, at int) int {
	if len(line) > excerptWidth && at > excerptWidth/3 {
		return min(at-excerptWidth/3, len(line)-excerptWidth)
	}
	return 0
}

// window returns up to excerptWidth bytes of l from byte start (both ends
// moved to character boundaries) made printable, the offset in l of its
// first byte, and whether l was cut before and after it.
func window(l []byte, start int) (body string, first int, cutStart, cutEnd bool) {
	start = min(max(start, 0), len(l))
	for start > 0 && start < len(l) && !utf8.RuneStart(l[start]) {
		start--
	}
	end := min(len(l), start+excerptWidth)
	for end > start && end < len(l) && !utf8.RuneStart(l[end]) {
		end--
	}
	return printable(l[start:end]), start, start > 0, end < len(l)
}

// byteOfColumn converts a 1-based character column to a byte offset in l.
func byteOfColumn(l []byte, col int) int {
	off := 0
	for c := 1; c < col && off < len(l); c++ {
		_, size := utf8.DecodeRune(l[off:])
		off += size
	}
	return off
}

// printable keeps the byte length of the text (so offsets still line up)
// while replacing what a browser would not show faithfully: invalid UTF-8
// and control characters other than tab become '?', which is one byte.
func printable(b []byte) string {
	var s strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20 && r != '\t', r == 0x7f:
			s.WriteString(strings.Repeat("?", size))
		default:
			s.Write(b[:size])
		}
		b = b[size:]
	}
	return s.String()
}

type htmlRule struct {
	Rule     string
	Severity validate.Severity
	Count    int
}

type htmlPage struct {
	Generated       string
	Version         string
	Files, Valid    int
	Invalid         int
	Unreadable      int
	Fatal, Errors   int
	Warnings, Infos int
	Issues          int
	Rules           []htmlRule
	RuleNames       []string
	Script          template.JS
	Style           template.CSS
	RunLine         string
	Notes           []htmlNote
}

// Flush implements Reporter.
func (h *HTML) Flush() error {
	defer h.spool.close()
	t := &h.tally
	p := htmlPage{
		Generated: h.now().UTC().Format("2006-01-02 15:04:05 UTC"),
		Version:   h.version,
		Files:     t.Files, Valid: t.Valid, Invalid: t.Invalid, Unreadable: t.Unreadable,
		Fatal: t.Issues[validate.SeverityFatal], Errors: t.Issues[validate.SeverityError],
		Warnings: t.Issues[validate.SeverityWarning], Infos: t.Issues[validate.SeverityInformation],
		Script: template.JS(htmlScript), Style: template.CSS(htmlStyle),
		RunLine: t.Line(), Notes: h.notes,
	}
	p.Issues = p.Fatal + p.Errors + p.Warnings + p.Infos
	seen := map[string]bool{}
	for _, k := range t.ruleKeys() {
		p.Rules = append(p.Rules, htmlRule{k.Rule, k.Severity, t.Rules[k]})
		if !seen[k.Rule] {
			seen[k.Rule] = true
			p.RuleNames = append(p.RuleNames, k.Rule)
		}
	}
	sort.Strings(p.RuleNames)
	bw := bufio.NewWriter(h.w)
	if err := htmlTemplates().ExecuteTemplate(bw, "head", p); err != nil {
		return err
	}
	if err := h.spool.copyTo(bw); err != nil {
		return err
	}
	if err := htmlTemplates().ExecuteTemplate(bw, "foot", p); err != nil {
		return err
	}
	return bw.Flush()
}

// The page's only style and script. The Content-Security-Policy names them
// by hash, so they must reach the page byte for byte: they go in as
// template.CSS and template.JS values, which html/template inserts as they
// are (it would strip comments from template text).
const htmlStyle = `
:root { --fatal: #7a0010; --error: #b3261e; --warning: #8a5a00; --information: #1f5fa8; --ok: #1e7a34; --line: #d9d9d9; }
[hidden] { display: none !important; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1b1b; margin: 0; background: #f6f6f6; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; }
h1 { font-size: 22px; margin: 8px 0; }
h2 { font-size: 15px; margin: 0; word-break: break-all; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
.summary { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; padding: 0; list-style: none; }
.summary li { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 90px; }
.summary .n { display: block; font-size: 22px; font-weight: 600; }
.summary .label { color: #555; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table.rules { border-collapse: collapse; background: #fff; margin: 8px 0 16px; }
table.rules th, table.rules td { border: 1px solid var(--line); padding: 3px 10px; text-align: left; }
table.rules td.count { text-align: right; font-variant-numeric: tabular-nums; }
.filters { position: sticky; top: 0; z-index: 1; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 12px 0; display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
.filters label { white-space: nowrap; }
.filters input[type=search] { width: 220px; }
#shown { color: #444; margin-left: auto; }
section.file { background: #fff; border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 6px; margin: 10px 0; padding: 10px 14px; }
section.file.invalid { border-left-color: var(--error); }
.verdict { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--ok); margin-left: 6px; }
section.invalid .verdict { background: var(--error); }
.meta { color: #555; font-size: 12px; margin: 2px 0 6px; }
ol.issues { list-style: none; margin: 6px 0 0; padding: 0; }
li.issue { border-top: 1px solid #eee; padding: 8px 0; }
.sev { display: inline-block; min-width: 74px; font-weight: 600; text-transform: uppercase; font-size: 11px; letter-spacing: .04em; }
.sev-fatal .sev { color: var(--fatal); }
.sev-error .sev { color: var(--error); }
.sev-warning .sev { color: var(--warning); }
.sev-information .sev { color: var(--information); }
.spine { color: #555; }
.path { color: #333; word-break: break-all; }
.msg { margin: 4px 0; white-space: pre-wrap; word-break: break-word; }
pre.excerpt { background: #fafafa; border: 1px solid #e6e6e6; border-radius: 4px; margin: 4px 0 0; padding: 4px 0; overflow-x: auto; }
pre.excerpt span.l { display: block; padding: 0 8px; white-space: pre; }
pre.excerpt span.ln { display: inline-block; width: 5ch; color: #888; text-align: right; margin-right: 1.5ch; user-select: none; }
pre.excerpt span.hit { background: #fde2e1; }
.sev-warning pre.excerpt span.hit { background: #fdf0d5; }
.sev-information pre.excerpt span.hit { background: #e3edfb; }
pre.excerpt mark { background: #f6b3ae; outline: 1px solid var(--error); color: inherit; }
.noexcerpt { color: #666; font-style: italic; font-size: 12px; }
.none { color: var(--ok); margin: 4px 0 0; }
footer { color: #666; font-size: 12px; padding-bottom: 24px; }
.printonly { display: none; }
@media print {
  @page { margin: 14mm 12mm; }
  body { background: #fff; font-size: 10pt; }
  header, main, footer { max-width: none; padding: 0; }
  .filters { display: none; }
  .printonly { display: block; }
  .summary li, section.file, table.rules { border-color: #999; }
  section.file { break-inside: auto; border-left-width: 3pt; }
  h2, .meta { break-after: avoid; }
  li.issue { break-inside: avoid; }
  pre.excerpt { overflow: visible; }
  pre.excerpt span.l { white-space: pre-wrap; word-break: break-all; }
  .verdict { border: 1px solid #000; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`

const htmlScript = `
(function () {
  "use strict";
  var sevs = Array.prototype.slice.call(document.querySelectorAll("input[name=severity]"));
  var rule = document.getElementById("f-rule");
  var file = document.getElementById("f-file");
  var which = document.getElementById("f-which");
  var shown = document.getElementById("shown");
  var printFilter = document.getElementById("print-filter");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.file"));
  var total = document.querySelectorAll("li.issue").length;
  function apply() {
    var want = {};
    var narrowed = rule.value !== "";
    sevs.forEach(function (b) { want[b.value] = b.checked; if (!b.checked) { narrowed = true; } });
    var needle = file.value.trim().toLowerCase();
    var issues = 0, files = 0;
    sections.forEach(function (s) {
      var fileOK = s.getAttribute("data-file").toLowerCase().indexOf(needle) >= 0 &&
        (which.value === "all" ||
         (which.value === "issues" && s.getAttribute("data-issues") !== "0") ||
         (which.value === "invalid" && s.getAttribute("data-valid") === "false"));
      var n = 0;
      Array.prototype.forEach.call(s.querySelectorAll("li.issue"), function (li) {
        var show = fileOK && want[li.getAttribute("data-severity")] === true &&
          (rule.value === "" || li.getAttribute("data-rule") === rule.value);
        li.hidden = !show;
        if (show) { n++; }
      });
      var show = fileOK && (n > 0 || !narrowed);
      s.hidden = !show;
      if (show) { files++; issues += n; }
    });
    var text = "Showing " + issues + " of " + total + " issues in " + files + " of " + sections.length + " files";
    shown.textContent = text;
    var parts = [];
    var off = sevs.filter(function (b) { return !b.checked; }).map(function (b) { return b.value; });
    if (off.length) { parts.push("severities hidden: " + off.join(", ")); }
    if (rule.value) { parts.push("rule " + rule.value); }
    if (needle) { parts.push("file name contains \u201c" + needle + "\u201d"); }
    if (which.value !== "all") { parts.push(which.options[which.selectedIndex].text.toLowerCase()); }
    printFilter.textContent = parts.length ? "Filtered view (" + parts.join("; ") + "). " + text + "." : "Complete report: every file and every issue.";
  }
  sevs.forEach(function (b) { b.addEventListener("change", apply); });
  rule.addEventListener("change", apply);
  which.addEventListener("change", apply);
  file.addEventListener("input", apply);
  document.getElementById("filters").hidden = false;
  apply();
})();
`

func sriHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlCSP is the page's Content-Security-Policy: its own style and script,
// nothing else; no request of any kind leaves the page.
func htmlCSP() string {
	return "default-src 'none'; style-src " + sriHash(htmlStyle) + "; script-src " + sriHash(htmlScript) +
		"; img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
}

// htmlTemplates are parsed on first use rather than at package
// initialisation, which every run of the CLI would pay for, HTML or not.
// The CSP goes into the template text: html/template treats a meta
// element's content attribute as unsafe and would filter a value put there.
var htmlTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{"plural": plural}).Parse(strings.Replace(htmlTemplateText, "CSP_HERE", htmlCSP(), 1)))
})

const htmlTemplateText = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="CSP_HERE">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>nemsfhir validation report: {{.Files}} files, {{.Invalid}} invalid{{if .Unreadable}}, {{.Unreadable}} unreadable{{end}}</title>
<style>{{.Style}}</style>
</head>
<body>
<header>
<h1>nemsfhir validation report</h1>
<p class="meta">Generated {{.Generated}} by nemsfhir {{.Version}}. {{.RunLine}}.</p>
<ul class="summary" id="summary">
<li><span class="n" id="n-files">{{.Files}}</span><span class="label">files</span></li>
<li><span class="n" id="n-valid">{{.Valid}}</span><span class="label">valid</span></li>
<li><span class="n" id="n-invalid">{{.Invalid}}</span><span class="label">invalid</span></li>
{{if .Unreadable}}<li><span class="n" id="n-unreadable">{{.Unreadable}}</span><span class="label">unreadable</span></li>
{{end}}<li><span class="n" id="n-fatal">{{.Fatal}}</span><span class="label">fatal</span></li>
<li><span class="n" id="n-errors">{{.Errors}}</span><span class="label">errors</span></li>
<li><span class="n" id="n-warnings">{{.Warnings}}</span><span class="label">warnings</span></li>
<li><span class="n" id="n-information">{{.Infos}}</span><span class="label">information</span></li>
</ul>
{{if .Notes}}<section class="notchecked" id="not-checked">
<h2>Not checked</h2>
<p class="meta">What follows could not be judged offline: the verdicts below do not cover it.</p>
<ul>
{{range .Notes}}<li class="sev-{{.Severity}}"><span class="sev">{{.Severity}}</span> <code class="rule">{{.Rule}}</code> {{.Message}}</li>
{{end}}</ul>
</section>
{{end}}{{if .Rules}}<table class="rules" id="rules">
<thead><tr><th>Rule</th><th>Severity</th><th>Issues</th></tr></thead>
<tbody>
{{range .Rules}}<tr><td><code>{{.Rule}}</code></td><td>{{.Severity}}</td><td class="count">{{.Count}}</td></tr>
{{end}}</tbody>
</table>{{else}}<p class="none">No issues.</p>{{end}}
</header>
<main>
<p class="printonly" id="print-filter">Complete report: every file and every issue.</p>
<form class="filters" id="filters" hidden>
<span>Severity:
<label><input type="checkbox" name="severity" value="fatal" checked> fatal ({{.Fatal}})</label>
<label><input type="checkbox" name="severity" value="error" checked> error ({{.Errors}})</label>
<label><input type="checkbox" name="severity" value="warning" checked> warning ({{.Warnings}})</label>
<label><input type="checkbox" name="severity" value="information" checked> information ({{.Infos}})</label>
</span>
<label>Rule: <select id="f-rule"><option value="">all rules</option>{{range .RuleNames}}<option value="{{.}}">{{.}}</option>{{end}}</select></label>
<label>Files: <select id="f-which"><option value="all">all files</option><option value="issues">files with issues</option><option value="invalid">invalid files</option></select></label>
<label>File name: <input type="search" id="f-file" placeholder="part of the path"></label>
<span id="shown"></span>
</form>
{{end}}

{{define "unreadable"}}<section class="file invalid unreadable" id="file-{{.ID}}" data-file="{{.Source}}" data-valid="false" data-issues="1">
<h2>{{if .Source}}{{.Source}}{{else}}(unnamed payload){{end}} <span class="verdict">not read</span></h2>
<p class="msg">{{.Message}}</p>
</section>
{{end}}

{{define "file"}}<section class="file{{if not .Valid}} invalid{{end}}" id="file-{{.ID}}" data-file="{{.Source}}" data-valid="{{.Valid}}" data-issues="{{len .Issues}}">
<h2>{{if .Source}}{{.Source}}{{else}}(unnamed payload){{end}} <span class="verdict">{{if .Valid}}valid{{else}}invalid{{end}}</span></h2>
<p class="meta">{{with .Format}}{{.}}{{else}}format unknown{{end}} · {{.Kind}}{{with .ResourceType}} · {{.}}{{end}}{{with .EventType}} · {{.}}{{end}}{{with .Lifecycle}} ({{.}}){{end}} · {{.Errors}} {{plural .Errors "error" "errors"}}, {{.Warnings}} {{plural .Warnings "warning" "warnings"}}{{if .Informations}}, {{.Informations}} information{{end}}</p>
{{if .Issues}}<ol class="issues">
{{range .Issues}}<li class="issue sev-{{.Severity}}" data-severity="{{.Severity}}" data-rule="{{.Rule}}">
<div><span class="sev">{{.Severity}}</span> <code class="rule">{{.Rule}}</code>{{with .Spine}} <span class="spine">[{{.}}]</span>{{end}}{{if gt .Line 0}} <span class="loc mono">line {{.Line}}, column {{.Column}}</span>{{end}}{{with .Path}} <code class="path">{{.}}</code>{{end}}</div>
<p class="msg">{{.Message}}</p>
{{if .Excerpt}}<pre class="excerpt">{{range .Excerpt}}{{if .Hit}}<span class="l hit"><span class="ln">{{.N}}</span>{{.Before}}{{if .At}}<mark>{{.At}}</mark>{{end}}{{.After}}</span>{{else}}<span class="l"><span class="ln">{{.N}}</span>{{.Text}}</span>{{end}}{{end}}</pre>{{else}}<p class="noexcerpt">{{.NoExcerpt}}</p>{{end}}
</li>
{{end}}</ol>
{{else}}<p class="none">No issues.</p>
{{end}}</section>
{{end}}

{{define "foot"}}</main>
<footer><p>nemsfhir {{.Version}} · {{.RunLine}} · generated {{.Generated}}. This page is self-contained: it loads nothing from the network.</p></footer>
<script>{{.Script}}</script>
</body>
</html>
{{end}}`
