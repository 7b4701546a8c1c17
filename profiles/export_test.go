package profiles

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Check is check without a deadline, the form the tests use.
func (rs *RuleSet) Check(root *tree.Node, in input) []issue.Issue {
	return rs.check(context.Background(), root, in)
}

// Input is input, for the tests.
type Input = input

// DetectKind is detectKind, for the tests.
var DetectKind = detectKind
