package fhirpath

import (
	"math/big"
)

func (ev *evaluator) binary(e *binaryExpr, scope Collection, fr *frame) (Collection, error) {
	switch e.op {
	case "and", "or", "xor", "implies":
		return ev.logic(e, scope, fr)
	}
	l, err := ev.eval(e.l, scope, fr)
	if err != nil {
		return nil, err
	}
	r, err := ev.eval(e.r, scope, fr)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "|":
		return ev.union(l, r)
	case "=", "!=":
		t, err := ev.equalCollections(l, r)
		if err != nil || t == Empty {
			return nil, err
		}
		return boolean((t == True) == (e.op == "=")), nil
	case "~", "!~":
		eq, err := ev.equivalentCollections(l, r)
		if err != nil {
			return nil, err
		}
		return boolean(eq == (e.op == "~")), nil
	case "<", "<=", ">", ">=":
		if len(l) == 0 || len(r) == 0 {
			return nil, nil
		}
		if len(l) > 1 || len(r) > 1 {
			return nil, evalErrorf("'%s' needs single items, got %d and %d", e.op, len(l), len(r))
		}
		c, known, err := ev.compareItems(l[0], r[0])
		if err != nil || !known {
			return nil, err
		}
		switch e.op {
		case "<":
			return boolean(c < 0), nil
		case "<=":
			return boolean(c <= 0), nil
		case ">":
			return boolean(c > 0), nil
		}
		return boolean(c >= 0), nil
	case "in":
		if res, ok, err := ev.memberOfRemembered(e.r, l, r); ok || err != nil {
			return res, err
		}
		return ev.membership(l, r)
	case "contains":
		if res, ok, err := ev.memberOfRemembered(e.l, r, l); ok || err != nil {
			return res, err
		}
		return ev.membership(r, l)
	case "&":
		ls, err := concatOperand(l)
		if err != nil {
			return nil, err
		}
		rs, err := concatOperand(r)
		if err != nil {
			return nil, err
		}
		if len(ls)+len(rs) > maxStringLen {
			return nil, evalErrorf("string result longer than %d bytes", maxStringLen)
		}
		return ev.stringResult(ls + rs)
	}
	return ev.arithmetic(e.op, l, r)
}

// truthOf reads an operand of a boolean operator: empty, one boolean, or
// one other item (true, by the singleton rule).
func truthOf(c Collection, op string) (Truth, error) {
	switch len(c) {
	case 0:
		return Empty, nil
	case 1:
		return c.Truth(), nil
	}
	return Empty, evalErrorf("'%s' needs a single boolean, got %d items", op, len(c))
}

// logic evaluates the three-valued and, or, xor and implies. The right
// operand is skipped when the left one settles the answer.
func (ev *evaluator) logic(e *binaryExpr, scope Collection, fr *frame) (Collection, error) {
	lc, err := ev.eval(e.l, scope, fr)
	if err != nil {
		return nil, err
	}
	l, err := truthOf(lc, e.op)
	if err != nil {
		return nil, err
	}
	switch {
	case e.op == "and" && l == False:
		return boolean(false), nil
	case e.op == "or" && l == True:
		return boolean(true), nil
	case e.op == "implies" && l == False:
		return boolean(true), nil
	}
	rc, err := ev.eval(e.r, scope, fr)
	if err != nil {
		return nil, err
	}
	r, err := truthOf(rc, e.op)
	if err != nil {
		return nil, err
	}
	var out Truth
	switch e.op {
	case "and":
		switch {
		case r == False:
			out = False
		case l == True && r == True:
			out = True
		}
	case "or":
		switch {
		case r == True:
			out = True
		case l == False && r == False:
			out = False
		}
	case "xor":
		if l != Empty && r != Empty {
			out = False
			if l != r {
				out = True
			}
		}
	case "implies":
		switch {
		case l == True:
			out = r
		case r == True:
			out = True
		}
	}
	return truthCollection(out), nil
}

func truthCollection(t Truth) Collection {
	switch t {
	case True:
		return boolean(true)
	case False:
		return boolean(false)
	}
	return nil
}

// equalCollections is = over collections: empty if either side is empty,
// otherwise item by item in order.
func (ev *evaluator) equalCollections(l, r Collection) (Truth, error) {
	if len(l) == 0 || len(r) == 0 {
		return Empty, nil
	}
	if len(l) != len(r) {
		return False, nil
	}
	out := True
	for i := range l {
		eq, known, err := ev.equalItems(l[i], r[i])
		if err != nil {
			return Empty, err
		}
		if !known {
			out = Empty
		} else if !eq {
			return False, nil
		}
	}
	return out, nil
}

