package validate

import (
	"context"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// nativeInvariants are constraints checked in Go rather than through
// FHIRPath: ele-1 holds on every element (checked while walking the tree),
// bdl-7's FHIRPath form compares every entry with every other, which is
// quadratic in the size of a Bundle, and the narrative rules txt-1 and txt-2
// are a single opaque htmlchecks() in FHIRPath.
var nativeInvariants = map[string]string{
	"ele-1": "checked in Go on every element (rule " + RuleEmpty + ")",
	"bdl-7": "checked in Go in time linear in the entries (rule " + RuleFullURLUnique + ")",
	"txt-1": "checked in Go on the narrative XHTML, naming the element or attribute at fault",
	"txt-2": "checked in Go on the narrative XHTML",
}

// isNative reports whether key is among nativeInvariants: a switch, as
// it is asked of every primitive element (TestIsNativeMatchesTable keeps
// the two in step).
func isNative(key string) bool {
	switch key {
	case "ele-1", "bdl-7", "txt-1", "txt-2":
		return true
	}
	return false
}

// invariants evaluates the STU3 constraints of each node's definition and
// type with the project's FHIRPath engine. Compiled expressions are cached
// per constraint for the life of the Validator.
type invariants struct {
	m     *schemas.Model
	cache sync.Map // *schemas.Constraint -> *compiled
	// byElem caches checkablesFor: *schemas.Element -> *elemChecks. A
	// pointer key hashes fast; a struct key with the type name went
	// through the runtime's generic hash on every element.
	byElem  sync.Map
	storeMu sync.Mutex
	// maxSteps, when positive, is the budget of every evaluation in
	// place of one sized to the payload (tests force exhaustion with it).
	maxSteps int
}

// elemChecks lists the checkables of one definition per instance type;
// entries are never changed once stored, new types go in front.
type elemChecks struct {
	typ  string
	list []checkable
	next *elemChecks
}

type compiled struct {
	expr *fhirpath.Expression
	err  error
	// absent is the verdict on elements that lack the children the
	// expression reads, or nil when the expression reads more than that.
	absent *absentVerdict
	// decision reads the expression off the tree where it can, or is
	// nil when no part of it can be.
	decision *fhirpath.Decision
}

func newInvariants(m *schemas.Model) *invariants { return &invariants{m: m} }

// deciders keeps the buffers of the walks' decisions between payloads.
var deciders = sync.Pool{New: func() any { return fhirpath.NewDecider() }}

// probeSteps bounds the probe behind a reused verdict (absent.go). It is
// the least budget any payload gets (treepath.Budget), so that a probe
// that finishes within it stands for a full evaluation that would finish
// within the payload's budget too.
const probeSteps = treepath.MinSteps

func (inv *invariants) compile(c *schemas.Constraint) *compiled {
	if v, ok := inv.cache.Load(c); ok {
		return v.(*compiled)
	}
	e, err := fhirpath.Compile(c.Expression)
	comp := &compiled{expr: e, err: err}
	if err == nil {
		comp.absent = verdictWhenAbsent(e)
		comp.decision = e.Decision()
	}
	v, _ := inv.cache.LoadOrStore(c, comp)
	return v.(*compiled)
}

// constraintsFor returns the constraints that apply to a node: those of its
// element definition (through a contentReference, those of the element
// referred to: a nested Questionnaire.item meets que-6 as a top-level one
// does) and those of the root of its type (a Quantity-typed element
// carries qty-3 through its type, a nested resource its resource rules),
// each key once.
func (inv *invariants) constraintsFor(n *tree.Node) []*schemas.Constraint {
	var out []*schemas.Constraint
	seen := map[string]bool{}
	add := func(e *schemas.Element) {
		for _, c := range e.InstanceConstraints() {
			if !seen[c.Key] {
				seen[c.Key] = true
				out = append(out, c)
			}
		}
	}
	if n.Elem != nil {
		add(n.Elem)
	}
	if t := inv.m.Type(n.Type); t != nil && t.Kind != schemas.KindPrimitive && t.Root() != n.Elem {
		add(t.Root())
	}
	return out
}

// checkable is a constraint the FHIRPath phase evaluates, compiled.
type checkable struct {
	c        *schemas.Constraint
	expr     *fhirpath.Expression
	absent   *absentVerdict
	decision *fhirpath.Decision
}

// checkablesFor returns the compiled constraints to evaluate on a node,
// worked out once per definition and type: most elements have none but
// ele-1, which is checked natively, so the common case is an empty list.
func (inv *invariants) checkablesFor(n *tree.Node) []checkable {
	// Primitives, most of a payload, take no constraints from their type
	// and usually carry only ele-1: answer those without the cache.
	if n.Primitive != nil && (n.Elem == nil || onlyNative(n.Elem)) {
		return nil
	}
	if list, ok := inv.cached(n); ok {
		return list
	}
	var out []checkable
	for _, c := range inv.constraintsFor(n) {
		if isNative(c.Key) || c.Expression == "" {
			continue
		}
		if comp := inv.compile(c); comp.err == nil {
			out = append(out, checkable{c, comp.expr, comp.absent, comp.decision}) // a compile error is listed by Coverage
		}
	}
	inv.storeMu.Lock()
	defer inv.storeMu.Unlock()
	if list, ok := inv.cached(n); ok {
		return list // another goroutine was first
	}
	var head *elemChecks
	if v, ok := inv.byElem.Load(n.Elem); ok {
		head = v.(*elemChecks)
	}
	inv.byElem.Store(n.Elem, &elemChecks{typ: n.Type, list: out, next: head})
	return out
}

func (inv *invariants) cached(n *tree.Node) ([]checkable, bool) {
	v, ok := inv.byElem.Load(n.Elem)
	if !ok {
		return nil, false
	}
	for e := v.(*elemChecks); e != nil; e = e.next {
		if e.typ == n.Type {
			return e.list, true
		}
	}
	return nil, false
}

// onlyNative reports whether every constraint of e is checked natively.
func onlyNative(e *schemas.Element) bool {
	if e.ContentReference != "" {
		return false // its rules are those of the element it refers to
	}
	for _, r := range e.ConstraintRefs {
		if !isNative(e.Owner.Constraints[r].Key) {
			return false
		}
	}
	return true
}

// check judges the constraints under root, a tree of nodes elements (0:
// not counted, each counts them).
func (inv *invariants) check(ctx context.Context, root *tree.Node, nodes int, issues *[]Issue) {
	inv.each(ctx, root, nodes, func(n *tree.Node, c *schemas.Constraint, truth fhirpath.Truth, noVerdict *Issue) {
		switch {
		case noVerdict != nil:
			*issues = append(*issues, *noVerdict)
		case truth == fhirpath.False:
			sev := SeverityError
			if c.Severity == "warning" {
				sev = SeverityWarning
			}
			*issues = append(*issues, Issue{
				Severity: sev, Code: "invariant", Spine: SpineInvalidResource, Rule: "fhir:invariant:" + c.Key,
				Path: n.Path(), Line: n.Line, Column: n.Col,
				Message: "constraint " + c.Key + " failed: " + c.Human + " (" + c.Expression + ")",
			})
		}
	})
}

// each judges every constraint the FHIRPath phase evaluates at every
// element under root, and hands each verdict to visit: the truth, or the
// issue that says why there is none. The XPath oracle test sees the
// verdicts through it exactly as check does.
//
// Once ctx has ended the walk stops at the next element, and the
// evaluation under way within its next thousand steps.
func (inv *invariants) each(ctx context.Context, root *tree.Node, nodes int, visit func(n *tree.Node, c *schemas.Constraint, truth fhirpath.Truth, noVerdict *Issue)) {
	res := treepath.NewResolver(root)
	budget := inv.maxSteps
	switch {
	case budget > 0:
	case nodes > 0:
		budget = treepath.BudgetFor(nodes) // the structure walk counted them
	default:
		budget = treepath.Budget(root)
	}
	env := &fhirpath.Env{Resolver: res, BaseType: inv.baseType, MaxSteps: budget}
	dec := deciders.Get().(*fhirpath.Decider)
	defer deciders.Put(dec)
	var memo childMemo
	stop := false
	var walk func(n, resource *tree.Node)
	walk = func(n, resource *tree.Node) {
		if stop = stop || ctx.Err() != nil; stop {
			return
		}
		// A contained resource is judged with its container as %resource:
		// ref-1 looks for "#id" targets among %resource.contained.
		if n.Resource && n.Name != "contained" {
			resource = n
		}
		for _, ck := range inv.checkablesFor(n) {
			if ck.absent != nil && ck.absent.appliesTo(n, &memo) {
				visit(n, ck.c, ck.absent.truth, nil)
				continue
			}
			// A test of the element's own children is read off the
			// tree; the budget then cannot matter (a forced one, set
			// by tests, is left to the evaluator).
			if ck.decision != nil && inv.maxSteps <= 0 {
				if truth, ok := dec.Run(ck.decision, treepath.Of(n)); ok {
					visit(n, ck.c, truth, nil)
					continue
				}
			}
			env.Resource = treepath.Of(resource)
			v, err := ck.expr.Judge(ctx, treepath.Of(n), env)
			if err != nil || len(v.Unsupported) > 0 {
				// No verdict is not a pass.
				is := notEvaluated(ck.c, n, env.MaxSteps, v, err)
				visit(n, ck.c, fhirpath.Empty, &is)
				continue
			}
			visit(n, ck.c, v.Truth, nil)
		}
		for _, ch := range n.Children {
			walk(ch, resource)
		}
	}
	walk(root, root)
}

// notEvaluated is the issue for a constraint whose evaluation on n gave no
// verdict: it ran out of budget, failed, or reached a function the engine
// cannot evaluate. It is an error, so the payload is not passed unjudged,
// except for a constraint whose breach is itself only a warning.
func notEvaluated(c *schemas.Constraint, n *tree.Node, budget int, v fhirpath.Verdict, err error) Issue {
	code, why := fhirpath.NoVerdict(budget, v, err)
	sev := SeverityError
	if c.Severity == "warning" {
		sev = SeverityWarning
	}
	return Issue{
		Severity: sev, Code: code, Spine: SpineInvalidResource, Rule: "fhir:invariant:" + c.Key,
		Path: n.Path(), Line: n.Line, Column: n.Col,
		Message: "constraint " + c.Key + " was not evaluated: " + why + "; the element is not known to meet it (" + c.Expression + ")",
	}
}

func (inv *invariants) baseType(name string) string {
	if t := inv.m.Type(name); t != nil {
		if t.Profile != "" {
			return t.Profile
		}
		return t.Base
	}
	return ""
}

// ConstraintCoverage says how the STU3 constraints of the model are
// checked.
type ConstraintCoverage struct {
	// Total is the number of distinct constraints (by type and key).
	Total int
	// FHIRPath are evaluated through their FHIRPath expression.
	FHIRPath int
	// Native are checked by Go code instead (ele-1, bdl-7).
	Native int
	// NotEvaluated lists the others, with the reason.
	NotEvaluated []UncheckedConstraint
}

// UncheckedConstraint is a constraint nemsfhir does not evaluate.
type UncheckedConstraint struct {
	Type, Key, Expression, Reason string
}

// Coverage reports, for every constraint of every type in the model, whether
// the validator evaluates it.
func Coverage(m *schemas.Model) ConstraintCoverage {
	var cov ConstraintCoverage
	for _, name := range m.TypeNames() {
		t := m.Type(name)
		for _, c := range t.Constraints {
			if c.Source != "" && path.Base(c.Source) != name && c.Key != "ele-1" {
				// Inherited from another type (dom-* from DomainResource):
				// counted once, where it is declared.
				continue
			}
			if c.Key == "ele-1" && name != "Element" {
				continue
			}
			cov.Total++
			if isNative(c.Key) {
				cov.Native++
				continue
			}
			if c.Expression == "" {
				cov.NotEvaluated = append(cov.NotEvaluated, UncheckedConstraint{name, c.Key, c.Expression, "no FHIRPath expression in the package"})
				continue
			}
			e, err := fhirpath.Compile(c.Expression)
			if err != nil {
				cov.NotEvaluated = append(cov.NotEvaluated, UncheckedConstraint{name, c.Key, c.Expression, "expression does not parse: " + err.Error()})
				continue
			}
			if fns := e.UnsupportedCalls(); len(fns) > 0 {
				cov.NotEvaluated = append(cov.NotEvaluated, UncheckedConstraint{name, c.Key, c.Expression, "uses " + strings.Join(fns, "(), ") + "(), which needs profiles or a terminology service"})
				continue
			}
			cov.FHIRPath++
		}
	}
	sort.Slice(cov.NotEvaluated, func(i, j int) bool {
		a, b := cov.NotEvaluated[i], cov.NotEvaluated[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Key < b.Key
	})
	return cov
}
