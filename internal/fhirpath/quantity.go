package fhirpath

import (
	"math/big"

	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// Quantities of different units are compared, added, multiplied and
// divided through the ucum package, the engine that also validates
// Quantity.code. Calendar duration keywords are not UCUM; FHIRPath (R4,
// §6.1.1 and §6.1.3) relates them to the UCUM definite durations this way:
// for = and ordering, a calendar week, day, hour, minute, second or
// millisecond is the UCUM 'wk', 'd', 'h', 'min', 's' or 'ms', while a
// calendar year or month cannot be compared with a UCUM duration
// (1 year = 1 'a' is empty); for ~, every calendar duration is equivalent
// to its UCUM counterpart (1 year ~ 1 'a' is true).

// definiteCalendar maps the calendar keywords of a week or less onto the
// UCUM unit of the same length.
var definiteCalendar = map[string]string{
	"week": "wk", "day": "d", "hour": "h", "minute": "min",
	"second": "s", "millisecond": "ms",
}

// nominalCalendar maps a calendar year and month onto the UCUM unit
// FHIRPath treats them as equivalent to (not equal to).
var nominalCalendar = map[string]string{"year": "a", "month": "mo"}

// unitKey names a unit so that spellings of the same unit agree: the
// singular calendar keyword ("days" is "day") and '1' for no unit.
func unitKey(u string) string {
	if c, ok := calendarUnits[u]; ok {
		return c
	}
	if u == "" {
		return "1"
	}
	return u
}

// ucumUnitOf returns the UCUM expression a quantity unit stands for, or
// false when it has none: a calendar year or month outside equivalence.
// Units that are not valid UCUM are returned as they are; the ucum
// package refuses them.
func ucumUnitOf(u string, equivalence bool) (string, bool) {
	k := unitKey(u)
	if c, ok := definiteCalendar[k]; ok {
		return c, true
	}
	if c, ok := nominalCalendar[k]; ok {
		return c, equivalence
	}
	return k, true
}

// compareQuantities orders two quantities for =, != and <, <=, >, >=.
// ok is false (the answer is empty) when the units cannot be compared:
// not UCUM, not commensurable, or a calendar year or month against
// anything but itself.
func compareQuantities(a, b Quantity) (cmp int, ok bool) {
	if unitKey(a.Unit) == unitKey(b.Unit) {
		// The same unit, UCUM or not (a free-text unit such as
		// 'tablets' compares with itself).
		return a.Value.Rat().Cmp(b.Value.Rat()), true
	}
	ua, oka := ucumUnitOf(a.Unit, false)
	ub, okb := ucumUnitOf(b.Unit, false)
	if !oka || !okb {
		return 0, false
	}
	return ucum.Compare(a.Value.Rat(), ua, b.Value.Rat(), ub)
}

// equivalentQuantities is ~ on two quantities: the values are converted to
// the unit of the less precise operand and compared at its precision, as
// decimals are. Units that cannot be compared are not equivalent.
func equivalentQuantities(a, b Quantity) bool {
	ra, rb := a.Value.Rat(), b.Value.Rat()
	sa, sb := a.Value.scale, b.Value.scale
	ua, oka := ucumUnitOf(a.Unit, true)
	ub, okb := ucumUnitOf(b.Unit, true)
	if unitKey(a.Unit) == unitKey(b.Unit) || (oka && okb && ua == ub) {
		s := min(sa, sb)
		return ra.FloatString(s) == rb.FloatString(s)
	}
	if !oka || !okb {
		return false
	}
	bInA, err := ucum.Convert(rb, ub, ua)
	if err != nil {
		return false
	}
	// The last digit of b, measured in a's unit, tells which operand is
	// less precise: 4 'g' ~ 4040 'mg' compares in grams, to 0 places.
	stepB := new(big.Rat).SetFrac(big.NewInt(1), pow10(sb))
	upper, err := ucum.Convert(new(big.Rat).Add(rb, stepB), ub, ua)
	if err != nil {
		return false
	}
	stepBInA := upper.Sub(upper, bInA)
	stepBInA.Abs(stepBInA)
	stepA := new(big.Rat).SetFrac(big.NewInt(1), pow10(sa))
	if stepBInA.Cmp(stepA) <= 0 {
		return ra.FloatString(sa) == bInA.FloatString(sa)
	}
	aInB, err := ucum.Convert(ra, ua, ub)
	if err != nil {
		return false
	}
	return aInB.FloatString(sb) == rb.FloatString(sb)
}

// quantitySum adds or subtracts two quantities. Commensurable units are
// converted to the finer of the two (1 'g' + 1 'mg' is 1001 'mg'), in which
// the result is written; other units give empty.
func quantitySum(x, y Quantity, minus bool) Collection {
	combine := func(a, b *big.Rat) *big.Rat {
		if minus {
			return new(big.Rat).Sub(a, b)
		}
		return new(big.Rat).Add(a, b)
	}
	if unitKey(x.Unit) == unitKey(y.Unit) {
		out := combine(x.Value.Rat(), y.Value.Rat())
		return Collection{ValueItem(Quantity{Value: Decimal{r: out, scale: max(x.Value.scale, y.Value.scale)}, Unit: x.Unit})}
	}
	ux, okx := ucumUnitOf(x.Unit, false)
	uy, oky := ucumUnitOf(y.Unit, false)
	if !okx || !oky || !ucum.Commensurable(ux, uy) {
		return nil
	}
	// Only ratio units add: 1 'Cel' + 1 '[degF]' has no meaning.
	if _, _, err := ucum.Canonical(big.NewRat(1, 1), ux); err != nil {
		return nil
	}
	if _, _, err := ucum.Canonical(big.NewRat(1, 1), uy); err != nil {
		return nil
	}
	one, err := ucum.Convert(big.NewRat(1, 1), ux, uy)
	if err != nil {
		return nil
	}
	if one.Cmp(big.NewRat(1, 1)) > 0 {
		// x's unit is the larger: write the result in y's.
		xv, err := ucum.Convert(x.Value.Rat(), ux, uy)
		if err != nil {
			return nil
		}
		xd := newDecimal(xv, -1)
		out := combine(xd.Rat(), y.Value.Rat())
		return Collection{ValueItem(Quantity{Value: Decimal{r: out, scale: max(xd.scale, y.Value.scale)}, Unit: y.Unit})}
	}
	yv, err := ucum.Convert(y.Value.Rat(), uy, ux)
	if err != nil {
		return nil
	}
	yd := newDecimal(yv, -1)
	out := combine(x.Value.Rat(), yd.Rat())
	return Collection{ValueItem(Quantity{Value: Decimal{r: out, scale: max(x.Value.scale, yd.scale)}, Unit: x.Unit})}
}

// quantityProduct multiplies or divides two quantities through UCUM, and
// writes the result in a unit built from the operands' own ('g' / 'm' is
// 'g/m', 'm' * 'm' is 'm2', a unit over itself is '1') rather than in base
// units. Units that are not UCUM, special units (Cel), a calendar year or
// month, and division by zero give empty.
func quantityProduct(x, y Quantity, divide bool) Collection {
	ux, okx := ucumUnitOf(x.Unit, false)
	uy, oky := ucumUnitOf(y.Unit, false)
	if !okx || !oky {
		return nil
	}
	var (
		v     *big.Rat
		canon string
		err   error
	)
	if divide {
		v, canon, err = ucum.Divide(x.Value.Rat(), ux, y.Value.Rat(), uy)
	} else {
		v, canon, err = ucum.Multiply(x.Value.Rat(), ux, y.Value.Rat(), uy)
	}
	if err != nil {
		return nil
	}
	unit := productUnit(ux, uy, divide)
	if w, err := ucum.Convert(v, canon, unit); err == nil {
		v = w
	} else {
		unit = canon
	}
	d := newDecimal(v, -1)
	if !divide && d.scale < x.Value.scale+y.Value.scale && terminatingScale(v) >= 0 {
		// Keep the digits the operands were written with: 2.0 'm' * 2.0 'm'
		// is 4.00 'm2'.
		d.scale = x.Value.scale + y.Value.scale
	}
	return Collection{ValueItem(Quantity{Value: d, Unit: unit})}
}

// productUnit writes the product or quotient of two UCUM units as UCUM
// writes it.
func productUnit(ux, uy string, divide bool) string {
	if divide {
		switch {
		case ux == uy:
			return "1"
		case uy == "1":
			return ux
		}
		return ucumTerm(ux) + "/" + ucumTerm(uy)
	}
	switch {
	case ux == "1":
		return uy
	case uy == "1":
		return ux
	case ux == uy && isUnitAtom(ux):
		return ux + "2"
	}
	return ucumTerm(ux) + "." + ucumTerm(uy)
}

// quantityKey is the key of a quantity for distinct(), union and the like:
// quantities that are equal (=) share it, so it is the canonical UCUM form
// when there is one.
func quantityKey(q Quantity) string {
	if u, ok := ucumUnitOf(q.Unit, false); ok {
		if v, cu, err := ucum.Canonical(q.Value.Rat(), u); err == nil {
			return "q:" + v.RatString() + " " + cu
		}
	}
	return "q:" + q.Value.Rat().RatString() + " u:" + unitKey(q.Unit)
}
