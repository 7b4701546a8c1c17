package fhirpath

import (
	"math/big"
	"strconv"
	"strings"
)

// ratOf returns the exact value of a number, and false for non-numbers.
func ratOf(v Value) (*big.Rat, int, bool) {
	switch v := v.(type) {
	case Integer:
		return new(big.Rat).SetInt64(int64(v)), 0, true
	case Decimal:
		return v.Rat(), v.scale, true
	}
	return nil, 0, false
}

// rawText returns the instance text of a primitive element.
func rawText(it Item) (string, bool) {
	if it.node == nil {
		return "", false
	}
	return it.node.Value()
}

// equalItems is FHIRPath = on two single items. known is false when the
// answer is empty (date-times of different precision that agree as far as
// both go, quantities in units that cannot be compared).
func (ev *evaluator) equalItems(a, b Item) (eq, known bool, err error) {
	if a.node != nil && b.node != nil && sameNode(a.node, b.node) {
		return true, true, nil
	}
	// A primitive element against a string (system = 'http://...'): the
	// rules below come down to comparing the instance text, so skip
	// converting the element.
	if s, ok := b.val.(String); ok && a.node != nil {
		if t, ok := a.node.Value(); ok {
			return t == string(s), true, nil
		}
	}
	if s, ok := a.val.(String); ok && b.node != nil {
		if t, ok := b.node.Value(); ok {
			return string(s) == t, true, nil
		}
	}
	va, aok := valueOf(a)
	vb, bok := valueOf(b)
	switch {
	case aok && bok:
		// A FHIR primitive compared with a string literal compares as the
		// text of the instance: `notGiven = 'false'` (mad-3) means the
		// boolean false to its authors.
		if sa, ok := va.(String); ok && isPrimitiveNode(b) {
			if _, isStr := vb.(String); !isStr {
				t, _ := rawText(b)
				return string(sa) == t, true, nil
			}
		}
		if sb, ok := vb.(String); ok && isPrimitiveNode(a) {
			if _, isStr := va.(String); !isStr {
				t, _ := rawText(a)
				return t == string(sb), true, nil
			}
		}
		eq, known := ev.valuesEqual(va, vb)
		return eq, known, nil
	case !aok && !bok && a.node != nil && b.node != nil:
		ka, err := ev.itemKey(a, 0)
		if err != nil {
			return false, false, err
		}
		kb, err := ev.itemKey(b, 0)
		if err != nil {
			return false, false, err
		}
		return ka == kb, true, nil
	}
	return false, true, nil
}

func (ev *evaluator) valuesEqual(a, b Value) (eq, known bool) {
	if x, ok := a.(Integer); ok {
		if y, ok := b.(Integer); ok {
			return x == y, true
		}
	}
	if ra, _, ok := ratOf(a); ok {
		if rb, _, ok := ratOf(b); ok {
			return ra.Cmp(rb) == 0, true
		}
		return false, true
	}
	switch a := a.(type) {
	case Boolean:
		b, ok := b.(Boolean)
		return ok && a == b, true
	case String:
		switch bv := b.(type) {
		case String:
			return a == bv, true
		case DateTime, Time:
			if pa, ok := temporalFromString(string(a), bv); ok {
				return ev.valuesEqual(pa, bv)
			}
		}
		return false, true
	case DateTime:
		switch bv := b.(type) {
		case DateTime:
			c, ok := compareDateTime(a, bv, ev.env.Location)
			return ok && c == 0, ok
		case String:
			return ev.valuesEqual(b, a)
		}
		return false, true
	case Time:
		switch bv := b.(type) {
		case Time:
			c, ok := compareTime(a, bv)
			return ok && c == 0, ok
		case String:
			return ev.valuesEqual(b, a)
		}
		return false, true
	case Quantity:
		bq, ok := b.(Quantity)
		if !ok {
			return false, true
		}
		c, ok := compareQuantities(a, bq)
		return ok && c == 0, ok
	}
	return false, true
}

// temporalFromString parses s as the same kind of value as like, so that a
// string literal can be compared with a date.
func temporalFromString(s string, like Value) (Value, bool) {
	switch like.(type) {
	case DateTime:
		d, ok := ParseDateTime(s)
		return d, ok
	case Time:
		t, ok := ParseTime(strings.TrimPrefix(s, "T"))
		return t, ok
	}
	return nil, false
}

