package issue

import (
	"strconv"
	"strings"
)

// Error is a problem that keeps a payload from being read as FHIR: what
// the parsers and the converters report, as an error. Its Issue has the
// place (Line and Column, 0 when unknown; Path, the FHIR path of the
// element concerned, empty for a syntax error) and the Message; the
// severity, codes and rule are left to the caller, package validate giving
// each its rule. The same type carries the converters' warnings.
type Error struct {
	Issue
	// Fatal is set on the error the parser stopped at: the rest of the
	// input was not read, so the tree lacks whatever it held.
	Fatal bool
}

// Error renders the error as "line:col: path: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is a list of errors returned as one error: each on its own line,
// and each reachable by errors.As. The parsers', the rule packs' and the
// profile loader's error lists are all of this form.
type Errors[E error] []E

// Error renders every error on its own line.
func (l Errors[E]) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual errors.
func (l Errors[E]) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// ErrorList is the errors of one payload, in source order as far as the
// parser could tell. It is returned as an error only when it is not empty.
type ErrorList = Errors[*Error]
