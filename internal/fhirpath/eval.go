package fhirpath

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Item is one member of a [Collection]: either an element of the tree (a
// [Node]) or a System [Value] computed by the expression.
type Item struct {
	node Node
	val  Value
}

// NodeItem wraps an element of the tree.
func NodeItem(n Node) Item { return Item{node: n} }

// ValueItem wraps a System value.
func ValueItem(v Value) Item { return Item{val: v} }

// Node returns the element, or nil when the item is a computed value.
func (it Item) Node() Node { return it.node }

// Value returns the item as a System value: the value itself, or for an
// element its primitive value (or, for a Quantity element, the quantity)
// converted per the FHIRPath rules. ok is false for complex elements and
// primitives without a value.
func (it Item) Value() (Value, bool) { return valueOf(it) }

// String renders the item for diagnostics.
func (it Item) String() string {
	if v, ok := valueOf(it); ok {
		return v.String()
	}
	if it.node != nil {
		return it.node.Name() + ":" + it.node.Type()
	}
	return "?"
}

// TypeName names the item's type the way FHIRPath results are reported:
// the FHIR type of an element ("code", "HumanName", "Patient"), or for a
// computed value its System type in FHIRPath's spelling ("boolean",
// "integer", "decimal", "string", "date", "dateTime", "time", "Quantity").
func (it Item) TypeName() string {
	if it.node != nil {
		return it.node.Type()
	}
	if it.val == nil {
		return ""
	}
	switch t := it.val.SystemType(); t {
	case "Quantity":
		return t
	case "DateTime":
		return "dateTime"
	default:
		return strings.ToLower(t)
	}
}

// Collection is what every FHIRPath expression evaluates to: an ordered
// list of items, possibly empty.
type Collection []Item

// Truth is the outcome of a collection read as a condition.
type Truth int

// The three outcomes of a condition.
const (
	Empty Truth = iota
	False
	True
)

func (t Truth) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "empty"
}

// Truth reads the collection as an invariant result: empty is [Empty]; a
// single boolean is itself; any other non-empty collection is [True] (the
// FHIRPath singleton rule for one item, and the common reading of union
// results such as ele-1's {true, false} for several).
func (c Collection) Truth() Truth {
	if len(c) == 0 {
		return Empty
	}
	if len(c) == 1 {
		if v, ok := valueOf(c[0]); ok {
			if b, ok := v.(Boolean); ok {
				if b {
					return True
				}
				return False
			}
		}
	}
	return True
}

// Env carries what an evaluation may draw on besides the context node. The
// zero Env is usable; a nil *Env means the zero Env.
type Env struct {
	// Resource is %resource: the resource that holds the context node.
	// For elements of a contained resource pass the containing resource,
	// as STU3's ref-1 expects to find sibling contained resources through
	// it (R4 later called this %rootResource). Defaults to the context node.
	Resource Node
	// Vars holds further external constants by name, without the %.
	// The built-in %ucum, %sct, %loinc, %"vs-*" and %"ext-*" need no entry.
	Vars map[string]Collection
	// Resolver answers resolve(); without one, resolve() is empty and is
	// reported in [Result.Unsupported].
	Resolver Resolver
	// BaseType returns the type a FHIR type specialises ("DomainResource"
	// for "Patient", "Quantity" for "Age"), or "" when it has none or is not
	// known. It is consulted before the engine's built-in table of
	// primitive and Quantity types, for is, as and ofType.
	BaseType func(typeName string) string
	// Now fixes the instant now() and today() answer; the zero value means
	// the clock when the evaluation first asks for it (one instant for the
	// whole evaluation).
	Now time.Time
	// Location is the time zone assumed for date-times written without
	// one when they are compared with ones that have a zone. When it is
	// nil, such a comparison is empty, as FHIRPath asks; date arithmetic
	// and today() then work in UTC.
	Location *time.Location
	// Trace receives the collections passed to trace(). Optional.
	Trace func(name string, c Collection)
	// MaxSteps bounds the work of one evaluation (roughly, items visited).
	// Defaults to 1,000,000.
	MaxSteps int
	// MaxDepth bounds nesting during evaluation (expression nesting and
	// element depth in comparisons). Defaults to 512.
	MaxDepth int
}

