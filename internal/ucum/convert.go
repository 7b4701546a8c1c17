package ucum

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// Validate reports whether unit is a valid UCUM expression: the syntax,
// and every symbol a known unit with, where there is one, a prefix the
// unit accepts. The error is an *Error giving the position of the
// problem.
func Validate(unit string) error {
	t, err := load()
	if err != nil {
		return err
	}
	_, err = t.parse(unit)
	return err
}

// Version returns the UCUM version and revision date of the embedded
// table.
func Version() (version, date string, err error) {
	t, err := loadResolved()
	if err != nil {
		return "", "", err
	}
	return t.version, t.date, nil
}

// maxTotalExponent bounds the sum of the exponents' magnitudes in one
// expression, which bounds the size of its exact magnitude: without it a
// 256-character unit such as [mu_0]99.[mu_0]99... would take minutes.
const maxTotalExponent = 200

// canonical multiplies out a parsed expression. Special units have no
// canonical form (their scale is not a factor) and are refused.
func (e *expr) canonical() (*canonical, error) {
	total := 0
	for _, it := range e.items {
		total += abs(it.exp)
	}
	if total > maxTotalExponent {
		return nil, &Error{Unit: e.src, Msg: fmt.Sprintf("its exponents add up to %d, more than the %d this implementation converts", total, maxTotalExponent)}
	}
	// Numerator and denominator are kept apart and reduced once at the
	// end: reducing after every factor costs a GCD of growing numbers.
	num, den := big.NewInt(1), big.NewInt(1)
	dims := map[string]int{}
	for _, it := range e.items {
		if it.number != nil {
			mulPow(num, den, new(big.Rat).SetInt(it.number), it.exp)
			continue
		}
		a := it.atom
		if a.special {
			return nil, &Error{Unit: e.src, Pos: it.pos, Msg: a.code + " (" + a.name + ") is a special unit on a non-ratio scale: it can be converted only on its own, not as part of " + strconv.Quote(e.src)}
		}
		if a.canon == nil {
			return nil, &Error{Unit: e.src, Pos: it.pos, Msg: "internal: unit " + a.code + " is not resolved"}
		}
		if it.prefix != nil {
			mulPow(num, den, it.prefix.value, it.exp)
		}
		mulPow(num, den, a.canon.mag, it.exp)
		for d, n := range a.canon.dims {
			dims[d] += n * it.exp
			if dims[d] == 0 {
				delete(dims, d)
			}
		}
	}
	return &canonical{mag: new(big.Rat).SetFrac(num, den), dims: dims}, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// mulPow multiplies num/den by v to the power n.
func mulPow(num, den *big.Int, v *big.Rat, n int) {
	if n == 0 {
		return
	}
	k := big.NewInt(int64(abs(n)))
	a := new(big.Int).Exp(v.Num(), k, nil)
	b := new(big.Int).Exp(v.Denom(), k, nil)
	if n < 0 {
		a, b = b, a
	}
	num.Mul(num, a)
	den.Mul(den, b)
}

// unitString writes base-unit dimensions as a UCUM expression, in a fixed
// order so that equal dimensions give equal strings.
func unitString(dims map[string]int) string {
	if len(dims) == 0 {
		return "1"
	}
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
		if n := dims[k]; n != 1 {
			b.WriteString(strconv.Itoa(n))
		}
	}
	return b.String()
}

