package fhirpath

import (
	"strings"
	"sync"
)

// Most STU3 invariants met on a payload are small Boolean tests of the
// focus's own children: bdl-5 "resource.exists() or request.exists() or
// response.exists()", ext-1 "extension.exists() != value.exists()", bdl-8
// "fullUrl.contains('/_history/').not()", and the left side of ref-1
// "reference.startsWith('#').not() or (...)", which settles it for every
// reference that is not "#id". A Decision reads such tests straight off
// the focus, without an evaluator, its pool and its collections.

// maxDecideNodes bounds the items a path of a decision may collect; a
// longer collection is left to the evaluator.
const maxDecideNodes = 64

// maxDecideSteps bounds the names of a decided path.
const maxDecideSteps = 6

// A Decision is the part of an expression that can be read off the tree,
// prepared once (its paths split into names) and run by [Decider.Run].
//
// It covers and, or, implies, not(), = and != between exists() and
// empty() results or between a path and a string, exists() and empty()
// of a path, startsWith(), endsWith() and contains() of a path with a
// string argument, and comparisons (=, !=, <, <=, >, >=) of whole numbers
// made of count() of paths, + and integer literals, where a path is child names read from the focus (the
// first one in lower case, so that it cannot be a type name). The right
// side of and, or and implies may be anything: the decision then stands
// only when the left side settles the answer, as the evaluator does not
// read the right side then.
type Decision struct {
	root *dnode
}

type dop uint8

const (
	dAnd dop = iota
	dOr
	dImplies
	dNot
	dExists
	dEmpty
	dEqBool
	dNeBool
	dEqText
	dNeText
	dStartsWith
	dEndsWith
	dContains
	dCompare // l and r are counts: cmp is =, !=, <, <=, > or >=
)

// icount is a whole number a decision reads: the count() of a path, a
// sum of such, or an integer literal.
type icount struct {
	path  []string // count() of the path, when l is nil
	l, r  *icount  // l + r
	value int64    // a literal, when path and l are nil
	lit   bool
}

type dnode struct {
	op   dop
	l, r *dnode // r nil for and/or/implies: a right side left to the evaluator
	path []string
	text string
	// cmp, il and ir are dCompare's.
	cmp    string
	il, ir *icount
}

// Decision returns the prepared decision of e, or nil when no part of e
// can be read off the tree.
func (e *Expression) Decision() *Decision {
	if e == nil {
		return nil
	}
	if n := prepBool(e.root); n != nil {
		return &Decision{root: n}
	}
	return nil
}

// prepBool prepares an expression whose result is one Boolean or
// nothing.
func prepBool(x expr) *dnode {
	switch x := x.(type) {
	case *memoExpr:
		return prepBool(x.x)
	case *binaryExpr:
		switch x.op {
		case "and", "or", "implies":
			l := prepBool(x.l)
			if l == nil {
				return nil
			}
			op := map[string]dop{"and": dAnd, "or": dOr, "implies": dImplies}[x.op]
			return &dnode{op: op, l: l, r: prepBool(x.r)}
		case "<", "<=", ">", ">=":
			if il, ir := prepCount(x.l), prepCount(x.r); il != nil && ir != nil {
				return &dnode{op: dCompare, cmp: x.op, il: il, ir: ir}
			}
			return nil
		case "=", "!=":
			if il, ir := prepCount(x.l), prepCount(x.r); il != nil && ir != nil {
				return &dnode{op: dCompare, cmp: x.op, il: il, ir: ir}
			}
			if lit, isText := stringLit(x.r); isText {
				path := prepPath(x.l)
				if path == nil {
					return nil
				}
				op := dEqText
				if x.op == "!=" {
					op = dNeText
				}
				return &dnode{op: op, path: path, text: lit}
			}
			l, r := prepBool(x.l), prepBool(x.r)
			if l == nil || r == nil {
				return nil
			}
			op := dEqBool
			if x.op == "!=" {
				op = dNeBool
			}
			return &dnode{op: op, l: l, r: r}
		}
	case *callExpr:
		if x.recv == nil {
			return nil
		}
		switch {
		case len(x.args) == 0 && (x.name == "exists" || x.name == "empty"):
			path := prepPath(x.recv)
			if path == nil {
				return nil
			}
			op := dExists
			if x.name == "empty" {
				op = dEmpty
			}
			return &dnode{op: op, path: path}
		case len(x.args) == 0 && x.name == "not":
			if l := prepBool(x.recv); l != nil {
				return &dnode{op: dNot, l: l}
			}
		case len(x.args) == 1 && (x.name == "startsWith" || x.name == "endsWith" || x.name == "contains"):
			arg, isText := stringLit(x.args[0])
			path := prepPath(x.recv)
			if !isText || path == nil {
				return nil
			}
			op := map[string]dop{"startsWith": dStartsWith, "endsWith": dEndsWith, "contains": dContains}[x.name]
			return &dnode{op: op, path: path, text: arg}
		}
	}
	return nil
}