// Result is the outcome of one evaluation.
type Result struct {
	Collection Collection
	// Unsupported names the functions the evaluation reached but could not
	// evaluate faithfully (they evaluated to empty), sorted.
	Unsupported []string
	// Steps is the work the evaluation took, in the units of
	// [Env.MaxSteps].
	Steps int
}

// Truth reads the result as a condition; see [Collection.Truth].
func (r Result) Truth() Truth { return r.Collection.Truth() }

// Expression is a compiled FHIRPath expression. It is immutable and safe
// for concurrent use.
type Expression struct {
	src  string
	root expr
	// slots is the number of memoExpr in root.
	slots int
	// plan is set when the expression is a Plan (see Expression.Plan).
	plan *Plan
}

// Compile parses a FHIRPath expression. The error is a *[ParseError].
func Compile(src string) (*Expression, error) {
	root, err := parse(src)
	if err != nil {
		return nil, err
	}
	// Planned before hoisting, which wraps parts of the tree the plan
	// reads the same way.
	plan := planOf(root)
	root, slots := hoist(root)
	return &Expression{src: src, root: root, slots: slots, plan: plan}, nil
}

// MustCompile is [Compile] for expressions known to be valid; it panics on
// a parse error.
func MustCompile(src string) *Expression {
	e, err := Compile(src)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the source text.
func (e *Expression) String() string { return e.src }

// Evaluate evaluates the expression with node as the context ($this and
// %context). A nil node evaluates against the empty collection. The error
// is an *[EvalError], [ErrBudget] or the context's error.
//
// The returned collection may share memory with env and with the engine's
// constants: read it, do not modify it.
func (e *Expression) Evaluate(ctx context.Context, node Node, env *Env) (Result, error) {
	ev, out, err := e.run(ctx, node, env)
	defer putEvaluator(ev)
	if err != nil {
		return Result{Steps: ev.steps}, err
	}
	// The evaluator goes back to the pool: a result that is its focus,
	// %resource or in its arena must not point into it.
	if len(out) == 1 && (&out[0] == &ev.focusBuf[0] || &out[0] == &ev.resourceBuf[0]) || ev.inArena(out) {
		out = ev.keepResult(out)
	}
	res := Result{Collection: out, Steps: ev.steps}
	if len(ev.unsupported) > 0 {
		for name := range ev.unsupported {
			res.Unsupported = append(res.Unsupported, name)
		}
		sort.Strings(res.Unsupported)
	}
	return res, nil
}

// Test is Evaluate for a verdict, as an invariant needs: it returns the
// [Truth] of the result and whether the evaluation reached a function it
// could not evaluate faithfully. Nothing of the result outlives the call,
// so nothing is copied out of the evaluator.
func (e *Expression) Test(ctx context.Context, node Node, env *Env) (truth Truth, unsupported bool, err error) {
	v, err := e.Judge(ctx, node, env)
	return v.Truth, len(v.Unsupported) > 0, err
}

// NoVerdict says why an evaluation run with the given budget gave no
// verdict (err, or unsupported functions reached), for an issue that
// reports it: a FHIR IssueType code (too-costly when it ran out of budget,
// processing when it failed, not-supported when it reached a function the
// engine cannot evaluate) and the reason in words.
func NoVerdict(budget int, v Verdict, err error) (issueType, reason string) {
	switch {
	case errors.Is(err, ErrBudget) && v.Steps > budget:
		return "too-costly", "its evaluation needed more than the " + itoa(budget) + " steps allowed for this payload"
	case errors.Is(err, ErrBudget):
		return "too-costly", "its evaluation nested deeper than the engine allows"
	case err != nil:
		return "processing", "its evaluation failed: " + strings.TrimPrefix(err.Error(), "fhirpath: ")
	}
	return "not-supported", "it reached " + strings.Join(v.Unsupported, "(), ") + "(), which needs profiles or a terminology service that nemsfhir does not have"
}

// Verdict is the outcome of an evaluation read as a condition.
type Verdict struct {
	Truth Truth
	// Unsupported names the functions reached that could not be evaluated
	// faithfully, sorted; the verdict is then no verdict.
	Unsupported []string
	// Steps is the work done, also when the evaluation failed: more than
	// [Env.MaxSteps] when it ran out of budget.
	Steps int
}

// Judge is [Expression.Test] with the names of the unsupported functions
// reached and the work done, for callers that must say why an evaluation
// gave no verdict.
func (e *Expression) Judge(ctx context.Context, node Node, env *Env) (Verdict, error) {
	ev, out, err := e.run(ctx, node, env)
	defer putEvaluator(ev)
	v := Verdict{Steps: ev.steps}
	if err != nil {
		return v, err
	}
	v.Truth = out.Truth()
	if len(ev.unsupported) > 0 {
		for name := range ev.unsupported {
			v.Unsupported = append(v.Unsupported, name)
		}
		sort.Strings(v.Unsupported)
	}
	return v, nil
}

// run evaluates e with a pooled evaluator, which the caller must put back
// once it has read the result.
func (e *Expression) run(ctx context.Context, node Node, env *Env) (ev *evaluator, out Collection, err error) {
	if env == nil {
		env = &Env{}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ev = getEvaluator(ctx, env)
	if cap(ev.memos) < e.slots {
		ev.memos = make([]memoEntry, e.slots)
	}
	ev.memos = ev.memos[:e.slots]
	var focus Collection
	if node != nil {
		ev.focusBuf[0] = NodeItem(node)
		focus = ev.focusBuf[:1:1]
		ev.context = focus
		ev.resource = focus
	}
	if env.Resource != nil {
		ev.resourceBuf[0] = NodeItem(env.Resource)
		ev.resource = ev.resourceBuf[:1:1]
	}
	// A Node implementation that panics must not take the caller down.
	if recoverPanics {
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, evalErrorf("evaluation failed: %v", r)
			}
		}()
	}
	out, err = ev.eval(e.root, focus, &ev.rootFrame)
	if err != nil {
		// A carve cut short by the error may have written past top.
		clear(ev.arena)
		return ev, nil, err
	}
	return ev, out, nil
}

