// Package profiles holds what nemsfhir checks beyond base FHIR STU3: the
// NEMS rule packs (declarative data, embedded, extendable by users) and the
// loader of FHIR StructureDefinitions used as profiles.
package profiles

import "github.com/nemsfhir/nemsfhir/internal/tree"

// Finding is one rule broken by a payload. Package validate turns findings
// into its Issues; the fields mirror validate.Issue so that nothing is lost
// on the way, without profiles importing validate.
type Finding struct {
	// Rule is the id of the rule broken, e.g. "nems:G12" or
	// "profile:EMS-Subscription-1:cardinality".
	Rule string
	// Severity is fatal, error, warning or information.
	Severity string
	// IssueType is the FHIR IssueType code (invalid, structure, value,
	// code-invalid, business-rule, not-supported, ...).
	IssueType string
	// SpineCode is the Spine ErrorOrWarning code NEMS answers with.
	SpineCode string
	// HTTPStatus is the status NEMS answers with.
	HTTPStatus int
	// Path is the FHIR path of the element at fault, with indexes.
	Path string
	// Line and Column locate it in the source, 0 when unknown.
	Line, Column int
	// Message says what was found and what was expected.
	Message string
}

// At returns f placed on node n: its path, line and column.
func (f Finding) At(n *tree.Node) Finding {
	if n != nil {
		f.Path, f.Line, f.Column = n.Path(), n.Line, n.Col
	}
	return f
}
