package profiles

import (
	"encoding/json"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Kinds of payload a rule can apply to, as validate.Result.Kind and AppliesTo.Kind
// spell them.
const (
	KindEventMessage = "event-message"
	KindSubscription = "subscription"
	KindResource     = "resource"
)

// Check types of a rule (Check.Type).
const (
	CheckCardinality = "cardinality"
	CheckFixed       = "fixed"
	CheckPattern     = "pattern"
	CheckCode        = "code"
	CheckExpression  = "expression"
	CheckBuiltin     = "builtin"
)

// Rule is one NEMS rule of a pack: what it applies to, what it checks and
// what NEMS answers when a payload breaks it. The JSON form is the pack
// format (see README.md and packschema.json).
type Rule struct {
	// ID is stable and unique in a RuleSet: "nems:G12",
	// "nems:6.2:organization-count", "nems:sub:contact-system".
	ID string `json:"id"`
	// Severity is fatal, error, warning or information.
	Severity issue.Severity `json:"severity"`
	// Section is the section the rule comes from, numbered as in
	// traceability.tsv; GuideSource names the NEMS guide pages behind it.
	Section string `json:"section"`
	// Summary is one line for listings.
	Summary string `json:"summary"`
	// AppliesTo limits the payloads the rule runs on.
	AppliesTo AppliesTo `json:"appliesTo"`
	// Context is a FHIRPath expression selecting the nodes the check runs
	// on, evaluated on each resource AppliesTo selects (the root when it
	// names no resource type or profile). Empty means that resource itself.
	Context string `json:"context,omitempty"`
	// Check is what must hold at each context node.
	Check Check `json:"check"`
	// IssueType, SpineCode and HTTPStatus are what NEMS answers with.
	IssueType  string          `json:"issueType"`
	SpineCode  issue.SpineCode `json:"spineCode,omitempty"`
	HTTPStatus int             `json:"httpStatus"`
	// Message is the text of a finding; {found}, {expected}, {count},
	// {path}, {event} and {lifecycle} are replaced.
	Message string `json:"message"`
	// Example is a short failing example: an XML snippet, or
	// "corpus:<file>" naming a file of the NEMS example corpus that breaks
	// the rule.
	Example string `json:"example,omitempty"`
	// Override must be set by a user pack rule that replaces a rule of the
	// same id already loaded.
	Override bool `json:"override,omitempty"`
	// Restates names the base STU3 rule ("fhir:element-order") that
	// already reports what this rule finds; the validator then keeps the
	// base issue and drops this rule's finding on the same line, so that
	// one defect is reported once.
	Restates string `json:"restates,omitempty"`

	// Pack is the name of the pack that defined the rule; File and Line
	// where (set by the loader).
	Pack string `json:"-"`
	File string `json:"-"`
	Line int    `json:"-"`

	ctxExpr  *fhirpath.Expression
	pathExpr *fhirpath.Expression
	expr     *fhirpath.Expression
	re       *memoRegexp
	builtin  *builtinCheck
	params   any // decoded builtin parameters
}

// AppliesTo says which payloads a rule runs on. Every non-empty field must
// match; empty fields match everything.
type AppliesTo struct {
	// Kind lists event-message, subscription or resource.
	Kind []string `json:"kind,omitempty"`
	// Events lists EventType-1 codes (event messages only).
	Events []string `json:"events,omitempty"`
	// Lifecycle lists new, update or delete (event messages only).
	Lifecycle []string `json:"lifecycle,omitempty"`
	// Interaction lists create or read (subscriptions only).
	Interaction []string `json:"interaction,omitempty"`
	// ResourceType runs the rule once on each resource of that type in the
	// payload (the root and Bundle entries).
	ResourceType string `json:"resourceType,omitempty"`
	// Profile runs the rule once on each resource whose meta.profile holds
	// this canonical URL.
	Profile string `json:"profile,omitempty"`
	// Except states relaxations: the rule does not run on payloads that
	// match any of them (e.g. the delete messages of the screening events).
	Except []AppliesTo `json:"except,omitempty"`
}

// Check is the test of a rule. Type says which of the other fields apply:
//
//   - cardinality: Path selects a collection whose size must be within
//     Min..Max (Max "*" or absent for no upper bound);
//   - fixed: every item Path selects must equal Value;
//   - pattern: every item Path selects must match Regex (anchored);
//   - code: every item Path selects (a code, Coding or CodeableConcept)
//     must carry one of Codes, in System when System is set;
//   - expression: Expression must not be false (an empty result passes
//     unless EmptyFails);
//   - builtin: the Go check Name runs with Params.
type Check struct {
	Type       string          `json:"type"`
	Path       string          `json:"path,omitempty"`
	Min        *int            `json:"min,omitempty"`
	Max        string          `json:"max,omitempty"`
	Value      string          `json:"value,omitempty"`
	Regex      string          `json:"regex,omitempty"`
	Codes      []string        `json:"codes,omitempty"`
	System     string          `json:"system,omitempty"`
	Expression string          `json:"expression,omitempty"`
	EmptyFails bool            `json:"emptyFails,omitempty"`
	Name       string          `json:"name,omitempty"`
	Params     json.RawMessage `json:"params,omitempty"`

	max int // -1 for no upper bound
}

// applies reports whether the rule runs on a payload described by in.
func (r *Rule) applies(in input) bool {
	if !r.AppliesTo.matches(in) {
		return false
	}
	for i := range r.AppliesTo.Except {
		if r.AppliesTo.Except[i].matches(in) {
			return false
		}
	}
	return true
}

func (a *AppliesTo) matches(in input) bool {
	return matchAny(a.Kind, in.Kind) && matchAny(a.Events, in.Event) &&
		matchAny(a.Lifecycle, in.Lifecycle) && matchAny(a.Interaction, in.Interaction.Verb())
}

// matchAny reports whether v is in list; an empty list matches anything,
// and a list never matches an empty value.
func matchAny(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// String renders AppliesTo for listings, e.g.
// "event-message pds-change-of-address-1 new Patient".
func (a AppliesTo) String() string {
	var parts []string
	add := func(list []string) {
		if len(list) > 0 {
			parts = append(parts, joinComma(list))
		}
	}
	add(a.Kind)
	add(a.Events)
	add(a.Lifecycle)
	add(a.Interaction)
	if a.ResourceType != "" {
		parts = append(parts, a.ResourceType)
	}
	if a.Profile != "" {
		parts = append(parts, a.Profile)
	}
	for _, e := range a.Except {
		parts = append(parts, "except ("+e.String()+")")
	}
	if len(parts) == 0 {
		return "all"
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out += " " + p
	}
	return out
}

func joinComma(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
