package fhirpath

import "regexp"

// A Plan is an expression made only of steps a caller can take on its own
// tree without the evaluator: navigation by name, ofType() of a type
// without subtypes, where() on equality with a string, startsWith() or
// exists(), extension(url), first(), descendants().ofType(T) of the focus,
// and a final exists() or empty(); or the union (|) of such paths; or a
// condition on the focus, which may also test all() items and their type
// (is). Rule packs are mostly such paths, and taking them directly costs
// a fraction of an evaluation.
//
// Running a plan gives what [Expression.Evaluate] gives when Env.BaseType
// is nil and the budget cannot run out, provided the caller follows the
// rules each step states and hands the expression to the evaluator
// whenever a step meets an item the rules do not cover.
type Plan struct {
	// Var names the external constant the path starts from ("header" for
	// %header); empty for the focus.
	Var string
	// Steps are taken in order.
	Steps []Step
	// Exists and Empty mark a final exists() or empty(): the result is
	// then one Boolean, whether the steps found anything (or nothing).
	Exists, Empty bool
	// Test, when set, is the whole expression instead of Steps: a
	// condition read on the focus, whose result is one Boolean, or
	// nothing when it is empty.
	Test *Cond
	// Union, when set, is the whole expression instead of Steps: the
	// operands of |, each a plan of Var and Steps alone, taken in turn.
	// The result is their elements in order, each element once (a second
	// occurrence of the same element is left out). An element with a
	// value is compared by value instead: when more than one of the
	// elements found has a value, hand the expression to the evaluator.
	Union []*Plan
}

// StepKind says what a Step does.
type StepKind int

// The steps of a Plan.
const (
	// StepChild: the children called Name, as the evaluator navigates (a
	// choice element answers to its base name too).
	StepChild StepKind = iota
	// StepOfType: the items whose FHIR type is Name exactly (Name has no
	// subtypes among the built-in types).
	StepOfType
	// StepWhere: the items for which Cond is true.
	StepWhere
	// StepFirst: the first item, if any.
	StepFirst
	// StepExtension: the extension children with a url child whose value
	// is Name.
	StepExtension
	// StepDescendantsOfType: the descendants of the focus (a single item,
	// as the step is only planned at the start of a path), in document
	// order, whose FHIR type is Name exactly.
	StepDescendantsOfType
	// StepResolve: what Env.Resolver finds for each item, in order,
	// duplicates kept: an item with a value refers by that text, looked up
	// from no element; any other by the text of its one reference child
	// (even without a value), looked up from the item; an empty text
	// refers to nothing.
	StepResolve
)

// Step is one step of a Plan.
type Step struct {
	Kind StepKind
	Name string
	Cond *Cond // StepWhere
}

// CondKind says what a Cond tests.
type CondKind int

// The conditions of a where() step, each read on one item ($this) with
// FHIRPath's three-valued logic (true, false or empty).
const (
	// CondEquals: Path from the item finds nothing (empty), more than
	// one item (false), or one whose value as text equals Text. An item
	// without a value is not covered: hand the expression to the
	// evaluator.
	CondEquals CondKind = iota
	// CondStartsWith: the item's value starts with Text; an item without
	// a value is not covered.
	CondStartsWith
	// CondExists: Path from the item finds something.
	CondExists
	// CondAnd, CondOr and CondImplies combine L and R.
	CondAnd
	CondOr
	CondImplies
	// CondEmpty: Path from the item finds nothing.
	CondEmpty
	// CondMatches: Path from the item finds nothing (empty), or one item
	// whose value Re matches; more than one item, or one without a value,
	// is not covered.
	CondMatches
	// CondAll: L is true for every item Path finds from the item (true
	// when it finds none); false as soon as L is false or empty for one,
	// the items after it left unread.
	CondAll
	// CondIs: Path from the item ($this when empty) finds nothing
	// (empty), or one element whose FHIR type is Text exactly (Text has
	// no subtypes among the built-in types) or not; more than one item is
	// an evaluation error, not covered.
	CondIs
)

// Cond is the condition of a where() step.
type Cond struct {
	Kind CondKind
	// Path is taken from the item ($this when empty); never a Var, an
	// exists() or an empty().
	Path []Step
	Text string
	// L and R are the operands of CondAnd, CondOr and CondImplies; L is
	// the condition of CondAll.
	L, R *Cond
	// Re is Text compiled as matches() compiles it (CondMatches).
	Re *regexp.Regexp
}

