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
	"time"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Set by package profiles.
var (
	// CheckRules runs rules, a *profiles.RuleSet, over the payload root
	// described by in, and returns the findings ordered
	// by position. It stops early when ctx is done.
	CheckRules func(ctx context.Context, rules any, root *tree.Node, in Input) []issue.Issue
	// DetectKind says what the payload root is to NEMS: event-message,
	// subscription or resource, with the event code and life cycle of an
	// event message.
	DetectKind func(root *tree.Node) (kind, eventCode, lifecycle string)
)

// Set by package structuredef; reg is a *structuredef.Registry.
var (
	// CheckProfiles checks the resources under root against the profiles
	// they claim, the root also against extraProfiles, and every extension
	// whose definition reg holds. It stops early when ctx is done, and
	// what it returns is then partial.
	CheckProfiles func(ctx context.Context, reg any, root *tree.Node, extraProfiles []string) []issue.Issue
	// CheckExtensions checks the extensions listed (every node of type
	// Extension under root, in the order of tree.Node.Walk) whose
	// definition reg holds, except those skip names, and stops as
	// CheckProfiles does.
	CheckExtensions func(ctx context.Context, reg any, root *tree.Node, extensions []*tree.Node, skip func(url string) bool) []issue.Issue
	// Questionnaire returns the loaded Questionnaire that ref names, nil
	// when none does. The tree is shared: callers must not change it.
	Questionnaire func(reg any, ref string) *tree.Node
	// UnjudgedBinding tells whether a finding of these checks says that
	// codes bound to a value set were not judged offline, and returns that
	// value set and why.
	UnjudgedBinding func(f issue.Issue) (valueSet, why string, ok bool)
)

// Input describes a payload to the rule packs. The rules read Kind, Event
// and Lifecycle from the payload when they are empty, unless Detected.
type Input struct {
	// Detected says that Kind, Event and Lifecycle are what DetectKind
	// answered for this payload (Kind perhaps set by the caller instead),
	// so that the rules do not read the payload for them again.
	Detected bool
	// Kind is event-message, subscription or resource.
	Kind string
	// Event is the EventType-1 code of an event message.
	Event string
	// Lifecycle is new, update or delete for an event message.
	Lifecycle string
	// Interaction is the subscription interaction a Subscription belongs
	// to: rules limited to create (id and meta forbidden) run only for
	// issue.SubscriptionCreate; the packs' appliesTo.interaction names it
	// by its Verb.
	Interaction issue.Interaction
	// Format is xml or json; element order (G04) is only checked for XML.
	// Empty means XML, the format NEMS accepts for publication.
	Format string
	// Size is the payload size in bytes, for G24; 0 skips the check.
	Size int64
	// ContentType is the request Content-Type, for G25; empty skips it.
	ContentType string
	// Now is the clock for date arithmetic; zero means time.Now.
	Now time.Time
}