// evaluators are reused across evaluations: one evaluation is short, and
// allocating its state each time cost more than the work itself for the
// small invariants checked on every element.
var evaluators = sync.Pool{New: func() any { return new(evaluator) }}

func getEvaluator(ctx context.Context, env *Env) *evaluator {
	ev := evaluators.Get().(*evaluator)
	ev.ctx, ev.env = ctx, env
	ev.loc, ev.now = env.Location, env.Now
	ev.steps, ev.maxSteps = 0, env.MaxSteps
	ev.depth, ev.maxDepth = 0, env.MaxDepth
	ev.context, ev.resource = nil, nil
	ev.rootFrame = frame{}
	ev.top, ev.overflow = 0, false
	ev.picks = ev.picks[:0]
	clear(ev.args)
	ev.args = ev.args[:0]
	if ev.loc == nil {
		ev.loc = time.UTC
	}
	if ev.maxSteps <= 0 {
		ev.maxSteps = 1_000_000
	}
	if ev.maxDepth <= 0 {
		ev.maxDepth = 512
	}
	return ev
}

func putEvaluator(ev *evaluator) {
	// Drop what belongs to the caller, so the pool holds nothing alive.
	ev.ctx, ev.env, ev.loc = nil, nil, nil
	ev.context, ev.resource = nil, nil
	ev.focusBuf[0], ev.resourceBuf[0] = Item{}, Item{}
	clear(ev.unsupported)
	clear(ev.descendantsOf)
	clear(ev.memos)
	ev.iterating = 0
	clear(ev.arena[:ev.top])
	if ev.overflow || ev.arena == nil {
		ev.arena = make(Collection, min(max(2*len(ev.arena), 64), maxArena))
	}
	evaluators.Put(ev)
}

