package profiles

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/criteria"
	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// RuleSet is a compiled, ordered set of rules from one or more packs. It is
// immutable once built and safe for concurrent use: one set serves the
// validators of many goroutines.
type RuleSet struct {
	packs    []PackInfo
	rules    []*Rule // active rules, in pack order
	byID     map[string]*Rule
	disabled map[string]string // id -> pack that disabled it
	crit     *criteria.Checker

	// active are the rules not disabled, in order; byInput caches which
	// of them apply to each kind of payload seen (see applicable).
	active  []*Rule
	byInput *applicableCache
	// maxSteps, when positive, is the budget of every evaluation in place
	// of one sized to the payload (tests force exhaustion with it).
	maxSteps int
	// noPlans sends every expression to the evaluator, and comparePlans,
	// when set, is shown each plan's answer beside the evaluator's (tests
	// of the plans, see runPlan).
	noPlans      bool
	comparePlans func(e *fhirpath.Expression, at *tree.Node, plan, eval fhirpath.Collection, evalOK bool)
	// typeIDs numbers the resource types the active rules run on or
	// select from entry.resource (typeNames in order), for the index a
	// run makes of the payload's resources (see run.index).
	typeIDs   map[string]int
	typeNames []string
	// memoize numbers the expressions whose text several active rules
	// share (from 1, one number per text); Check keeps their results for
	// the other rules.
	memoize map[*fhirpath.Expression]int
}

// applicableCache remembers the rules that apply per payload description,
// so that Check decides appliesTo once per kind of payload rather than once
// per rule and payload. It stops growing at maxApplicable entries, as the
// event codes come from the payloads.
type applicableCache struct {
	mu sync.RWMutex
	m  map[appliesKey][]applicableRule
}

// applicableRule is a rule that applies, with the number of the resource
// type it runs on (RuleSet.typeIDs), or -1 when it names none or a
// profile.
type applicableRule struct {
	*Rule
	typeID int
	// memo are the numbers RuleSet.memoize gives the rule's context, path
	// and expression (0 for none).
	memo [3]int
}

type appliesKey struct{ kind, event, lifecycle, interaction string }

const maxApplicable = 1024

// applicable returns the active rules that apply to in, in order.
func (rs *RuleSet) applicable(in input) []applicableRule {
	k := appliesKey{in.Kind, in.Event, in.Lifecycle, in.Interaction.Verb()}
	c := rs.byInput
	c.mu.RLock()
	out, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return out
	}
	out = []applicableRule{}
	for _, r := range rs.active {
		if r.applies(in) {
			id, ok := rs.typeIDs[r.AppliesTo.ResourceType]
			if !ok || r.AppliesTo.Profile != "" {
				id = -1
			}
			out = append(out, applicableRule{r, id, [3]int{rs.memoize[r.ctxExpr], rs.memoize[r.pathExpr], rs.memoize[r.expr]}})
		}
	}
	c.mu.Lock()
	if len(c.m) < maxApplicable {
		c.m[k] = out
	}
	c.mu.Unlock()
	return out
}

// PackInfo describes a loaded pack for listings.
type PackInfo struct {
	Name, Description, File string
	// Rules is the number of rules the pack defines (overrides included).
	Rules int
	// Disabled lists the rule ids the pack switches off.
	Disabled []string
}

// NewRuleSet builds a rule set from packs, in order. A rule whose id is
// already defined by an earlier pack must say "override": true and then
// replaces it in place; a pack's disable list switches off rules of this or
// earlier packs.
func NewRuleSet(packs ...*Pack) (*RuleSet, error) {
	rs := &RuleSet{byID: map[string]*Rule{}, disabled: map[string]string{}}
	return rs.with(packs)
}

// With returns a new rule set: rs followed by packs. rs is not changed.
func (rs *RuleSet) With(packs ...*Pack) (*RuleSet, error) {
	out := rs.clone()
	return out.with(packs)
}