// maxPlanSteps bounds the steps of a plan, conditions included, so that a
// plan stays far within the budget an evaluation would have.
const maxPlanSteps = 24

// Plan returns the plan of e, or nil when e uses anything a plan cannot
// express. The plan is made once, when e is compiled.
func (e *Expression) Plan() *Plan { return e.plan }

func planOf(root expr) *Plan {
	var p Plan
	if c, ok := root.(*callExpr); ok && len(c.args) == 0 && (c.name == "exists" || c.name == "empty") && c.recv != nil {
		p.Exists, p.Empty = c.name == "exists", c.name == "empty"
		root = c.recv
	}
	// A condition on the focus: tests joined by and, or, implies.
	if b, ok := root.(*binaryExpr); ok && !p.Exists && !p.Empty {
		switch b.op {
		case "and", "or", "implies":
			if c, ok := planCond(b); ok && countCond(c) <= maxPlanSteps {
				return &Plan{Test: c}
			}
			return nil
		case "|":
			return planUnion(b)
		}
	}
	// all() and is read on the focus are conditions too.
	if isAllOrIs(root) && !p.Exists && !p.Empty {
		if c, ok := planCond(root); ok && countCond(c) <= maxPlanSteps {
			return &Plan{Test: c}
		}
		return nil
	}
	v, steps, ok := planSteps(root, true)
	if !ok || countSteps(steps) > maxPlanSteps {
		return nil
	}
	p.Var, p.Steps = v, steps
	return &p
}

func isAllOrIs(e expr) bool {
	switch e := e.(type) {
	case *callExpr:
		return e.name == "all"
	case *typeExpr:
		return e.op == "is"
	}
	return false
}

// planUnion plans a | b | ...: each operand a path, in order (the
// union keeps first occurrences, so the operands may be taken as one
// list).
func planUnion(b *binaryExpr) *Plan {
	var ops []expr
	var flatten func(e expr)
	flatten = func(e expr) {
		if u, ok := e.(*binaryExpr); ok && u.op == "|" {
			flatten(u.l)
			flatten(u.r)
			return
		}
		ops = append(ops, e)
	}
	flatten(b)
	p := &Plan{}
	n := 0
	for _, op := range ops {
		v, steps, ok := planSteps(op, true)
		if !ok {
			return nil
		}
		n += countSteps(steps)
		p.Union = append(p.Union, &Plan{Var: v, Steps: steps})
	}
	if n > maxPlanSteps {
		return nil
	}
	return p
}

// Simple reports whether the plan only navigates (children, ofType,
// first, extension): cheaper to take again than to look up.
func (p *Plan) Simple() bool {
	if p.Test != nil || p.Union != nil {
		return false
	}
	for _, s := range p.Steps {
		switch s.Kind {
		case StepWhere, StepResolve, StepDescendantsOfType:
			return false
		}
	}
	return true
}

func countSteps(steps []Step) int {
	n := len(steps)
	for _, s := range steps {
		if s.Cond != nil {
			n += countCond(s.Cond)
		}
	}
	return n
}

func countCond(c *Cond) int {
	if c == nil {
		return 0
	}
	return 1 + countSteps(c.Path) + countCond(c.L) + countCond(c.R)
}

