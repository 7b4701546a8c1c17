// Package profiles holds what nemsfhir checks beyond base FHIR STU3: the
// NEMS rule packs (declarative data, embedded, extendable by users) and the
// loader of FHIR StructureDefinitions used as profiles. What a rule finds
// is an [issue.Issue], the type every check of nemsfhir reports.
package profiles

import (
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// finding is the issue of rule at n (nowhere when n is nil), at the path
// the caller has made.
func finding(rule *Rule, n *tree.Node, path, msg string) issue.Issue {
	is := issue.Issue{Severity: rule.Severity, Code: rule.IssueType, Spine: rule.SpineCode, Rule: rule.ID, Message: msg}
	if n != nil {
		is.Path, is.Line, is.Column = path, n.Line, n.Col
	}
	return is
}
