// Package validate checks FHIR STU3 payloads the way NEMS would: the base
// STU3 rules first (structure, datatypes, bindings, invariants, references,
// schema), then the NEMS rule packs. Every problem becomes an Issue that says
// where it is (FHIR path, line, column), which rule it breaks, and what NEMS
// would answer (Spine ErrorOrWarning code, FHIR issue type).
package validate

import (
	"sort"
	"time"

	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Severity is the FHIR issue severity ([issue.Severity]).
type Severity = issue.Severity

// The severities, worst first.
const (
	SeverityFatal       = issue.SeverityFatal
	SeverityError       = issue.SeverityError
	SeverityWarning     = issue.SeverityWarning
	SeverityInformation = issue.SeverityInformation
)

// Issue is one problem found in a payload ([issue.Issue]): where it is
// (FHIR path, line, column, byte offset), which rule it breaks, and what
// NEMS would answer.
type Issue = issue.Issue

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
