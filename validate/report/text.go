package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/nemsfhir/nemsfhir/validate"
)

// Text writes one line per issue in the style of a compiler, so that
// editors and terminals can jump to the place:
//
//	file:line:col: severity rule [SPINE_CODE] path: message
//
// and, on Flush, a summary line. A file without issues prints nothing.
type Text struct {
	w     *bufio.Writer
	color bool
	tally Tally
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

// Write implements Reporter.
func (t *Text) Write(r *validate.Result) error {
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
	}
	// Line by line for a person watching, but not a syscall per issue.
	if t.w.Buffered() > 32<<10 {
		return t.w.Flush()
	}
	return nil
}

// Flush implements Reporter: it writes the summary line.
func (t *Text) Flush() error {
	line := t.tally.Line()
	if t.color {
		if t.tally.Invalid > 0 {
			line = t.paint(ansiRed, line)
		} else {
			line = t.paint(ansiBold, line)
		}
	}
	t.w.WriteString(line + "\n")
	return t.w.Flush()
}
