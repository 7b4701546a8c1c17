package fhirpath

import (
	"errors"
	"fmt"
	"strings"
)

// ParseError reports an expression that does not compile: where, what was
// found there and what was expected instead.
type ParseError struct {
	Expr   string // the whole expression
	Offset int    // byte offset of the problem
	Line   int    // 1-based line
	Column int    // 1-based column, counted in characters
	// Found describes what is at the position ("'and'", "end of
	// expression").
	Found string
	// Expected says what would have been accepted there, or why the text
	// found is wrong ("')'", "an expression", "unknown function").
	Expected string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("fhirpath: %d:%d: expected %s, found %s", e.Line, e.Column, e.Expected, e.Found)
}

// Snippet returns the line of the expression holding the problem with a
// caret under it, for people to read.
func (e *ParseError) Snippet() string {
	lines := strings.Split(e.Expr, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return ""
	}
	return lines[e.Line-1] + "\n" + strings.Repeat(" ", max(e.Column-1, 0)) + "^"
}

func newParseError(src string, off int, found, expected string) *ParseError {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &ParseError{Expr: src, Offset: off, Line: line, Column: col, Found: found, Expected: expected}
}

// EvalError reports an expression that compiled but could not be evaluated
// on a given input, e.g. a singleton operator given several items.
type EvalError struct {
	Msg string
}

func (e *EvalError) Error() string { return "fhirpath: " + e.Msg }

func evalErrorf(format string, args ...any) error {
	return &EvalError{Msg: fmt.Sprintf(format, args...)}
}

// ErrBudget is returned when an evaluation takes more steps than
// [Env.MaxSteps] allows or nests deeper than [Env.MaxDepth].
var ErrBudget = errors.New("fhirpath: evaluation budget exceeded")