// equivalentItems is FHIRPath ~ on two single items: never empty.
func (ev *evaluator) equivalentItems(a, b Item) (bool, error) {
	va, aok := valueOf(a)
	vb, bok := valueOf(b)
	if !aok || !bok {
		if aok != bok || a.node == nil || b.node == nil {
			return false, nil
		}
		ka, err := ev.itemKey(a, 0)
		if err != nil {
			return false, err
		}
		kb, err := ev.itemKey(b, 0)
		return ka == kb, err
	}
	if ra, sa, ok := ratOf(va); ok {
		rb, sb, ok := ratOf(vb)
		if !ok {
			return false, nil
		}
		// Compare at the precision of the less precise operand.
		s := min(sa, sb)
		return ra.FloatString(s) == rb.FloatString(s), nil
	}
	switch x := va.(type) {
	case String:
		y, ok := vb.(String)
		return ok && normalizeSpace(string(x)) == normalizeSpace(string(y)), nil
	case DateTime:
		y, ok := vb.(DateTime)
		if !ok {
			return false, nil
		}
		c, known := compareDateTime(x, y, ev.env.Location)
		return known && c == 0, nil
	case Time:
		y, ok := vb.(Time)
		if !ok {
			return false, nil
		}
		c, known := compareTime(x, y)
		return known && c == 0, nil
	case Quantity:
		y, ok := vb.(Quantity)
		return ok && equivalentQuantities(x, y), nil
	}
	eq, known := ev.valuesEqual(va, vb)
	return eq && known, nil
}

func normalizeSpace(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// compareItems orders two single items for <, <=, > and >=. known is
// false when the answer is empty.
func (ev *evaluator) compareItems(a, b Item) (cmp int, known bool, err error) {
	va, aok := valueOf(a)
	vb, bok := valueOf(b)
	if !aok || !bok {
		return 0, false, evalErrorf("cannot order %s and %s", a, b)
	}
	if x, ok := va.(Integer); ok {
		if y, ok := vb.(Integer); ok {
			return cmpInt(x, y), true, nil
		}
	}
	if ra, _, ok := ratOf(va); ok {
		if rb, _, ok := ratOf(vb); ok {
			return ra.Cmp(rb), true, nil
		}
	}
	if s, ok := va.(String); ok {
		if p, ok := temporalFromString(string(s), vb); ok {
			va = p
		}
	}
	if s, ok := vb.(String); ok {
		if p, ok := temporalFromString(string(s), va); ok {
			vb = p
		}
	}
	switch x := va.(type) {
	case String:
		if y, ok := vb.(String); ok {
			return strings.Compare(string(x), string(y)), true, nil
		}
	case DateTime:
		if y, ok := vb.(DateTime); ok {
			c, known := compareDateTime(x, y, ev.env.Location)
			return c, known, nil
		}
	case Time:
		if y, ok := vb.(Time); ok {
			c, known := compareTime(x, y)
			return c, known, nil
		}
	case Quantity:
		if y, ok := vb.(Quantity); ok {
			c, ok := compareQuantities(x, y)
			return c, ok, nil
		}
	}
	return 0, false, evalErrorf("cannot order %s (%s) and %s (%s)", va, va.SystemType(), vb, vb.SystemType())
}

func cmpInt(x, y Integer) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// sameNode reports node identity without risking the panic == raises on
// incomparable dynamic types.
func sameNode(a, b Node) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// itemKey returns a text under which items that are equal (=) share a key
// and unequal ones differ; distinct(), union and friends hash on it.
func (ev *evaluator) itemKey(it Item, depth int) (string, error) {
	b, err := ev.appendItemKey(ev.keyBuf[:0], it, depth)
	ev.keyBuf = b[:0]
	return string(b), err
}

// appendItemKey appends the key of it to dst: one buffer for the whole
// element rather than a string per level.
func (ev *evaluator) appendItemKey(dst []byte, it Item, depth int) ([]byte, error) {
	if depth > ev.maxDepth {
		return dst, ErrBudget
	}
	if err := ev.step(1); err != nil {
		return dst, err
	}
	if v, ok := valueOf(it); ok {
		return append(dst, ev.valueKey(v)...), nil
	}
	if it.node == nil {
		return dst, nil
	}
	dst = append(dst, '{')
	for _, k := range it.node.AllChildren() {
		if k == nil {
			continue
		}
		dst = append(dst, k.Name()...)
		dst = append(dst, '=')
		var err error
		if dst, err = ev.appendItemKey(dst, NodeItem(k), depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, ';')
	}
	return append(dst, '}'), nil
}

func (ev *evaluator) valueKey(v Value) string {
	switch v := v.(type) {
	case Boolean:
		if v {
			return "b:true"
		}
		return "b:false"
	case Integer:
		return "n:" + strconv.FormatInt(int64(v), 10) // as RatString writes it
	case Decimal:
		r, _, _ := ratOf(v)
		return "n:" + r.RatString()
	case String:
		return "s:" + string(v)
	case DateTime:
		if v.Precision >= PrecHour {
			v = v.fromInstant(v.instant(ev.loc).UTC())
			v.HasZone, v.ZoneMinutes = true, 0
		}
		v.DateOnly = false
		return "d:" + v.String()
	case Time:
		return "t:" + v.String()
	case Quantity:
		return quantityKey(v)
	}
	return "?:" + v.String()
}
