package fhirpath

import "strings"

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
	return decideBool(e.root, focus)
}

// decideBool decides an expression whose result is one Boolean or nothing
// (Empty).
func decideBool(x expr, focus Node) (Truth, bool) {
	switch x := x.(type) {
	case *memoExpr:
		return decideBool(x.x, focus)
	case *binaryExpr:
		switch x.op {
		case "and", "or", "implies":
			return decideLogic(x, focus)
		case "=", "!=":
			return decideEqual(x, focus)
		}
	case *callExpr:
		if x.recv == nil {
			return Empty, false
		}
		switch {
		case len(x.args) == 0 && (x.name == "exists" || x.name == "empty"):
			var buf [maxDecideNodes]Node
			nodes, ok := decidePath(x.recv, focus, buf[:0])
			if !ok {
				return Empty, false
			}
			return truthOfBool((len(nodes) > 0) == (x.name == "exists")), true
		case len(x.args) == 0 && x.name == "not":
			t, ok := decideBool(x.recv, focus)
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
			text, found, ok := decideText(x.recv, focus)
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
func decideLogic(x *binaryExpr, focus Node) (Truth, bool) {
	l, ok := decideBool(x.l, focus)
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
	r, ok := decideBool(x.r, focus)
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
func decideEqual(x *binaryExpr, focus Node) (Truth, bool) {
	var eq Truth
	if lit, isText := stringLit(x.r); isText {
		var buf [maxDecideNodes]Node
		nodes, ok := decidePath(x.l, focus, buf[:0])
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
		l, ok := decideBool(x.l, focus)
		if !ok {
			return Empty, false
		}
		r, ok := decideBool(x.r, focus)
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
func decideText(x expr, focus Node) (text string, found, ok bool) {
	var buf [maxDecideNodes]Node
	nodes, ok := decidePath(x, focus, buf[:0])
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

// decidePath appends to dst the items a path of child names finds from
// the focus, as the evaluator navigates.
func decidePath(x expr, focus Node, dst []Node) ([]Node, bool) {
	switch x := x.(type) {
	case *memoExpr:
		return decidePath(x.x, focus, dst)
	case *identExpr:
		if x.name == "" || isUpper(x.name) {
			return dst, false // a type name: left to the evaluator
		}
		return appendDecideChildren(dst, focus, x.name)
	case *memberExpr:
		var buf [maxDecideNodes]Node
		in, ok := decidePath(x.recv, focus, buf[:0])
		if !ok {
			return dst, false
		}
		for _, n := range in {
			if dst, ok = appendDecideChildren(dst, n, x.name); !ok {
				return dst, false
			}
		}
		return dst, true
	}
	return dst, false
}

func appendDecideChildren(dst []Node, n Node, name string) ([]Node, bool) {
	if ca, isAppender := n.(ChildAppender); isAppender {
		var buf [maxDecideNodes]Item
		items := ca.AppendChildren(buf[:0], name)
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
