// Package issue is the vocabulary every check of nemsfhir speaks: the
// severity of a problem, the FHIR issue type, the Spine ErrorOrWarning code
// NEMS answers with, the NEMS interaction a request makes, and the Issue
// that carries them with the place of the problem in the source.
//
// The payload checks (package validate), the rule packs and profiles
// (package profiles), the request checks (package request) and the schema
// phase (package schema) all report Issues, so a caller handles one type
// whatever found the problem. A payload that cannot be read or converted
// gives an Error, which is an Issue too. The package imports only the
// standard library.
package issue

import (
	"fmt"
	"strconv"
	"strings"
)

// Issue is one problem found in a payload or a request.
type Issue struct {
	Severity Severity `json:"severity"`
	// Code is the FHIR IssueType code (structure, value, invariant,
	// code-invalid, not-found, ...): see the Type constants.
	Code string `json:"code"`
	// Spine is the Spine ErrorOrWarning code NEMS would answer with.
	Spine SpineCode `json:"spineCode"`
	// Rule identifies the rule broken, e.g. "fhir:cardinality",
	// "fhir:invariant:bdl-3" or a NEMS rule pack id such as "nems:G12".
	Rule string `json:"rule"`
	// Path is the FHIR path of the element concerned, with indexes on
	// repeating elements: "Bundle.entry[0].resource.event.code".
	Path string `json:"expression"`
	// Line and Column locate the element in the source (1-based; Column
	// counts characters); 0 when the place is unknown.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Offset and Length are the byte range in the source of what Line and
	// Column point at: the element's start tag in XML, the property name
	// (or array item) in JSON. Both are 0 when unknown; Offset 0 with a
	// Length is the first byte.
	Offset int `json:"offset,omitempty"`
	Length int `json:"length,omitempty"`
	// Message says what was found and what was expected.
	Message string `json:"message"`
}

// String renders the issue as "line:col: severity rule [SPINE] path: message".
func (i Issue) String() string {
	var b strings.Builder
	if i.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", i.Line, i.Column)
	}
	fmt.Fprintf(&b, "%s %s [%s]", i.Severity, i.Rule, i.Spine)
	if i.Path != "" {
		b.WriteString(" " + i.Path)
	}
	b.WriteString(": " + i.Message)
	return b.String()
}

// Location renders "line:col", or "" when the place is unknown.
func (i Issue) Location() string {
	if i.Line == 0 {
		return ""
	}
	return strconv.Itoa(i.Line) + ":" + strconv.Itoa(i.Column)
}

// Severity is the FHIR issue severity.
type Severity string

// The severities, worst first.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

// rank orders severities, worst lowest; anything unknown ranks with
// information.
func (s Severity) rank() int {
	switch s {
	case SeverityFatal:
		return 0
	case SeverityError:
		return 1
	case SeverityWarning:
		return 2
	default:
		return 3
	}
}

// IsError reports whether an issue of this severity makes a payload invalid
// (or a request refused).
func (s Severity) IsError() bool { return s == SeverityFatal || s == SeverityError }

// AtLeast reports whether s is as bad as other or worse.
func (s Severity) AtLeast(other Severity) bool { return s.rank() <= other.rank() }

// Valid reports whether s is one of the four FHIR severities.
func (s Severity) Valid() bool {
	switch s {
	case SeverityFatal, SeverityError, SeverityWarning, SeverityInformation:
		return true
	}
	return false
}

// The FHIR IssueType codes (STU3 value set issue-type) nemsfhir uses in
// Issue.Code.
const (
	TypeInvalid       = "invalid"
	TypeStructure     = "structure"
	TypeRequired      = "required"
	TypeValue         = "value"
	TypeInvariant     = "invariant"
	TypeSecurity      = "security"
	TypeForbidden     = "forbidden"
	TypeProcessing    = "processing"
	TypeNotSupported  = "not-supported"
	TypeDuplicate     = "duplicate"
	TypeNotFound      = "not-found"
	TypeTooLong       = "too-long"
	TypeCodeInvalid   = "code-invalid"
	TypeExtension     = "extension"
	TypeTooCostly     = "too-costly"
	TypeBusinessRule  = "business-rule"
	TypeConflict      = "conflict"
	TypeIncomplete    = "incomplete"
	TypeException     = "exception"
	TypeInformational = "informational"
)