// planSteps turns a path into steps; top says whether it may start from
// an external constant (the top level) rather than from $this.
func planSteps(e expr, top bool) (string, []Step, bool) {
	switch e := e.(type) {
	case *identExpr:
		// An upper-case name at the start of a path may be a type test.
		if isUpper(e.name) {
			return "", nil, false
		}
		return "", []Step{{Kind: StepChild, Name: e.name}}, true
	case *varExpr:
		return "", nil, e.name == "$this"
	case *constExpr:
		switch e.name {
		case "resource", "context", "ucum", "sct", "loinc":
			return "", nil, false
		}
		if !top || len(e.name) > 3 && (e.name[:3] == "vs-" || e.name[:4] == "ext-") {
			return "", nil, false
		}
		return e.name, nil, true
	case *memberExpr:
		v, steps, ok := planSteps(e.recv, top)
		if !ok {
			return "", nil, false
		}
		return v, append(steps, Step{Kind: StepChild, Name: e.name}), true
	case *callExpr:
		if e.ofDescendants {
			d := e.recv.(*callExpr)
			if d.recv != nil || !plainType(e.typ) {
				return "", nil, false
			}
			return "", []Step{{Kind: StepDescendantsOfType, Name: e.typ.name}}, true
		}
		var v string
		var steps []Step
		if e.recv != nil {
			var ok bool
			if v, steps, ok = planSteps(e.recv, top); !ok {
				return "", nil, false
			}
		}
		switch {
		case e.name == "ofType" && plainType(e.typ):
			return v, append(steps, Step{Kind: StepOfType, Name: e.typ.name}), true
		case e.name == "resolve" && len(e.args) == 0:
			return v, append(steps, Step{Kind: StepResolve}), true
		case e.name == "first" && len(e.args) == 0:
			return v, append(steps, Step{Kind: StepFirst}), true
		case e.name == "extension" && len(e.args) == 1:
			if s, ok := stringLiteral(e.args[0]); ok {
				return v, append(steps, Step{Kind: StepExtension, Name: s}), true
			}
		case e.name == "where" && len(e.args) == 1:
			if c, ok := planCond(e.args[0]); ok {
				return v, append(steps, Step{Kind: StepWhere, Cond: c}), true
			}
		}
	}
	return "", nil, false
}

// plainType reports whether ofType(t) keeps exactly the elements whose
// type is t: a FHIR type name that no built-in type derives from.
func plainType(t *typeSpec) bool {
	return t != nil && t.ns != "System" && !t.isBase && !systemTypes[t.name]
}

func stringLiteral(e expr) (string, bool) {
	if l, ok := e.(*literalExpr); ok {
		if s, ok := l.val.(String); ok {
			return string(s), true
		}
	}
	return "", false
}

func planCond(e expr) (*Cond, bool) {
	switch e := e.(type) {
	case *typeExpr:
		if e.op != "is" || !plainType(&e.t) {
			return nil, false
		}
		_, path, ok := planSteps(e.x, false)
		if !ok {
			return nil, false
		}
		return &Cond{Kind: CondIs, Path: path, Text: e.t.name}, true
	case *binaryExpr:
		switch e.op {
		case "and", "or", "implies":
			l, ok := planCond(e.l)
			if !ok {
				return nil, false
			}
			r, ok := planCond(e.r)
			if !ok {
				return nil, false
			}
			k := map[string]CondKind{"and": CondAnd, "or": CondOr, "implies": CondImplies}[e.op]
			return &Cond{Kind: k, L: l, R: r}, true
		case "=":
			s, ok := stringLiteral(e.r)
			if !ok {
				return nil, false
			}
			_, path, ok := planSteps(e.l, false)
			if !ok {
				return nil, false
			}
			return &Cond{Kind: CondEquals, Path: path, Text: s}, true
		}
	case *callExpr:
		switch {
		case e.name == "matches" && len(e.args) == 1:
			s, ok := stringLiteral(e.args[0])
			if !ok {
				return nil, false
			}
			var path []Step
			if e.recv != nil {
				if _, path, ok = planSteps(e.recv, false); !ok {
					return nil, false
				}
			}
			re, err := regexFor(s)
			if err != nil {
				return nil, false
			}
			return &Cond{Kind: CondMatches, Path: path, Text: s, Re: re}, true
		case e.name == "startsWith" && len(e.args) == 1:
			if v, ok := e.recv.(*varExpr); e.recv != nil && (!ok || v.name != "$this") {
				return nil, false
			}
			if s, ok := stringLiteral(e.args[0]); ok {
				return &Cond{Kind: CondStartsWith, Text: s}, true
			}
		case e.name == "all" && len(e.args) == 1 && e.recv != nil:
			_, path, ok := planSteps(e.recv, false)
			if !ok {
				return nil, false
			}
			l, ok := planCond(e.args[0])
			if !ok {
				return nil, false
			}
			return &Cond{Kind: CondAll, Path: path, L: l}, true
		case (e.name == "exists" || e.name == "empty") && len(e.args) == 0 && e.recv != nil:
			if _, path, ok := planSteps(e.recv, false); ok {
				k := CondExists
				if e.name == "empty" {
					k = CondEmpty
				}
				return &Cond{Kind: k, Path: path}, true
			}
		}
	}
	return nil, false
}
