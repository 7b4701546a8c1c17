// Package validate checks FHIR STU3 payloads the way NEMS would: the base
// STU3 rules first (structure, datatypes, bindings, invariants, references,
// schema), then the NEMS rule packs. Every problem becomes an Issue that says
// where it is (FHIR path, line, column), which rule it breaks, and what NEMS
// would answer (Spine ErrorOrWarning code, FHIR issue type).
package validate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Severity is the FHIR issue severity.
type Severity string

// The severities, worst first.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

// rank orders severities, worst lowest.
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

// IsError reports whether an issue of this severity makes a payload invalid.
func (s Severity) IsError() bool { return s == SeverityFatal || s == SeverityError }

// AtLeast reports whether s is as bad as other or worse.
func (s Severity) AtLeast(other Severity) bool { return s.rank() <= other.rank() }

// Issue is one problem found in a payload.
type Issue struct {
	Severity Severity `json:"severity"`
	// Code is the FHIR IssueType code (structure, value, invariant,
	// code-invalid, not-found, ...).
	Code string `json:"code"`
	// Spine is the Spine ErrorOrWarning code NEMS would answer with.
	Spine SpineCode `json:"spineCode"`
	// Rule identifies the rule broken, e.g. "fhir:cardinality",
	// "fhir:invariant:bdl-3" or a NEMS rule pack id.
	Rule string `json:"rule"`
	// Path is the FHIR path of the element concerned, with indexes on
	// repeating elements: "Bundle.entry[0].resource.event.code".
	Path string `json:"expression"`
	// Line and Column locate the element in the source (1-based); 0 when
	// the place is unknown.
	Line   int `json:"line"`
	Column int `json:"column"`
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

// Result is the outcome of validating one payload.
type Result struct {
	// Source names the payload (a file path, "-" for stdin); may be empty.
	Source string `json:"path"`
	// Format is "xml" or "json", as sniffed.
	Format string `json:"format,omitempty"`
	// ResourceType is the type of the root resource, when it could be read.
	ResourceType string `json:"resourceType,omitempty"`
	// Kind is what the payload is to NEMS: "event-message",
	// "subscription" or "resource"; "unknown" when unreadable.
	Kind string `json:"kind"`
	// EventType is the MessageHeader event code of an event message.
	EventType string `json:"eventType,omitempty"`
	// Lifecycle is new, update or delete for an event message.
	Lifecycle string  `json:"lifecycle,omitempty"`
	Issues    []Issue `json:"issues"`
	// Elapsed is how long Validate took (JUnit reports it per file).
	Elapsed time.Duration `json:"-"`
}

// Valid reports whether no issue has severity error or fatal.
func (r *Result) Valid() bool {
	for _, i := range r.Issues {
		if i.Severity.IsError() {
			return false
		}
	}
	return true
}

// Count returns how many issues have exactly the given severity.
func (r *Result) Count(s Severity) int {
	n := 0
	for _, i := range r.Issues {
		if i.Severity == s {
			n++
		}
	}
	return n
}

// Worst returns the worst severity among the issues, "" when there are none.
func (r *Result) Worst() Severity {
	var worst Severity
	for _, i := range r.Issues {
		if worst == "" || i.Severity.AtLeast(worst) {
			worst = i.Severity
		}
	}
	return worst
}

// sortIssues orders issues by place in the source, then by rule, so that
// output is the same whatever order the phases ran in. Fatal issues come
// first: the payload could not be read, and that is the cause to fix
// before anything reported beside it.
func sortIssues(issues []Issue) {
	sort.SliceStable(issues, func(a, b int) bool {
		x, y := issues[a], issues[b]
		if xf, yf := x.Severity == SeverityFatal, y.Severity == SeverityFatal; xf != yf {
			return xf
		}
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		if x.Column != y.Column {
			return x.Column < y.Column
		}
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Rule < y.Rule
	})
}

// Location renders "line:col" or "" when unknown.
func (i Issue) Location() string {
	if i.Line == 0 {
		return ""
	}
	return strconv.Itoa(i.Line) + ":" + strconv.Itoa(i.Column)
}
