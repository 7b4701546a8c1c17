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
// reference that is not "#id". Decide reads such tests straight off the
// focus, without an evaluator, its pool and its collections.

// maxDecideNodes bounds the items a path of a decided expression may
// collect; a longer collection is left to the evaluator.
const maxDecideNodes = 8

// Decide returns the truth of e on focus when e can be read directly, and
// ok false when it cannot (the caller then evaluates e). A decided truth is
// what [Expression.Evaluate] would give with any Env and any budget of at
// least a few hundred steps: Decide covers only and, or, implies, not(),
// = and != between exists() and empty() results or between a path and a
// string, exists() and empty() of a path, and startsWith(), endsWith() and
// contains() of a path with a string argument, where a path is child names
// read from the focus (the first one in lower case, so that it cannot be a
// type name); an evaluation that would fail (a string function on several
// items or on an element without a value) is not decided.
func (e *Expression) Decide(focus Node) (t Truth, ok bool) {
	if e == nil || focus == nil {
		return Empty, false
	}
	d := deciders.Get().(*Decider)
	t, ok = d.Decide(e, focus)
	deciders.Put(d)
	return t, ok
}

// NewDecider returns the buffers of Decide, for a caller that decides
// many expressions in a row (a walk over a payload) and keeps them rather
// than taking them from a pool each time. A Decider is not safe for
// concurrent use.
func NewDecider() *Decider {
	return &Decider{
		items: make([]Item, 0, maxDecideNodes),
		cur:   make([]Node, 0, maxDecideNodes),
		next:  make([]Node, 0, maxDecideNodes),
	}
}

// Decide is [Expression.Decide] with d's buffers. It keeps no reference
// to focus or its children once it returns.
func (d *Decider) Decide(e *Expression, focus Node) (t Truth, ok bool) {
	if e == nil || focus == nil {
		return Empty, false
	}
	t, ok = d.decideBool(e.root, focus)
	clear(d.cur[:cap(d.cur)])
	clear(d.next[:cap(d.next)])
	return t, ok
}

// decideBool decides an expression whose result is one Boolean or nothing
// (Empty).
func (d *Decider) decideBool(x expr, focus Node) (Truth, bool) {
	switch x := x.(type) {
	case *memoExpr:
		return d.decideBool(x.x, focus)
	case *binaryExpr:
		switch x.op {
		case "and", "or", "implies":
			return d.decideLogic(x, focus)
		case "=", "!=":
			return d.decideEqual(x, focus)
		}
	case *callExpr:
		if x.recv == nil {
			return Empty, false
		}
		switch {
		case len(x.args) == 0 && (x.name == "exists" || x.name == "empty"):
			nodes, ok := d.decidePath(x.recv, focus)
			if !ok {
				return Empty, false
			}
			return truthOfBool((len(nodes) > 0) == (x.name == "exists")), true
		case len(x.args) == 0 && x.name == "not":
			t, ok := d.decideBool(x.recv, focus)
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
		case len(x.args) == 1 && (x.name == "startsWith" || x.name == "endsWith" || x.name == "contains"):
			arg, isText := stringLit(x.args[0])
			if !isText {
				return Empty, false
			}
			text, found, ok := d.decideText(x.recv, focus)
			if !ok {
				return Empty, false
			}
			if !found {
				return Empty, true
			}
			switch x.name {
			case "startsWith":
				return truthOfBool(strings.HasPrefix(text, arg)), true
			case "endsWith":
				return truthOfBool(strings.HasSuffix(text, arg)), true
			}
			return truthOfBool(strings.Contains(text, arg)), true
		}
	}
	return Empty, false
}

// decideLogic is the three-valued and, or and implies, which, like the
// evaluator, leave the right side unread once the left one settles the
// answer: an undecidable right side then does not matter.
func (d *Decider) decideLogic(x *binaryExpr, focus Node) (Truth, bool) {
	l, ok := d.decideBool(x.l, focus)
	if !ok {
		return Empty, false
	}
	switch {
	case x.op == "and" && l == False:
		return False, true
	case x.op == "or" && l == True:
		return True, true
	case x.op == "implies" && l == False:
		return True, true
	}
	r, ok := d.decideBool(x.r, focus)
	if !ok {
		return Empty, false
	}
	switch x.op {
	case "and":
		switch {
		case r == False:
			return False, true
		case l == True && r == True:
			return True, true
		}
	case "or":
		switch {
		case r == True:
			return True, true
		case l == False && r == False:
			return False, true
		}
	case "implies":
		switch {
		case l == True:
			return r, true
		case r == True:
			return True, true
		}
	}
	return Empty, true
}

// decideEqual is = and != between two Boolean results, or between a path
// and a string literal.
func (d *Decider) decideEqual(x *binaryExpr, focus Node) (Truth, bool) {
	var eq Truth
	if lit, isText := stringLit(x.r); isText {
		nodes, ok := d.decidePath(x.l, focus)
		if !ok {
			return Empty, false
		}
		switch len(nodes) {
		case 0:
			return Empty, true
		case 1:
			t, has := nodes[0].Value()
			if !has {
				return Empty, false
			}
			eq = truthOfBool(t == lit)
		default:
			eq = False // collections of different sizes are not equal
		}
	} else {
		l, ok := d.decideBool(x.l, focus)
		if !ok {
			return Empty, false
		}
		r, ok := d.decideBool(x.r, focus)
		if !ok {
			return Empty, false
		}
		if l == Empty || r == Empty {
			return Empty, true
		}
		eq = truthOfBool(l == r)
	}
	if x.op == "!=" {
		if eq == True {
			return False, true
		}
		return True, true
	}
	return eq, true
}

// decideText reads the one text a string function takes from a path:
// found is false when the path finds nothing; more than one item, or one
// without a value, is not decided.
func (d *Decider) decideText(x expr, focus Node) (text string, found, ok bool) {
	nodes, ok := d.decidePath(x, focus)
	switch {
	case !ok || len(nodes) > 1:
		return "", false, false
	case len(nodes) == 0:
		return "", false, true
	}
	t, has := nodes[0].Value()
	if !has {
		return "", false, false
	}
	return t, true, true
}

// maxDecideSteps bounds the names of a decided path.
const maxDecideSteps = 6

// Decider holds the buffers of Decide: a buffer handed to Node's methods
// would otherwise be allocated every call.
type Decider struct {
	items     []Item
	cur, next []Node
}

var deciders = sync.Pool{New: func() any { return NewDecider() }}

// decidePath returns the items a path of child names finds from the focus,
// as the evaluator navigates. The result lives in d's buffers: it is good
// until the next decidePath.
func (d *Decider) decidePath(x expr, focus Node) ([]Node, bool) {
	var names [maxDecideSteps]string
	k := len(names)
	for done := false; !done; {
		switch y := x.(type) {
		case *memoExpr:
			x = y.x
		case *memberExpr:
			if k == 0 {
				return nil, false
			}
			k--
			names[k] = y.name
			x = y.recv
		case *identExpr:
			if k == 0 || y.name == "" || isUpper(y.name) {
				return nil, false // a type name: left to the evaluator
			}
			k--
			names[k] = y.name
			done = true
		default:
			return nil, false
		}
	}
	cur := append(d.cur[:0], focus)
	for _, name := range names[k:] {
		next := d.next[:0]
		for _, n := range cur {
			var ok bool
			if next, ok = d.appendChildren(next, n, name); !ok {
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
		if len(dst)+len(items) > maxDecideNodes {
			return dst, false
		}
		for i, it := range items {
			if it.node == nil {
				return dst, false
			}
			dst = append(dst, it.node)
			items[i] = Item{}
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
