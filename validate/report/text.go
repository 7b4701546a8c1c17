package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/validate"
)

// Text writes one line per issue in the style of a compiler, so that
// editors and terminals can jump to the place:
//
//	file:line:col: severity rule [SPINE_CODE] path: message
//
// and, on Flush, a summary line. A file without issues prints nothing.
//
// With excerpts on (Options.Excerpt) and the payload given through
// WriteSource, an issue with a line is followed by that line of the payload
// and a caret under its column, as compilers do:
//
//	a.xml:3:5: error fhir:datatype Patient.birthDate: ...
//	    3 | <birthDate value="1990-13-01"/>
//	      |     ^
//
// Tabs are expanded to the next multiple of 8 so that the caret stays under
// its character, a line longer than the window is cut around the column
// (marked with "…") as in the HTML report, and control characters and
// invalid UTF-8 show as '?'.
type Text struct {
	w       *bufio.Writer
	color   bool
	excerpt bool
	tally   Tally
}

// NewText returns a text reporter; color adds ANSI colours (the caller
// decides: a terminal, and NO_COLOR unset).
func NewText(w io.Writer, color bool) *Text {
	return &Text{w: bufio.NewWriter(w), color: color}
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiDim    = "\x1b[2m"
)

func (t *Text) paint(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func severityColor(s validate.Severity) string {
	switch s {
	case validate.SeverityFatal, validate.SeverityError:
		return ansiRed
	case validate.SeverityWarning:
		return ansiYellow
	}
	return ansiCyan
}

// NeedsSource reports whether WriteSource does more than Write: only with
// excerpts on is the payload worth keeping for the report.
func (t *Text) NeedsSource() bool { return t.excerpt }

// Write implements Reporter.
func (t *Text) Write(r *validate.Result) error { return t.write(r, source{}) }

// WriteSource implements SourceWriter: with excerpts on, each issue with a
// line shows it.
func (t *Text) WriteSource(r *validate.Result, src []byte) error {
	if !t.excerpt {
		return t.write(r, source{})
	}
	return t.write(r, splitLines(src))
}

func (t *Text) write(r *validate.Result, text source) error {
	lines := text.lines
	t.tally.Add(r)
	for _, is := range r.Issues {
		t.w.WriteString(t.paint(ansiBold, r.Source))
		t.w.WriteByte(':')
		if is.Line > 0 {
			fmt.Fprintf(t.w, "%d:%d:", is.Line, is.Column)
		}
		fmt.Fprintf(t.w, " %s %s", t.paint(severityColor(is.Severity), string(is.Severity)), is.Rule)
		if is.Spine != "" {
			fmt.Fprintf(t.w, " [%s]", is.Spine)
		}
		if is.Path != "" {
			t.w.WriteString(" " + t.paint(ansiDim, is.Path))
		}
		t.w.WriteString(": " + is.Message + "\n")
		switch {
		case lines == nil || is.Line <= 0:
		case is.Line <= len(lines):
			t.writeExcerpt(lines[is.Line-1], text.column(is), is)
		case is.Line == len(lines)+1:
			// The end of a payload whose last line ends with a newline:
			// a truncated payload's problem is found there.
			t.writeExcerpt(nil, byteOfColumn(nil, is.Column), is)
		}
	}
	// Line by line for a person watching, but not a syscall per issue.
	if t.w.Buffered() > 32<<10 {
		return t.w.Flush()
	}
	return nil
}

// WriteInputError implements InputErrorWriter: "file: error: not read:
// why", counted in the summary line.
func (t *Text) WriteInputError(source string, err error) error {
	t.tally.AddUnreadable()
	fmt.Fprintf(t.w, "%s: %s %s\n", t.paint(ansiBold, source), t.paint(ansiRed, "error:"), inputErrorText(err))
	return nil
}

// Flush implements Reporter: it writes the summary line.
func (t *Text) Flush() error {
	line := t.tally.Line()
	if t.color {
		if t.tally.Invalid > 0 || t.tally.Unreadable > 0 {
			line = t.paint(ansiRed, line)
		} else {
			line = t.paint(ansiBold, line)
		}
	}
	t.w.WriteString(line + "\n")
	return t.w.Flush()
}

// tabWidth is the tab stop of excerpts, that of terminals.
const tabWidth = 8

// writeExcerpt writes the line of an issue, windowed around byte at of it
// (its column; -1 when it has none), and carets under the token there: as
// many as the token's characters on the line (Issue.Length), at least one.
func (t *Text) writeExcerpt(line []byte, at int, is validate.Issue) {
	end := -1
	if is.Column <= 0 {
		at = -1
	}
	if at >= 0 {
		end = at + max(is.Length, 1)
	}
	under := 0 // terminal cells of the token within the window
	body, first, cutStart, cutEnd := window(line, windowStart(line, at))
	var shown strings.Builder
	cells := 0 // terminal cells written so far
	caret := -1
	if cutStart {
		shown.WriteString("…")
		cells++
	}
	for i, r := range body {
		if first+i == at {
			caret = cells
		}
		n := 1
		if r == '\t' {
			n = tabWidth - cells%tabWidth
			shown.WriteString(strings.Repeat(" ", n))
		} else {
			shown.WriteRune(r)
		}
		if first+i >= at && first+i < end {
			under += n
		}
		cells += n
	}
	if at >= first+len(body) && at >= 0 && !cutEnd {
		caret = cells // the column just past the end of the line
	}
	if cutEnd {
		shown.WriteString("…")
	}
	num := strconv.Itoa(is.Line)
	gutter := strings.Repeat(" ", 4)
	fmt.Fprintf(t.w, "%s%s %s %s\n", gutter, t.paint(ansiDim, num), t.paint(ansiDim, "|"), shown.String())
	if caret >= 0 {
		fmt.Fprintf(t.w, "%s%s %s %s%s\n", gutter, strings.Repeat(" ", len(num)), t.paint(ansiDim, "|"), strings.Repeat(" ", caret), t.paint(severityColor(is.Severity), strings.Repeat("^", max(under, 1))))
	}
}
