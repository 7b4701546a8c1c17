package fhirpath

import (
	"math/big"
	"strconv"
	"strings"
)

// Value is a FHIRPath System value: [Boolean], [Integer], [Decimal],
// [String], [DateTime] (which also stands for System.Date), [Time] or
// [Quantity].
type Value interface {
	// SystemType is the System type name ("Boolean", "Date", ...).
	SystemType() string
	// String renders the value the way toString() does.
	String() string
}

// Boolean is a System.Boolean.
type Boolean bool

// Integer is a System.Integer. It is held in 64 bits; arithmetic that
// overflows them is an error rather than a silent wrap.
type Integer int64

// String is a System.String.
type String string

// Decimal is a System.Decimal held exactly: the rational value and the
// number of digits after the point it was written with, so that "1.50"
// stays "1.50" through toString().
type Decimal struct {
	r     *big.Rat
	scale int
}

// Quantity is a System.Quantity: a decimal value and a unit (a UCUM code, or
// a calendar duration keyword such as "day").
type Quantity struct {
	Value Decimal
	Unit  string
}

// SystemType returns "Boolean".
func (Boolean) SystemType() string { return "Boolean" }

// String returns "true" or "false".
func (b Boolean) String() string { return strconv.FormatBool(bool(b)) }

// SystemType returns "Integer".
func (Integer) SystemType() string { return "Integer" }

// String returns the decimal digits of the integer.
func (i Integer) String() string { return strconv.FormatInt(int64(i), 10) }

// SystemType returns "String".
func (String) SystemType() string { return "String" }

// String returns the string itself.
func (s String) String() string { return string(s) }

// SystemType returns "Decimal".
func (Decimal) SystemType() string { return "Decimal" }

// String renders the decimal with the digits it was written with.
func (d Decimal) String() string {
	if d.r == nil {
		return "0"
	}
	return formatRat(d.r, d.scale)
}

// Rat returns a copy of the exact value.
func (d Decimal) Rat() *big.Rat {
	if d.r == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Set(d.r)
}

// SystemType returns "Quantity".
func (Quantity) SystemType() string { return "Quantity" }

// String renders the quantity as FHIRPath writes it: 4.5 'mg', or 3 days.
func (q Quantity) String() string {
	if isCalendarUnit(q.Unit) {
		return q.Value.String() + " " + q.Unit
	}
	return q.Value.String() + " '" + q.Unit + "'"
}

// maxExponent bounds the exponent accepted in decimal text, so that a value
// such as 1e999999999 cannot make the engine allocate a huge integer.
const maxExponent = 400

// ParseDecimal reads decimal text as FHIR writes it (optionally signed,
// with an optional fraction and exponent). It keeps the written scale.
func ParseDecimal(s string) (Decimal, bool) {
	t := s
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	mant, exp := t, 0
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		mant = t[:i]
		e, err := strconv.Atoi(t[i+1:])
		if err != nil || e > maxExponent || e < -maxExponent {
			return Decimal{}, false
		}
		exp = e
	}
	intPart, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
		if frac == "" {
			return Decimal{}, false
		}
	}
	if intPart == "" || !allDigits(intPart) || !allDigits(frac) {
		return Decimal{}, false
	}
	if len(intPart)+len(frac) > 4000 {
		return Decimal{}, false
	}
	n, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return Decimal{}, false
	}
	if neg {
		n.Neg(n)
	}
	scale := len(frac) - exp
	r := new(big.Rat).SetInt(n)
	if scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(pow10(scale)))
	} else if scale < 0 {
		r.Mul(r, new(big.Rat).SetInt(pow10(-scale)))
		scale = 0
	}
	return Decimal{r: r, scale: scale}, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func pow10(n int) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// divScale is how many fraction digits a division that does not terminate
// is rounded to.
const divScale = 8

// newDecimal wraps an exact rational. scale < 0 asks for the shortest exact
// rendering, or divScale digits when the fraction does not terminate.
func newDecimal(r *big.Rat, scale int) Decimal {
	if scale < 0 {
		scale = terminatingScale(r)
		if scale < 0 || scale > divScale {
			scale = divScale
			// Round now, so that the value and its text agree.
			r, _ = new(big.Rat).SetString(r.FloatString(divScale))
			scale = trimmedScale(r.FloatString(divScale))
		}
	}
	return Decimal{r: r, scale: scale}
}

// terminatingScale returns the number of fraction digits r needs to be
// written exactly, or -1 when its decimal expansion does not terminate.
func terminatingScale(r *big.Rat) int {
	d := new(big.Int).Set(r.Denom())
	two, five := big.NewInt(2), big.NewInt(5)
	var m big.Int
	n2, n5 := 0, 0
	for n2 < 64 {
		if m.Mod(d, two).Sign() != 0 {
			break
		}
		d.Quo(d, two)
		n2++
	}
	for n5 < 64 {
		if m.Mod(d, five).Sign() != 0 {
			break
		}
		d.Quo(d, five)
		n5++
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return -1
	}
	return max(n2, n5)
}

func trimmedScale(s string) int {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return 0
	}
	s = strings.TrimRight(s[i+1:], "0")
	return len(s)
}

func formatRat(r *big.Rat, scale int) string {
	if scale <= 0 {
		if r.IsInt() {
			return r.Num().String()
		}
		return r.FloatString(0)
	}
	return r.FloatString(scale)
}

func decimalFromInt(i int64) Decimal {
	return Decimal{r: new(big.Rat).SetInt64(i)}
}

// calendarUnits maps the FHIRPath calendar duration keywords to their
// singular form.
var calendarUnits = map[string]string{
	"year": "year", "years": "year", "month": "month", "months": "month",
	"week": "week", "weeks": "week", "day": "day", "days": "day",
	"hour": "hour", "hours": "hour", "minute": "minute", "minutes": "minute",
	"second": "second", "seconds": "second",
	"millisecond": "millisecond", "milliseconds": "millisecond",
}

func isCalendarUnit(u string) bool {
	_, ok := calendarUnits[u]
	return ok
}

// ucumCalendar maps UCUM time units onto calendar keywords, so that 1 'd'
// and 1 day compare. Years and months are only equal to themselves in UCUM
// terms ('a' is 365.25 days), which FHIRPath accepts for comparison.
var ucumCalendar = map[string]string{
	"a": "year", "mo": "month", "wk": "week", "d": "day", "h": "hour",
	"min": "minute", "s": "second", "ms": "millisecond",
}

// canonicalUnit returns a unit name under which equal units compare equal.
func canonicalUnit(u string) string {
	if c, ok := calendarUnits[u]; ok {
		return c
	}
	if c, ok := ucumCalendar[u]; ok {
		return c
	}
	return u
}