// equivalentCollections is ~ over collections: order does not matter, and
// two empty collections are equivalent.
func (ev *evaluator) equivalentCollections(l, r Collection) (bool, error) {
	if len(l) != len(r) {
		return false, nil
	}
	used := make([]bool, len(r))
	for _, a := range l {
		found := false
		for j, b := range r {
			if used[j] {
				continue
			}
			if err := ev.step(1); err != nil {
				return false, err
			}
			eq, err := ev.equivalentItems(a, b)
			if err != nil {
				return false, err
			}
			if eq {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

// membership is `item in set`.
func (ev *evaluator) membership(item, set Collection) (Collection, error) {
	if len(item) == 0 {
		return nil, nil
	}
	if len(item) > 1 {
		return nil, evalErrorf("membership test needs a single item, got %d", len(item))
	}
	for _, s := range set {
		if err := ev.step(1); err != nil {
			return nil, err
		}
		eq, known, err := ev.equalItems(item[0], s)
		if err != nil {
			return nil, err
		}
		if eq && known {
			return boolean(true), nil
		}
	}
	return boolean(false), nil
}

// union merges two collections without duplicates (by =), keeping first
// occurrences in order.
func (ev *evaluator) union(l, r Collection) (Collection, error) {
	if len(l)+len(r) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(l)+len(r))
	out := make(Collection, 0, len(l)+len(r))
	for _, c := range [2]Collection{l, r} {
		for _, it := range c {
			if v, ok := valueOf(it); ok {
				// A value's key is often a constant ("b:true"): use it
				// as it is, charged as itemKey charges it.
				if err := ev.step(1); err != nil {
					return nil, err
				}
				if k := ev.valueKey(v); !seen[k] {
					seen[k] = true
					out = append(out, it)
				}
				continue
			}
			k, err := ev.appendItemKey(ev.keyBuf[:0], it, 0)
			ev.keyBuf = k[:0]
			if err != nil {
				return nil, err
			}
			if !seen[string(k)] { // looking up does not copy k
				seen[string(k)] = true
				out = append(out, it)
			}
		}
	}
	return out, nil
}

func concatOperand(c Collection) (string, error) {
	switch len(c) {
	case 0:
		return "", nil
	case 1:
		if v, ok := valueOf(c[0]); ok {
			return v.String(), nil
		}
		if isValuelessPrimitive(c[0]) {
			return "", nil
		}
		return "", evalErrorf("'&' needs a string, got %s", c[0])
	}
	return "", evalErrorf("'&' needs a single string, got %d items", len(c))
}

func singleValue(c Collection, op string) (Value, bool, error) {
	switch len(c) {
	case 0:
		return nil, false, nil
	case 1:
		v, ok := valueOf(c[0])
		if !ok && isValuelessPrimitive(c[0]) {
			return nil, false, nil
		}
		if !ok {
			return nil, false, evalErrorf("'%s' needs a value, got %s", op, c[0])
		}
		return v, true, nil
	}
	return nil, false, evalErrorf("'%s' needs a single item, got %d", op, len(c))
}

func negateCollection(c Collection) (Collection, error) {
	v, ok, err := singleValue(c, "-")
	if err != nil || !ok {
		return nil, err
	}
	switch v := v.(type) {
	case Integer:
		return Collection{ValueItem(-v)}, nil
	case Decimal:
		return Collection{ValueItem(Decimal{r: v.Rat().Neg(v.Rat()), scale: v.scale})}, nil
	case Quantity:
		v.Value = Decimal{r: v.Value.Rat().Neg(v.Value.Rat()), scale: v.Value.scale}
		return Collection{ValueItem(v)}, nil
	}
	return nil, evalErrorf("cannot negate %s", v)
}

var (
	minInt64 = big.NewInt(-1 << 63)
	maxInt64 = big.NewInt(1<<63 - 1)
)

func integerResult(n *big.Int) (Collection, error) {
	if n.Cmp(minInt64) < 0 || n.Cmp(maxInt64) > 0 {
		return nil, evalErrorf("integer overflow")
	}
	return Collection{ValueItem(Integer(n.Int64()))}, nil
}

func (ev *evaluator) arithmetic(op string, l, r Collection) (Collection, error) {
	a, ok, err := singleValue(l, op)
	if err != nil || !ok {
		return nil, err
	}
	b, ok, err := singleValue(r, op)
	if err != nil || !ok {
		return nil, err
	}
	ai, aInt := a.(Integer)
	bi, bInt := b.(Integer)
	ra, sa, aNum := ratOf(a)
	rb, sb, bNum := ratOf(b)
	switch {
	case aInt && bInt && op != "/":
		x, y := big.NewInt(int64(ai)), big.NewInt(int64(bi))
		switch op {
		case "+":
			return integerResult(x.Add(x, y))
		case "-":
			return integerResult(x.Sub(x, y))
		case "*":
			return integerResult(x.Mul(x, y))
		case "div", "mod":
			if bi == 0 {
				return nil, nil
			}
			q, m := new(big.Int).QuoRem(x, y, new(big.Int))
			if op == "div" {
				return integerResult(q)
			}
			return integerResult(m)
		}
	case aNum && bNum:
		out := new(big.Rat)
		scale := max(sa, sb)
		switch op {
		case "+":
			out.Add(ra, rb)
		case "-":
			out.Sub(ra, rb)
		case "*":
			out.Mul(ra, rb)
			scale = sa + sb
		case "/", "div", "mod":
			if rb.Sign() == 0 {
				return nil, nil
			}
			out.Quo(ra, rb)
			if op == "/" {
				return Collection{ValueItem(newDecimal(out, -1))}, nil
			}
			q := new(big.Int).Quo(out.Num(), out.Denom()) // truncates toward zero
			if op == "div" {
				return integerResult(q)
			}
			out.Sub(ra, new(big.Rat).Mul(rb, new(big.Rat).SetInt(q)))
		}
		return Collection{ValueItem(Decimal{r: out, scale: scale})}, nil
	}
	switch x := a.(type) {
	case String:
		if y, ok := b.(String); ok && op == "+" {
			if len(x)+len(y) > maxStringLen {
				return nil, evalErrorf("string result longer than %d bytes", maxStringLen)
			}
			return ev.stringResult(string(x) + string(y))
		}
	case DateTime:
		if q, ok := b.(Quantity); ok && (op == "+" || op == "-") {
			return ev.shiftDateTime(x, q, op == "-")
		}
	case Quantity:
		switch y := b.(type) {
		case Quantity:
			switch op {
			case "+", "-":
				return quantitySum(x, y, op == "-"), nil
			case "*", "/":
				return quantityProduct(x, y, op == "/"), nil
			}
		case Integer, Decimal:
			if op == "*" || op == "/" {
				ry, sy, _ := ratOf(y)
				if op == "/" && ry.Sign() == 0 {
					return nil, nil
				}
				out := new(big.Rat)
				if op == "*" {
					out.Mul(x.Value.Rat(), ry)
					return Collection{ValueItem(Quantity{Value: Decimal{r: out, scale: x.Value.scale + sy}, Unit: x.Unit})}, nil
				}
				out.Quo(x.Value.Rat(), ry)
				return Collection{ValueItem(Quantity{Value: newDecimal(out, -1), Unit: x.Unit})}, nil
			}
		}
	}
	return nil, evalErrorf("cannot apply '%s' to %s (%s) and %s (%s)", op, a, a.SystemType(), b, b.SystemType())
}

// shiftDateTime adds or subtracts a time-valued quantity. Its fraction is
// dropped (7.7 days is 7 days, 0.1 's' is nothing), as the R4 suite has it:
// date arithmetic moves whole units. The UCUM year and month ('a', 'mo')
// are fixed lengths of time, not calendar steps, and cannot shift a date.
func (ev *evaluator) shiftDateTime(d DateTime, q Quantity, minus bool) (Collection, error) {
	if q.Unit == "a" || q.Unit == "mo" {
		return nil, evalErrorf("cannot shift a date by %s: the UCUM '%s' is not a calendar duration (write %s)", q, q.Unit, map[string]string{"a": "years", "mo": "months"}[q.Unit])
	}
	unit := canonicalUnit(q.Unit)
	r := q.Value.Rat()
	whole := new(big.Int).Quo(r.Num(), r.Denom()) // truncates toward zero
	if !whole.IsInt64() {
		return nil, evalErrorf("cannot shift %s by %s", d, q)
	}
	n := whole.Int64()
	if minus {
		n = -n
	}
	out, ok := addDuration(d, n, unit, ev.loc)
	if !ok {
		return nil, evalErrorf("cannot shift %s by %s", d, q)
	}
	return Collection{ValueItem(out)}, nil
}

// ucumTerm brackets a compound unit so that it stays one term.
func ucumTerm(u string) string {
	if isUnitAtom(u) {
		return u
	}
	return "(" + u + ")"
}

// isUnitAtom reports a unit of letters only ('m', 'mg'), which takes an
// exponent by a digit written after it.
func isUnitAtom(u string) bool {
	if u == "" {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
