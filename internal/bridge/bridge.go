// Package bridge carries, inside the module, what the public packages must
// not show in their API: checks that work on the parsed element tree
// (internal/tree), which code outside the module cannot build. Package
// validate parses each payload once and hands the tree to the rule packs
// and profiles through the functions here, which packages profiles and
// structuredef set when they are initialised. Users reach the same checks
// through validate.
//
// The owners' types travel as any, since this package cannot import
// them: a function here takes only the type its comment names.
package bridge

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Set by package profiles.
var (
	// CheckRules runs rules, a *profiles.RuleSet, over the payload root
	// described by in, a profiles.Input, and returns the findings ordered
	// by position. It stops early when ctx is done.
	CheckRules func(ctx context.Context, rules any, root *tree.Node, in any) []issue.Issue
	// DetectKind says what the payload root is to NEMS: event-message,
	// subscription or resource, with the event code and life cycle of an
	// event message.
	DetectKind func(root *tree.Node) (kind, eventCode, lifecycle string)
)

// Set by package structuredef; reg is a *structuredef.Registry.
var (
	// CheckProfiles checks the resources under root against the profiles
	// they claim, the root also against extraProfiles, and every extension
	// whose definition reg holds.
	CheckProfiles func(reg any, root *tree.Node, extraProfiles []string) []issue.Issue
	// CheckExtensions checks every extension under root whose definition
	// reg holds, except those skip names.
	CheckExtensions func(reg any, root *tree.Node, skip func(url string) bool) []issue.Issue
	// Questionnaire returns the loaded Questionnaire that ref names, nil
	// when none does. The tree is shared: callers must not change it.
	Questionnaire func(reg any, ref string) *tree.Node
)