// clock is the instant now() and today() answer: Env.Now, or the time
// they are first asked for in this evaluation.
func (ev *evaluator) clock() time.Time {
	if ev.now.IsZero() {
		ev.now = time.Now()
	}
	return ev.now
}

// recoverPanics is switched off by the fuzz test, so that a panic in the
// engine itself is seen rather than turned into an error.
var recoverPanics = true

// maxStringLen bounds strings built during evaluation, so that repeated
// concatenation cannot exhaust memory within the step budget.
const maxStringLen = 1 << 20

// stringResult charges a built string against the budget.
func (ev *evaluator) stringResult(s string) (Collection, error) {
	if len(s) > maxStringLen {
		return nil, evalErrorf("string result longer than %d bytes", maxStringLen)
	}
	if err := ev.step(len(s) / 64); err != nil {
		return nil, err
	}
	return str(s), nil
}

// evaluator holds the state of one evaluation.
type evaluator struct {
	ctx               context.Context
	env               *Env
	loc               *time.Location
	now               time.Time
	steps, maxSteps   int
	depth, maxDepth   int
	context, resource Collection
	unsupported       map[string]bool
	// descendantsOf remembers descendants() of single elements for the
	// rest of the evaluation; the collections live in the arena.
	descendantsOf map[Node]Collection
	// memos holds the values of the expression's memoExpr for this
	// evaluation; iterating counts the where(), select() and repeat()
	// under way, outside of which nothing is remembered.
	memos     []memoEntry
	iterating int

	// Storage reused from one evaluation to the next.
	focusBuf, resourceBuf [1]Item
	rootFrame             frame
	frames                []*frame // free frames for where(), select() and the like

	// arena holds the collections navigation and type filters build: a
	// step such as entry in entry.resource is dead once the next step has
	// read it, so these are carved from one buffer reused by every
	// evaluation rather than allocated. arena[:top] is in use; overflow
	// says a collection did not fit, so the next evaluation gets more.
	arena    Collection
	top      int
	overflow bool
	keyBuf   []byte       // scratch for itemKey
	picks    []int        // positions where() keeps, for every where() under way
	args     []Collection // arguments of the string functions under way
	stack    Collection   // the walk of descendants()

	// results holds copies of results that were in the arena: a chunk
	// shared by the results of many evaluations, each capped, and never
	// written again once handed out (a new chunk replaces a full one).
	results Collection
}

// resultChunk is the size of a results chunk, in items.
const resultChunk = 64

// keepResult copies a result out of the arena.
func (ev *evaluator) keepResult(c Collection) Collection {
	if len(c) > resultChunk/4 {
		return append(Collection(nil), c...)
	}
	if cap(ev.results)-len(ev.results) < len(c) {
		ev.results = make(Collection, 0, resultChunk)
	}
	n := len(ev.results)
	ev.results = append(ev.results, c...)
	return ev.results[n : n+len(c) : n+len(c)]
}

// maxArena bounds the arena of a pooled evaluator, in items.
const maxArena = 4096

// carve returns an empty collection whose appends go into the free part of
// the arena. Code that appends to it must not evaluate anything before
// handing it to keep, as that could carve the same space.
func (ev *evaluator) carve() Collection { return ev.arena[ev.top:ev.top] }

// keep ends a carve: a collection that fitted takes its place in the arena
// and is capped, so that an append to it copies rather than writing over
// the next one. An empty collection is nil, as the engine always gave.
func (ev *evaluator) keep(c Collection) Collection {
	if len(c) == 0 {
		return nil
	}
	if ev.top < len(ev.arena) && &c[0] == &ev.arena[ev.top] {
		ev.top += len(c)
		return c[:len(c):len(c)]
	}
	ev.overflow = true // append moved it to the heap
	return c
}

