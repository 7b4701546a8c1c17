package fhirpath

import "sort"

// memoExpr wraps a part of an expression that does not depend on the item
// an iteration is at: %resource.descendants().reference inside dom-3's
// where(). Its value is the same on every pass of the iteration, so it is
// computed on the first pass and remembered for the rest of the
// evaluation, which keeps dom-3 linear in the size of the resource rather
// than quadratic.
type memoExpr struct {
	x    expr
	slot int // index into evaluator.memo
}

func (e *memoExpr) offset() int { return e.x.offset() }

// memoEntry is what an evaluation remembers of one memoExpr.
type memoEntry struct {
	done bool
	coll Collection
	// texts indexes coll for `in` and `contains` when every item of it
	// has a text (primitive elements, strings); indexed says whether that
	// was tried.
	indexed bool
	texts   map[string]struct{}
}

// children returns the sub-expressions of e.
func children(e expr) []expr {
	switch e := e.(type) {
	case *memberExpr:
		return []expr{e.recv}
	case *callExpr:
		out := make([]expr, 0, len(e.args)+1)
		if e.recv != nil {
			out = append(out, e.recv)
		}
		return append(out, e.args...)
	case *indexExpr:
		return []expr{e.recv, e.idx}
	case *unaryExpr:
		return []expr{e.x}
	case *binaryExpr:
		return []expr{e.l, e.r}
	case *typeExpr:
		return []expr{e.x}
	case *memoExpr:
		return []expr{e.x}
	}
	return nil
}

// walk calls fn on e and every expression below it.
func walk(e expr, fn func(expr)) {
	fn(e)
	for _, c := range children(e) {
		walk(c, fn)
	}
}

// clockFunctions read the time of the evaluation.
var clockFunctions = map[string]bool{"now": true, "today": true, "timeOfDay": true}

// FunctionCalls returns the names of the functions the expression calls,
// sorted, each once. It reads the compiled expression, so spacing and
// comments in the source make no difference.
func (e *Expression) FunctionCalls() []string {
	seen := map[string]bool{}
	walk(e.root, func(x expr) {
		if c, ok := x.(*callExpr); ok {
			seen[c.name] = true
		}
	})
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// UsesClock reports whether the expression calls now(), today() or
// timeOfDay(), whose answers change from one evaluation to the next.
func (e *Expression) UsesClock() bool {
	for _, name := range e.FunctionCalls() {
		if clockFunctions[name] {
			return true
		}
	}
	return false
}

// UnsupportedCalls returns the functions the expression calls that the
// engine cannot evaluate faithfully (conformsTo, memberOf: they need
// profiles or a terminology service), sorted. An evaluation that reaches
// one reports it in [Result.Unsupported].
func (e *Expression) UnsupportedCalls() []string {
	var out []string
	for _, name := range e.FunctionCalls() {
		if f := lookupFunction(name); f != nil && f.unsupported {
			out = append(out, name)
		}
	}
	return out
}

// independence records, for e and every expression below it, whether it
// has the same value wherever it is evaluated within one evaluation: it
// reads no focus (no bare name, no function applied to the focus), no
// $this, $index or $total, and calls nothing with a side effect (trace).
// Constants, %resource, %context and the clock are fixed for the whole
// evaluation. One pass, so that a long path costs linear time.
func independence(e expr, out map[expr]bool) bool {
	ok := true
	switch e := e.(type) {
	case *identExpr, *varExpr:
		ok = false
	case *callExpr:
		if e.name == "trace" || e.recv == nil && !clockFunctions[e.name] {
			ok = false
		}
	}
	for _, c := range children(e) {
		if !independence(c, out) {
			ok = false
		}
	}
	out[e] = ok
	return ok
}

// hoist wraps in a memoExpr each largest independent part of e that sits
// below a dependent one, and returns e with the number of slots used. Only
// such parts can be evaluated more than once in an evaluation (on each
// pass of where(), select() and the like); literals and bare constants
// cost nothing to evaluate again and are left alone.
func hoist(root expr) (expr, int) {
	independent := map[expr]bool{}
	independence(root, independent)
	slots := 0
	wrap := func(e expr) expr {
		switch e.(type) {
		case *literalExpr, *constExpr:
			return e
		}
		if !independent[e] {
			return e
		}
		m := &memoExpr{x: e, slot: slots}
		slots++
		return m
	}
	var visit func(e expr)
	visit = func(e expr) {
		if independent[e] {
			return // its parent decided whether to wrap it
		}
		switch e := e.(type) {
		case *memberExpr:
			e.recv = wrap(e.recv)
		case *callExpr:
			// descendants().ofType(T) is evaluated as one walk, which
			// needs its receiver to stay the descendants() call.
			if e.recv != nil && !e.ofDescendants {
				e.recv = wrap(e.recv)
			}
			for i := range e.args {
				e.args[i] = wrap(e.args[i])
			}
		case *indexExpr:
			e.recv, e.idx = wrap(e.recv), wrap(e.idx)
		case *unaryExpr:
			e.x = wrap(e.x)
		case *binaryExpr:
			e.l, e.r = wrap(e.l), wrap(e.r)
		case *typeExpr:
			e.x = wrap(e.x)
		}
		for _, c := range children(e) {
			if _, ok := c.(*memoExpr); !ok {
				visit(c)
			}
		}
	}
	visit(root)
	return root, slots
}

// memo evaluates a memoExpr: within an iteration its value is computed
// once per evaluation; elsewhere it is evaluated as it stands, since it is
// reached at most once.
func (ev *evaluator) memo(e *memoExpr, scope Collection, fr *frame) (Collection, error) {
	if ev.iterating == 0 {
		return ev.evalNode(e.x, scope, fr)
	}
	m := &ev.memos[e.slot]
	if m.done {
		return m.coll, nil
	}
	out, err := ev.evalNode(e.x, scope, fr)
	if err != nil {
		return nil, err
	}
	m.done, m.coll = true, out
	return out, nil
}

// minIndexed is the size from which a remembered collection is indexed
// for `in` and `contains`; below it a scan is as quick.
const minIndexed = 8

// memberOfRemembered answers `item in set` where set is the remembered
// value of e, through an index of the texts of set, built once per
// evaluation. ok is false when the index cannot answer (item is not a
// string, set has items without a text), and the caller scans.
func (ev *evaluator) memberOfRemembered(e expr, item, set Collection) (res Collection, ok bool, err error) {
	m, isMemo := e.(*memoExpr)
	if !isMemo || ev.iterating == 0 || len(set) < minIndexed || len(item) != 1 {
		return nil, false, nil
	}
	s, isStr := item[0].val.(String)
	if !isStr {
		return nil, false, nil
	}
	entry := &ev.memos[m.slot]
	if !entry.done {
		return nil, false, nil
	}
	if !entry.indexed {
		entry.indexed = true
		if err := ev.step(len(set)); err != nil {
			return nil, false, err
		}
		texts := make(map[string]struct{}, len(set))
		for _, it := range set {
			// A String compares with a primitive element by its text and
			// with a String by value (equalItems); any other item needs
			// the full comparison.
			var t string
			switch {
			case it.node != nil:
				v, has := it.node.Value()
				if !has {
					return nil, false, nil
				}
				t = v
			default:
				v, isStr := it.val.(String)
				if !isStr {
					return nil, false, nil
				}
				t = string(v)
			}
			texts[t] = struct{}{}
		}
		entry.texts = texts
	}
	if entry.texts == nil {
		return nil, false, nil
	}
	if err := ev.step(1); err != nil {
		return nil, false, err
	}
	_, found := entry.texts[string(s)]
	return boolean(found), true, nil
}
