// Package report renders validation results for people and for tools: the
// text lines of a compiler, JSON lines, OperationOutcome resources, JUnit XML,
// SARIF 2.1.0 and a self-contained HTML page.
//
// Every reporter streams: Write is called once per payload, in input order,
// and Flush once at the end. A reporter keeps only what its format needs
// after the last result (counts, the rules seen), never the results
// themselves, so that a corpus of any size renders in bounded memory.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate"
)

// Reporter renders results. It is not safe for concurrent use: one writer
// goroutine calls Write in input order, then Flush once.
type Reporter interface {
	// Write renders the result of one payload.
	Write(r *validate.Result) error
	// Flush writes what comes after the last result (closing tags,
	// summaries) and anything still buffered.
	Flush() error
}

// InputErrorWriter is a Reporter that also records an input that could
// not be read at all (a missing file, a named pipe, a folder without
// payloads), so that a report never lists fewer files than were asked
// for: a CI dashboard that showed only the files read would show green.
// Every reporter of this package is one.
type InputErrorWriter interface {
	Reporter
	// WriteInputError records the input named source, in its place in
	// the input order, and why it was not read.
	WriteInputError(source string, err error) error
}

// RunNoteWriter is a Reporter whose format has a place for notes about
// the run as a whole rather than one payload: chiefly the code systems and
// value sets whose codes could not be checked offline
// (validate.Validator.UncheckedTerminology). A pipeline that keeps only
// the report file would otherwise lose them, and read codes nobody judged
// as checked. The caller gives the notes once, after the last result and
// before Flush; they change no payload's verdict and no total, and none
// given leaves the report as it would be without them. The SARIF, JUnit
// and HTML reporters are RunNoteWriters; text and JSON lines leave the
// notes to stderr, and the OperationOutcome reporter, whose resources are
// one per payload, leaves them out.
type RunNoteWriter interface {
	Reporter
	WriteRunNotes(notes []validate.Issue) error
}

// NoteText renders a note about the run: "severity [rule]: message", the
// form the CLI prints on stderr after "nemsfhir validate: ".
func NoteText(is validate.Issue) string {
	return fmt.Sprintf("%s [%s]: %s", is.Severity, ruleID(is), is.Message)
}

// Formats lists the names New accepts.
var Formats = []string{"text", "json", "outcome", "junit", "sarif", "html"}

// Options tune the reporters; the zero value is plain output.
type Options struct {
	// Color turns on ANSI colours in the text reporter.
	Color bool
	// OutcomeFormat is "xml" (the default) or "json" for the outcome
	// reporter.
	OutcomeFormat string
	// Version is the nemsfhir version named by the SARIF and JUnit
	// reporters.
	Version string
	// Excerpt makes the text reporter show, under each issue with a
	// line, that line of the payload with a caret under the column; it
	// needs the payload, given through SourceWriter.
	Excerpt bool
	// RuleHelp describes the rules of the NEMS packs for the SARIF
	// reporter; nil, or ok false for an id, leaves a generic description.
	RuleHelp func(id string) (help RuleHelp, ok bool)
}

// RuleHelp is what a report says about a rule: a one-line summary, a
// fuller description, the help text (what 'nemsfhir profiles explain'
// prints) and the address of its documentation.
type RuleHelp struct {
	Short, Full, Help, URI string
}

// New returns the reporter of the given format writing to w.
func New(format string, w io.Writer, opts Options) (Reporter, error) {
	switch format {
	case "text":
		t := NewText(w, opts.Color)
		t.excerpt = opts.Excerpt
		return t, nil
	case "json":
		return NewJSON(w), nil
	case "outcome":
		switch opts.OutcomeFormat {
		case "", "xml":
			return NewOutcome(w, false), nil
		case "json":
			return NewOutcome(w, true), nil
		}
		return nil, fmt.Errorf("unknown outcome format %q: expected xml or json", opts.OutcomeFormat)
	case "junit":
		return NewJUnit(w), nil
	case "sarif":
		s := NewSARIF(w, opts.Version)
		s.ruleHelp = opts.RuleHelp
		return s, nil
	case "html":
		return NewHTML(w, opts.Version), nil
	}
	return nil, fmt.Errorf("unknown format %q: expected one of %s", format, strings.Join(Formats, ", "))
}