// Merge returns a new rule set holding the packs of rs followed by those of
// others, with the same override and disable rules as NewRuleSet.
func (rs *RuleSet) Merge(others ...*RuleSet) (*RuleSet, error) {
	out := rs.clone()
	var errs LoadErrors
	for _, o := range others {
		for _, r := range o.allRules() {
			if err := out.add(r); err != nil {
				errs = append(errs, err)
			}
		}
		for id, by := range o.disabled {
			out.disabled[id] = by
		}
		out.packs = append(out.packs, o.packs...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out.finish()
	return out, nil
}

func (rs *RuleSet) clone() *RuleSet {
	out := &RuleSet{
		packs:    append([]PackInfo(nil), rs.packs...),
		rules:    append([]*Rule(nil), rs.rules...),
		byID:     make(map[string]*Rule, len(rs.byID)),
		disabled: make(map[string]string, len(rs.disabled)),
	}
	for k, v := range rs.byID {
		out.byID[k] = v
	}
	for k, v := range rs.disabled {
		out.disabled[k] = v
	}
	return out
}

// allRules returns every rule, the disabled ones included.
func (rs *RuleSet) allRules() []*Rule { return rs.rules }

func (rs *RuleSet) add(r *Rule) *LoadError {
	if old, ok := rs.byID[r.ID]; ok {
		if !r.Override {
			return &LoadError{File: r.File, Line: r.Line, Column: 1, Rule: r.ID,
				Msg: fmt.Sprintf("rule id already defined by pack %s (%s:%d); set \"override\": true to replace it", old.Pack, old.File, old.Line)}
		}
		for i, x := range rs.rules {
			if x == old {
				rs.rules[i] = r
			}
		}
		rs.byID[r.ID] = r
		return nil
	}
	rs.byID[r.ID] = r
	rs.rules = append(rs.rules, r)
	return nil
}

func (rs *RuleSet) with(packs []*Pack) (*RuleSet, error) {
	var errs LoadErrors
	for _, p := range packs {
		for _, r := range p.Rules {
			if err := rs.add(r); err != nil {
				errs = append(errs, err)
			}
		}
		for i, id := range p.Disable {
			if _, ok := rs.byID[id]; !ok && !isCriteriaRule(id) {
				line := 0
				if i < len(p.disableLines) {
					line = p.disableLines[i]
				}
				errs = append(errs, &LoadError{File: p.File, Line: line, Column: 1, Rule: id, Msg: "cannot disable: no rule has this id"})
				continue
			}
			rs.disabled[id] = p.Name
		}
		rs.packs = append(rs.packs, PackInfo{Name: p.Name, Description: p.Description, File: p.File, Rules: len(p.Rules), Disabled: p.Disable})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	rs.finish()
	return rs, nil
}

// finish derives what depends on the whole set: the criteria checker takes
// the life-cycle states of event types from the 4.2 rules.
func (rs *RuleSet) finish() {
	rs.crit = criteria.New(criteria.Options{Lifecycle: rs.eventLifecycle()})
	rs.active = rs.Rules()
	rs.byInput = &applicableCache{m: map[appliesKey][]applicableRule{}}
	uses := map[string]int{}
	for _, r := range rs.active {
		for _, e := range [...]*fhirpath.Expression{r.ctxExpr, r.pathExpr, r.expr} {
			if e != nil {
				uses[e.String()]++
			}
		}
	}
	rs.typeIDs, rs.typeNames = map[string]int{}, nil
	addType := func(t string) {
		if _, ok := rs.typeIDs[t]; !ok && t != "" {
			rs.typeIDs[t] = len(rs.typeNames)
			rs.typeNames = append(rs.typeNames, t)
		}
	}
	for _, r := range rs.active {
		addType(r.AppliesTo.ResourceType)
		for _, e := range [...]*fhirpath.Expression{r.ctxExpr, r.pathExpr, r.expr} {
			if e != nil {
				planTypes(e.Plan(), addType)
			}
		}
	}
	ids := map[string]int{}
	rs.memoize = map[*fhirpath.Expression]int{}
	for _, r := range rs.active {
		for _, e := range [...]*fhirpath.Expression{r.ctxExpr, r.pathExpr, r.expr} {
			if e == nil || uses[e.String()] < 2 {
				continue
			}
			id, ok := ids[e.String()]
			if !ok {
				id = len(ids) + 1
				ids[e.String()] = id
			}
			rs.memoize[e] = id
		}
	}
}

func isCriteriaRule(id string) bool {
	for _, r := range criteria.Rules() {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Packs lists the loaded packs in load order.
func (rs *RuleSet) Packs() []PackInfo { return append([]PackInfo(nil), rs.packs...) }

// Rules lists the active rules (disabled ones left out) in load order.
func (rs *RuleSet) Rules() []*Rule {
	var out []*Rule
	for _, r := range rs.rules {
		if _, off := rs.disabled[r.ID]; !off {
			out = append(out, r)
		}
	}
	return out
}

// Rule returns the rule with the given id, active or not.
func (rs *RuleSet) Rule(id string) (*Rule, bool) {
	r, ok := rs.byID[id]
	return r, ok
}

// Disabled reports whether id is switched off, and by which pack.
func (rs *RuleSet) Disabled(id string) (pack string, off bool) {
	pack, off = rs.disabled[id]
	return
}

// Explanation is what Explain says about a rule.
type Explanation struct {
	// Rule is the rule. For a rule of the criteria grammar it holds the
	// id, summary, severity and what NEMS answers, and nothing else.
	Rule *Rule
	// Criteria is set for the rules of the criteria grammar (ids
	// "criteria:..."), which the built-in check criteria reports.
	Criteria bool
	// Disabled names the pack that switched the rule off, if any.
	Disabled string
	// Section is the source section, numbered as in the traceability
	// matrix; GuideSource names the guide pages behind it.
	Section string
	// Example is a failing example (a snippet or "corpus:<file>").
	Example string
	// Rows are the rows of the traceability matrix that name the rule,
	// with the choices made where the guide is ambiguous.
	Rows []TraceRow
}

// Explain describes the rule with the given id: the rule itself, its source
// section and a failing example. ok is false for an unknown id.
func (rs *RuleSet) Explain(id string) (Explanation, bool) {
	if r, ok := rs.byID[id]; ok {
		return Explanation{Rule: r, Disabled: rs.disabled[id], Section: r.Section, Example: r.Example, Rows: TraceRowsFor(id)}, true
	}
	for _, cr := range criteria.Rules() {
		if cr.ID == id {
			r := &Rule{ID: cr.ID, Severity: cr.Severity, Section: "7.3", Summary: cr.Summary,
				IssueType: cr.IssueType, SpineCode: cr.SpineCode, HTTPStatus: cr.HTTPStatus}
			return Explanation{Rule: r, Criteria: true, Disabled: rs.disabled[id], Section: r.Section, Example: criteriaExamples[id], Rows: TraceRowsFor(id)}, true
		}
	}
	return Explanation{}, false
}

// writeSource writes where the rule comes from: the NEMS guide pages and
// the section number the traceability matrix uses.
func (e Explanation) writeSource(b *strings.Builder) {
	if g := GuideSource(e.Section); g != "" {
		fmt.Fprintf(b, "  NEMS guide:  %s\n", g)
	}
	fmt.Fprintf(b, "  section:     %s (as numbered in profiles/traceability.tsv)\n", e.Section)
}

// Format renders the explanation for people.
func (e Explanation) Format() string {
	var b strings.Builder
	if e.Criteria {
		c := e.Rule
		fmt.Fprintf(&b, "%s  (criteria grammar, reported by the built-in check criteria)\n", c.ID)
		fmt.Fprintf(&b, "  severity:    %s\n  issue type:  %s\n  Spine code:  %s\n  HTTP status: %d\n", c.Severity, c.IssueType, orDash(string(c.SpineCode)), c.HTTPStatus)
		fmt.Fprintf(&b, "  summary:     %s\n", c.Summary)
		e.writeSource(&b)
	} else {
		r := e.Rule
		fmt.Fprintf(&b, "%s  (pack %s, %s:%d)\n", r.ID, r.Pack, r.File, r.Line)
		fmt.Fprintf(&b, "  summary:     %s\n", r.Summary)
		e.writeSource(&b)
		fmt.Fprintf(&b, "  severity:    %s\n  issue type:  %s\n  Spine code:  %s\n  HTTP status: %d\n", r.Severity, r.IssueType, orDash(string(r.SpineCode)), r.HTTPStatus)
		fmt.Fprintf(&b, "  applies to:  %s\n", r.AppliesTo)
		if r.Context != "" {
			fmt.Fprintf(&b, "  context:     %s\n", r.Context)
		}
		fmt.Fprintf(&b, "  check:       %s\n", r.Check.describe())
		fmt.Fprintf(&b, "  message:     %s\n", r.Message)
	}
	if e.Disabled != "" {
		fmt.Fprintf(&b, "  DISABLED by pack %s\n", e.Disabled)
	}
	if len(e.Rows) > 0 {
		b.WriteString("  guide rows:  (profiles/traceability.tsv)\n")
		for _, r := range e.Rows {
			fmt.Fprintf(&b, "    %s  %s\n", r.ID, r.Summary)
			if r.Note != "" {
				fmt.Fprintf(&b, "      %s\n", r.Note)
			}
		}
	}
	if e.Example != "" {
		b.WriteString("  failing example:\n")
		for _, l := range strings.Split(strings.TrimRight(e.Example, "\n"), "\n") {
			b.WriteString("    " + l + "\n")
		}
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// describe renders a check on one line.
func (c *Check) describe() string {
	switch c.Type {
	case CheckCardinality:
		min := 0
		if c.Min != nil {
			min = *c.Min
		}
		max := c.Max
		if max == "" {
			max = "*"
		}
		return fmt.Sprintf("cardinality %d..%s of %s", min, max, c.Path)
	case CheckFixed:
		return fmt.Sprintf("%s fixed to %q", c.Path, c.Value)
	case CheckPattern:
		return fmt.Sprintf("%s matches /%s/", c.Path, c.Regex)
	case CheckCode:
		s := fmt.Sprintf("%s in {%s}", c.Path, strings.Join(c.Codes, ", "))
		if c.System != "" {
			s += " of " + c.System
		}
		return s
	case CheckExpression:
		return "FHIRPath " + c.Expression
	case CheckBuiltin:
		s := "built-in " + c.Name
		if c.Path != "" {
			s += " on " + c.Path
		}
		if len(c.Params) > 0 {
			s += " " + string(c.Params)
		}
		return s
	}
	return c.Type
}

// criteriaExamples are failing criteria strings for Explain.
var criteriaExamples = map[string]string{
	criteria.RuleKindMissing:         "/Bundle?type=message&Organization.identifier=X2458&MessageHeader.event=pds-change-of-gp-1",
	criteria.RuleEventUnknown:        "/Bundle?type=message&subscriptionRuleType=CHO_POSTCODE_CCG&Organization.identifier=X2458&MessageHeader.event=pds-person-death-1",
	criteria.RuleNHSNumberCheckDigit: "/Bundle?type=message&Patient.identifier=http://fhir.nhs.net/Id/nhs-number|6101231234&MessageHeader.event=pds-change-of-gp-1",
	criteria.RuleEventCardinality:    "corpus:subscription-read-response.xml",
}

// ruleIDs returns the ids of rules sorted, for tests and listings.
func ruleIDs(rules []*Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.ID
	}
	sort.Strings(out)
	return out
}

// planTypes calls add with the type of each ofType() step of p, its
// conditions included.
func planTypes(p *fhirpath.Plan, add func(string)) {
	if p == nil {
		return
	}
	var steps func([]fhirpath.Step)
	var cond func(*fhirpath.Cond)
	steps = func(ss []fhirpath.Step) {
		for _, s := range ss {
			if s.Kind == fhirpath.StepOfType {
				add(s.Name)
			}
			cond(s.Cond)
		}
	}
	cond = func(c *fhirpath.Cond) {
		if c == nil {
			return
		}
		steps(c.Path)
		cond(c.L)
		cond(c.R)
	}
	steps(p.Steps)
	cond(p.Test)
	for _, u := range p.Union {
		steps(u.Steps)
	}
}