// prepCount prepares a whole number: count() of a path, a sum of such,
// or an integer literal; nil for anything else.
func prepCount(x expr) *icount {
	switch x := x.(type) {
	case *memoExpr:
		return prepCount(x.x)
	case *literalExpr:
		if v, isInt := x.val.(Integer); isInt {
			return &icount{value: int64(v), lit: true}
		}
	case *binaryExpr:
		if x.op == "+" {
			if l, r := prepCount(x.l), prepCount(x.r); l != nil && r != nil {
				return &icount{l: l, r: r}
			}
		}
	case *callExpr:
		if x.recv != nil && len(x.args) == 0 && x.name == "count" {
			if path := prepPath(x.recv); path != nil {
				return &icount{path: path}
			}
		}
	}
	return nil
}

// prepPath returns the child names of a path from the focus, or nil.
func prepPath(x expr) []string {
	var names []string
	for {
		switch y := x.(type) {
		case *memoExpr:
			x = y.x
			continue
		case *memberExpr:
			names = append(names, y.name)
			x = y.recv
			continue
		case *identExpr:
			if y.name == "" || isUpper(y.name) {
				return nil // a type name: left to the evaluator
			}
			names = append(names, y.name)
		default:
			return nil
		}
		break
	}
	if len(names) > maxDecideSteps {
		return nil
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return names
}

// Decide returns the truth of e on focus when e can be read directly, and
// ok false when it cannot (the caller then evaluates e). It prepares e's
// Decision every time: a caller that decides e often keeps the Decision
// and runs it with a Decider.
func (e *Expression) Decide(focus Node) (t Truth, ok bool) {
	dec := e.Decision()
	if dec == nil || focus == nil {
		return Empty, false
	}
	d := deciders.Get().(*Decider)
	t, ok = d.Run(dec, focus)
	deciders.Put(d)
	return t, ok
}

// Decider holds the buffers of a decision's run: a buffer handed to
// Node's methods would otherwise be allocated every time. A Decider is
// not safe for concurrent use.
type Decider struct {
	items     []Item
	cur, next []Node
	// dirty is how far into cur and next a run has written: only that
	// much is cleared after it, as clearing pointers costs write
	// barriers while the collector runs.
	dirty int
}

var deciders = sync.Pool{New: func() any { return NewDecider() }}

// NewDecider returns a Decider, for a caller that runs many decisions in a
// row (a walk over a payload).
func NewDecider() *Decider {
	return &Decider{
		items: make([]Item, 0, maxDecideNodes),
		cur:   make([]Node, 0, maxDecideNodes),
		next:  make([]Node, 0, maxDecideNodes),
	}
}

// Run returns the truth of the decision's expression on focus, and ok
// false when it cannot be read directly (the caller then evaluates the
// expression). A truth it returns is what [Expression.Evaluate] gives with
// any Env and any budget of at least a few hundred steps; an evaluation
// that would fail (a string function on several items or on an element
// without a value) is not decided. Run keeps no reference to focus or its
// children once it returns.
func (d *Decider) Run(dec *Decision, focus Node) (t Truth, ok bool) {
	if dec == nil || focus == nil {
		return Empty, false
	}
	t, ok = d.run(dec.root, focus)
	clear(d.cur[:d.dirty])
	clear(d.next[:d.dirty])
	d.dirty = 0
	return t, ok
}

func (d *Decider) run(n *dnode, focus Node) (Truth, bool) {
	switch n.op {
	case dAnd, dOr, dImplies:
		return d.logic(n, focus)
	case dNot:
		t, ok := d.run(n.l, focus)
		if !ok {
			return Empty, false
		}
		switch t {
		case True:
			return False, true
		case False:
			return True, true
		}
		return Empty, true
	case dExists, dEmpty:
		nodes, ok := d.follow(n.path, focus)
		if !ok {
			return Empty, false
		}
		return truthOfBool((len(nodes) > 0) == (n.op == dExists)), true
	case dEqBool, dNeBool:
		l, ok := d.run(n.l, focus)
		if !ok {
			return Empty, false
		}
		r, ok := d.run(n.r, focus)
		if !ok {
			return Empty, false
		}
		if l == Empty || r == Empty {
			return Empty, true
		}
		return truthOfBool((l == r) == (n.op == dEqBool)), true
	case dEqText, dNeText:
		nodes, ok := d.follow(n.path, focus)
		if !ok {
			return Empty, false
		}
		var eq bool
		switch len(nodes) {
		case 0:
			return Empty, true
		case 1:
			t, has := nodes[0].Value()
			if !has {
				return Empty, false
			}
			eq = t == n.text
		default:
			eq = false // collections of different sizes are not equal
		}
		return truthOfBool(eq == (n.op == dEqText)), true
	case dCompare:
		l, ok := d.count(n.il, focus)
		if !ok {
			return Empty, false
		}
		r, ok := d.count(n.ir, focus)
		if !ok {
			return Empty, false
		}
		switch n.cmp {
		case "=":
			return truthOfBool(l == r), true
		case "!=":
			return truthOfBool(l != r), true
		case "<":
			return truthOfBool(l < r), true
		case "<=":
			return truthOfBool(l <= r), true
		case ">":
			return truthOfBool(l > r), true
		case ">=":
			return truthOfBool(l >= r), true
		}
		return Empty, false
	case dStartsWith, dEndsWith, dContains:
		nodes, ok := d.follow(n.path, focus)
		switch {
		case !ok || len(nodes) > 1:
			return Empty, false // several items: an evaluation error
		case len(nodes) == 0:
			return Empty, true
		}
		text, has := nodes[0].Value()
		if !has {
			return Empty, false
		}
		switch n.op {
		case dStartsWith:
			return truthOfBool(strings.HasPrefix(text, n.text)), true
		case dEndsWith:
			return truthOfBool(strings.HasSuffix(text, n.text)), true
		}
		return truthOfBool(strings.Contains(text, n.text)), true
	}
	return Empty, false
}

// count reads a whole number; a sum that would leave 32 bits (never a
// count of children) is left to the evaluator.
func (d *Decider) count(c *icount, focus Node) (int64, bool) {
	switch {
	case c.lit:
		return c.value, true
	case c.l != nil:
		l, ok := d.count(c.l, focus)
		if !ok {
			return 0, false
		}
		r, ok := d.count(c.r, focus)
		if !ok || l > 1<<31 || r > 1<<31 || l < -(1<<31) || r < -(1<<31) {
			return 0, false
		}
		return l + r, true
	}
	nodes, ok := d.follow(c.path, focus)
	if !ok {
		return 0, false
	}
	return int64(len(nodes)), true
}

// logic is the three-valued and, or and implies, which, like the
// evaluator, leave the right side unread once the left one settles the
// answer: a right side left to the evaluator then does not matter.
func (d *Decider) logic(n *dnode, focus Node) (Truth, bool) {
	l, ok := d.run(n.l, focus)
	if !ok {
		return Empty, false
	}
	switch {
	case n.op == dAnd && l == False:
		return False, true
	case n.op == dOr && l == True:
		return True, true
	case n.op == dImplies && l == False:
		return True, true
	}
	if n.r == nil {
		return Empty, false
	}
	r, ok := d.run(n.r, focus)
	if !ok {
		return Empty, false
	}
	switch n.op {
	case dAnd:
		switch {
		case r == False:
			return False, true
		case l == True && r == True:
			return True, true
		}
	case dOr:
		switch {
		case r == True:
			return True, true
		case l == False && r == False:
			return False, true
		}
	case dImplies:
		switch {
		case l == True:
			return r, true
		case r == True:
			return True, true
		}
	}
	return Empty, true
}

// follow returns the items a path of child names finds from the focus, as
// the evaluator navigates. The result lives in d's buffers: it is good
// until the next follow.
func (d *Decider) follow(names []string, focus Node) ([]Node, bool) {
	cur := append(d.cur[:0], focus)
	d.dirty = max(d.dirty, 1)
	for _, name := range names {
		next := d.next[:0]
		for _, n := range cur {
			var ok bool
			next, ok = d.appendChildren(next, n, name)
			d.dirty = max(d.dirty, len(next))
			if !ok {
				return nil, false
			}
		}
		d.cur, d.next = next, cur
		cur = next
	}
	return cur, true
}

func (d *Decider) appendChildren(dst []Node, n Node, name string) ([]Node, bool) {
	if ca, isAppender := n.(ChildAppender); isAppender {
		items := ca.AppendChildren(d.items[:0], name)
		defer clear(items) // no payload kept alive by the pool
		if len(dst)+len(items) > maxDecideNodes {
			return dst, false
		}
		for _, it := range items {
			if it.node == nil {
				return dst, false
			}
			dst = append(dst, it.node)
		}
		return dst, true
	}
	for _, k := range n.Children(name) {
		if k == nil {
			continue
		}
		if len(dst) == maxDecideNodes {
			return dst, false
		}
		dst = append(dst, k)
	}
	return dst, true
}

// stringLit returns the text of a string literal.
func stringLit(x expr) (string, bool) {
	if m, isMemo := x.(*memoExpr); isMemo {
		x = m.x
	}
	l, isLit := x.(*literalExpr)
	if !isLit || l.val == nil {
		return "", false
	}
	s, isString := l.val.(String)
	return string(s), isString
}

func truthOfBool(b bool) Truth {
	if b {
		return True
	}
	return False
}