// Tally counts files and issues as results go by; it backs the summary
// line of the text reporter and the --summary table.
type Tally struct {
	// Files counts every input, Unreadable those that could not be read
	// (neither valid nor invalid).
	Files, Valid, Invalid int
	Unreadable            int
	// Worst counts files by their worst issue severity ("" for none).
	Worst map[validate.Severity]int
	// Issues counts issues by severity.
	Issues map[validate.Severity]int
	// Rules counts issues by rule and severity.
	Rules map[RuleSeverity]int
}

// RuleSeverity keys the per-rule counts of a Tally.
type RuleSeverity struct {
	Rule     string
	Severity validate.Severity
}

// Add counts one result.
func (t *Tally) Add(r *validate.Result) {
	if t.Issues == nil {
		t.Worst = map[validate.Severity]int{}
		t.Issues = map[validate.Severity]int{}
		t.Rules = map[RuleSeverity]int{}
	}
	t.Files++
	if r.Valid() {
		t.Valid++
	} else {
		t.Invalid++
	}
	t.Worst[r.Worst()]++
	for _, is := range r.Issues {
		t.Issues[is.Severity]++
		t.Rules[RuleSeverity{is.Rule, is.Severity}]++
	}
}

// AddUnreadable counts one input that could not be read.
func (t *Tally) AddUnreadable() {
	t.Files++
	t.Unreadable++
}

// Errors counts the issues of severity error or fatal.
func (t *Tally) Errors() int {
	return t.Issues[validate.SeverityError] + t.Issues[validate.SeverityFatal]
}

// Line is the one-line summary: "N files checked: V valid, I invalid; E
// errors, W warnings", with ", U unreadable" after the invalid count when
// some input could not be read.
func (t *Tally) Line() string {
	e, w := t.Errors(), t.Issues[validate.SeverityWarning]
	unread := ""
	if t.Unreadable > 0 {
		unread = fmt.Sprintf(", %d unreadable", t.Unreadable)
	}
	return fmt.Sprintf("%d %s checked: %d valid, %d invalid%s; %d %s, %d %s",
		t.Files, plural(t.Files, "file", "files"), t.Valid, t.Invalid, unread, e, plural(e, "error", "errors"), w, plural(w, "warning", "warnings"))
}

// WriteTable writes the totals per rule and severity, most frequent first,
// then the totals per severity (the summary line is left to the caller).
func (t *Tally) WriteTable(w io.Writer) error {
	keys := t.ruleKeys()
	var b strings.Builder
	width := len("rule")
	for _, k := range keys {
		width = max(width, len(k.Rule))
	}
	fmt.Fprintf(&b, "%-*s  %-11s  %7s\n", width, "rule", "severity", "issues")
	for _, k := range keys {
		fmt.Fprintf(&b, "%-*s  %-11s  %7d\n", width, k.Rule, k.Severity, t.Rules[k])
	}
	for _, s := range []validate.Severity{validate.SeverityFatal, validate.SeverityError, validate.SeverityWarning, validate.SeverityInformation} {
		fmt.Fprintf(&b, "%-*s  %-11s  %7d\n", width, "total", s, t.Issues[s])
	}
	if t.Unreadable > 0 {
		fmt.Fprintf(&b, "%-*s  %-11s  %7d\n", width, "unreadable", "files", t.Unreadable)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ruleKeys returns the rule and severity pairs counted, most frequent
// first, then by rule and severity.
func (t *Tally) ruleKeys() []RuleSeverity {
	keys := make([]RuleSeverity, 0, len(t.Rules))
	for k := range t.Rules {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if t.Rules[a] != t.Rules[b] {
			return t.Rules[a] > t.Rules[b]
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Severity < b.Severity
	})
	return keys
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// issueText renders an issue without its file: "line:col: severity rule
// [SPINE] path: message", the line:col left out when unknown.
func issueText(is validate.Issue) string {
	var b strings.Builder
	if is.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", is.Line, is.Column)
	}
	fmt.Fprintf(&b, "%s %s", is.Severity, is.Rule)
	if is.Spine != "" {
		fmt.Fprintf(&b, " [%s]", is.Spine)
	}
	if is.Path != "" {
		b.WriteString(" " + is.Path)
	}
	b.WriteString(": " + is.Message)
	return b.String()
}

// inputErrorText is the message of an input that was not read, saying so
// once.
func inputErrorText(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "not read") {
		return msg
	}
	return "not read: " + msg
}