// inArena reports whether c starts inside the used part of the arena.
func (ev *evaluator) inArena(c Collection) bool {
	if len(c) == 0 {
		return false
	}
	for i := range ev.arena[:ev.top] {
		if &c[0] == &ev.arena[i] {
			return true
		}
	}
	return false
}

// newFrame returns a frame for an iteration; freeFrame gives it back.
func (ev *evaluator) newFrame(total Collection, hasIndex bool) *frame {
	var f *frame
	if n := len(ev.frames); n > 0 {
		f = ev.frames[n-1]
		ev.frames = ev.frames[:n-1]
	} else {
		f = new(frame)
	}
	*f = frame{hasIndex: hasIndex, total: total}
	return f
}

func (ev *evaluator) freeFrame(f *frame) {
	*f = frame{}
	ev.frames = append(ev.frames, f)
}

// frame holds the iteration variables of where(), select() and friends.
type frame struct {
	index    int
	hasIndex bool
	total    Collection
}

// step charges n units of work against the budget and notices
// cancellation now and then.
func (ev *evaluator) step(n int) error {
	ev.steps += n
	if ev.steps > ev.maxSteps {
		return ErrBudget
	}
	if ev.steps&1023 < n || n > 1023 {
		if err := ev.ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (ev *evaluator) flagUnsupported(name string) {
	if ev.unsupported == nil {
		ev.unsupported = map[string]bool{}
	}
	ev.unsupported[name] = true
}

// eval evaluates e. scope is the focus that bare names and function calls
// without a receiver apply to: the context at the top, the current item
// inside where(), select() and the like.
func (ev *evaluator) eval(e expr, scope Collection, fr *frame) (Collection, error) {
	if err := ev.step(1); err != nil {
		return nil, err
	}
	ev.depth++
	if ev.depth > ev.maxDepth {
		ev.depth--
		return nil, ErrBudget
	}
	out, err := ev.evalNode(e, scope, fr)
	ev.depth--
	return out, err
}

func (ev *evaluator) evalNode(e expr, scope Collection, fr *frame) (Collection, error) {
	switch e := e.(type) {
	case *literalExpr:
		return e.coll, nil
	case *identExpr:
		return ev.navigate(scope, e.name, true)
	case *memberExpr:
		in, err := ev.eval(e.recv, scope, fr)
		if err != nil {
			return nil, err
		}
		return ev.navigate(in, e.name, false)
	case *callExpr:
		if e.ofDescendants {
			return ev.descendantsOfType(e, scope, fr)
		}
		in := scope
		if e.recv != nil {
			var err error
			if in, err = ev.eval(e.recv, scope, fr); err != nil {
				return nil, err
			}
		}
		return e.fn.impl(ev, e, in, scope, fr)
	case *indexExpr:
		in, err := ev.eval(e.recv, scope, fr)
		if err != nil {
			return nil, err
		}
		idx, ok, err := ev.integerArg(e.idx, scope, fr, "index")
		if err != nil || !ok {
			return nil, err
		}
		if idx < 0 || idx >= int64(len(in)) {
			return nil, nil
		}
		return in[idx : idx+1], nil
	case *unaryExpr:
		x, err := ev.eval(e.x, scope, fr)
		if err != nil {
			return nil, err
		}
		return negateCollection(x)
	case *binaryExpr:
		return ev.binary(e, scope, fr)
	case *typeExpr:
		x, err := ev.eval(e.x, scope, fr)
		if err != nil {
			return nil, err
		}
		if e.op == "is" {
			return ev.isType(x, e.t)
		}
		return ev.asType(x, e.t)
	case *varExpr:
		switch e.name {
		case "$this":
			return scope, nil
		case "$index":
			if fr.hasIndex {
				return Collection{ValueItem(Integer(fr.index))}, nil
			}
			return nil, nil
		default:
			return fr.total, nil
		}
	case *constExpr:
		return ev.constant(e.name)
	case *memoExpr:
		return ev.memo(e, scope, fr)
	}
	return nil, evalErrorf("unknown expression node %T", e)
}

// navigate returns the children called name of the elements in `in`. At
// the start of a path a capitalised name that is the type of the focus
// (Bundle in "Bundle.entry") selects the focus itself.
func (ev *evaluator) navigate(in Collection, name string, first bool) (Collection, error) {
	out := ev.carve()
	for i, it := range in {
		if it.node == nil {
			continue
		}
		var nkids int
		if ca, ok := it.node.(ChildAppender); ok {
			// Most steps find about one child per item (entry.resource):
			// room for the rest of the input saves regrowing.
			if rest := len(in) - i; len(out) == cap(out) && rest > 1 {
				out = slices.Grow(out, rest)
			}
			n0 := len(out)
			out = ca.AppendChildren(out, name)
			nkids = len(out) - n0
		} else {
			kids := it.node.Children(name)
			nkids = len(kids)
			for _, k := range kids {
				if k != nil {
					out = append(out, NodeItem(k))
				}
			}
		}
		if err := ev.step(nkids + 1); err != nil {
			return nil, err
		}
		if nkids == 0 && first && isUpper(name) {
			if ev.nodeIsType(it.node, newTypeSpec("", name)) {
				out = append(out, it)
			}
		}
	}
	return ev.keep(out), nil
}

func isUpper(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// constant resolves an external constant.
func (ev *evaluator) constant(name string) (Collection, error) {
	switch name {
	case "resource":
		return ev.resource, nil
	case "context":
		return ev.context, nil
	case "ucum":
		return str("http://unitsofmeasure.org"), nil
	case "sct":
		return str("http://snomed.info/sct"), nil
	case "loinc":
		return str("http://loinc.org"), nil
	}
	if v, ok := ev.env.Vars[name]; ok {
		return v, nil
	}
	if len(name) > 3 && name[:3] == "vs-" {
		return str("http://hl7.org/fhir/ValueSet/" + name[3:]), nil
	}
	if len(name) > 4 && name[:4] == "ext-" {
		return str("http://hl7.org/fhir/StructureDefinition/" + name[4:]), nil
	}
	return nil, evalErrorf("unknown external constant %%%s", name)
}

func str(s string) Collection { return Collection{ValueItem(String(s))} }

// The two boolean results are shared, as nothing writes into a collection
// once built (capacity 1, so an append copies).
var (
	trueColl  = Collection{ValueItem(Boolean(true))}[:1:1]
	falseColl = Collection{ValueItem(Boolean(false))}[:1:1]
)

// smallInts are the shared results of count() on small collections.
var smallInts = func() (out [64]Collection) {
	for i := range out {
		out[i] = Collection{ValueItem(Integer(i))}[:1:1]
	}
	return out
}()

func integer(n int) Collection {
	if n >= 0 && n < len(smallInts) {
		return smallInts[n]
	}
	return Collection{ValueItem(Integer(n))}
}

func boolean(b bool) Collection {
	if b {
		return trueColl
	}
	return falseColl
}

// integerArg evaluates an argument that must be a single integer. ok is
// false when it is empty.
func (ev *evaluator) integerArg(e expr, scope Collection, fr *frame, what string) (int64, bool, error) {
	c, err := ev.eval(e, scope, fr)
	if err != nil || len(c) == 0 {
		return 0, false, err
	}
	if len(c) > 1 {
		return 0, false, evalErrorf("%s: expected one integer, got %d items", what, len(c))
	}
	v, _ := valueOf(c[0])
	i, ok := v.(Integer)
	if !ok {
		return 0, false, evalErrorf("%s: expected an integer, got %s", what, c[0])
	}
	return int64(i), true, nil
}