func sameDims(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// quantity is a parsed unit ready for conversion: either a ratio unit
// (canon) or a lone special unit (sp, with the factor of its prefix).
type quantity struct {
	e      *expr
	canon  *canonical
	sp     *atom
	spPref *big.Rat
}

func (t *tables) quantity(unit string) (*quantity, error) {
	e, err := t.parse(unit)
	if err != nil {
		return nil, err
	}
	if len(e.items) == 1 && e.items[0].atom != nil && e.items[0].atom.special {
		it := e.items[0]
		if it.exp != 1 {
			return nil, &Error{Unit: unit, Pos: it.pos, Msg: it.atom.code + " (" + it.atom.name + ") is a special unit on a non-ratio scale: it cannot be raised to a power or divided by"}
		}
		f := big.NewRat(1, 1)
		if it.prefix != nil {
			f = it.prefix.value
		}
		return &quantity{e: e, sp: it.atom, spPref: f}, nil
	}
	c, err := e.canonical()
	if err != nil {
		return nil, err
	}
	return &quantity{e: e, canon: c}, nil
}

// dims returns the dimensions a quantity converts through.
func (q *quantity) dims() map[string]int {
	if q.sp != nil {
		return q.sp.defCanon.dims
	}
	return q.canon.dims
}

// toBase turns a value in the unit into a value in base units.
func (q *quantity) toBase(v *big.Rat) (*big.Rat, error) {
	if q.sp == nil {
		return new(big.Rat).Mul(v, q.canon.mag), nil
	}
	f, err := specialFunc(q.sp)
	if err != nil {
		return nil, &Error{Unit: q.e.src, Pos: q.e.items[0].pos, Msg: err.Error()}
	}
	n, err := f.toArg(new(big.Rat).Mul(v, q.spPref))
	if err != nil {
		return nil, &Error{Unit: q.e.src, Pos: q.e.items[0].pos, Msg: err.Error()}
	}
	return n.Mul(n, q.sp.defCanon.mag), nil
}

// fromBase turns a value in base units into a value in the unit.
func (q *quantity) fromBase(b *big.Rat) (*big.Rat, error) {
	if q.sp == nil {
		return new(big.Rat).Quo(b, q.canon.mag), nil
	}
	f, err := specialFunc(q.sp)
	if err != nil {
		return nil, &Error{Unit: q.e.src, Pos: q.e.items[0].pos, Msg: err.Error()}
	}
	x, err := f.fromArg(new(big.Rat).Quo(b, q.sp.defCanon.mag))
	if err != nil {
		return nil, &Error{Unit: q.e.src, Pos: q.e.items[0].pos, Msg: err.Error()}
	}
	return x.Quo(x, q.spPref), nil
}

// Convert converts value from one unit to another. The units must be
// commensurable (the same dimensions once reduced to base units); a
// special unit such as Cel or [degF] converts when it stands alone, by the
// function UCUM defines for it. Ratio conversions are exact.
func Convert(value *big.Rat, from, to string) (*big.Rat, error) {
	t, err := loadResolved()
	if err != nil {
		return nil, err
	}
	qf, err := t.quantity(from)
	if err != nil {
		return nil, err
	}
	qt, err := t.quantity(to)
	if err != nil {
		return nil, err
	}
	if !sameDims(qf.dims(), qt.dims()) {
		return nil, &Error{Unit: from, Msg: fmt.Sprintf("cannot be converted to %s: the units are not commensurable (%s against %s)",
			strconv.Quote(to), unitString(qf.dims()), unitString(qt.dims()))}
	}
	b, err := qf.toBase(value)
	if err != nil {
		return nil, err
	}
	return qt.fromBase(b)
}

// Canonical returns value expressed in base units, and those units as a
// UCUM expression (g.m-3, or 1 when dimensionless), so that two quantities
// are equal exactly when their canonical forms are. Special units have no
// canonical form and give an error.
func Canonical(value *big.Rat, unit string) (*big.Rat, string, error) {
	t, err := loadResolved()
	if err != nil {
		return nil, "", err
	}
	e, err := t.parse(unit)
	if err != nil {
		return nil, "", err
	}
	c, err := e.canonical()
	if err != nil {
		return nil, "", err
	}
	return new(big.Rat).Mul(value, c.mag), unitString(c.dims), nil
}

// Commensurable reports whether quantities in units a and b can be
// converted to each other; false when either is not valid UCUM.
func Commensurable(a, b string) bool {
	t, err := loadResolved()
	if err != nil {
		return false
	}
	qa, err := t.quantity(a)
	if err != nil {
		return false
	}
	qb, err := t.quantity(b)
	if err != nil {
		return false
	}
	return sameDims(qa.dims(), qb.dims())
}

// Compare compares the quantities aValue aUnit and bValue bUnit: -1, 0 or
// +1 as a is less than, equal to or greater than b. ok is false when the
// units are not valid UCUM or not commensurable, in which case the
// quantities cannot be compared (FHIRPath's empty result).
func Compare(aValue *big.Rat, aUnit string, bValue *big.Rat, bUnit string) (cmp int, ok bool) {
	b, err := Convert(bValue, bUnit, aUnit)
	if err != nil {
		return 0, false
	}
	return aValue.Cmp(b), true
}

// Multiply returns the product of two quantities in canonical form (the
// value in base units, and those units). Special units are refused.
func Multiply(aValue *big.Rat, aUnit string, bValue *big.Rat, bUnit string) (*big.Rat, string, error) {
	return combine(aValue, aUnit, bValue, bUnit, 1)
}

// Divide returns the quotient of two quantities in canonical form, as
// Multiply does. A zero divisor is an error.
func Divide(aValue *big.Rat, aUnit string, bValue *big.Rat, bUnit string) (*big.Rat, string, error) {
	if bValue.Sign() == 0 {
		return nil, "", fmt.Errorf("UCUM: division by a zero quantity")
	}
	return combine(aValue, aUnit, bValue, bUnit, -1)
}

func combine(aValue *big.Rat, aUnit string, bValue *big.Rat, bUnit string, sign int) (*big.Rat, string, error) {
	t, err := loadResolved()
	if err != nil {
		return nil, "", err
	}
	ea, err := t.parse(aUnit)
	if err != nil {
		return nil, "", err
	}
	eb, err := t.parse(bUnit)
	if err != nil {
		return nil, "", err
	}
	ca, err := ea.canonical()
	if err != nil {
		return nil, "", err
	}
	cb, err := eb.canonical()
	if err != nil {
		return nil, "", err
	}
	v := new(big.Rat).Mul(aValue, ca.mag)
	w := new(big.Rat).Mul(bValue, cb.mag)
	dims := map[string]int{}
	for k, n := range ca.dims {
		dims[k] = n
	}
	for k, n := range cb.dims {
		dims[k] += sign * n
		if dims[k] == 0 {
			delete(dims, k)
		}
	}
	if sign > 0 {
		v.Mul(v, w)
	} else {
		v.Quo(v, w)
	}
	return v, unitString(dims), nil
}
