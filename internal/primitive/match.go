// Package primitive matches the values of FHIR STU3 primitive types against
// their types' regular expressions: by hand-written matchers for the types
// that fill most of a NEMS payload, and by compiled regular expressions for
// the rest. The validator's structure phase and its schema phase share it.
package primitive

import (
	"regexp"
	"sync"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// Each hand-written matcher accepts exactly what the package's regex for
// the type accepts (a test compares them on many values); regular
// expressions cost several times more per value.

// Codes are the primitive types with a hand-written matcher.
var Codes = []string{"code", "id", "dateTime", "date", "instant", "time", "decimal", "integer", "unsignedInt", "positiveInt"}

// Match reports whether v matches the regex of primitive type code; known
// is false for types without a hand-written matcher (those not in Codes).
func Match(code, v string) (match, known bool) {
	switch code {
	case "code":
		return matchCode(v), true
	case "id":
		return matchID(v), true
	case "dateTime":
		return matchDateTime(v), true
	case "date":
		return matchDate(v), true
	case "instant":
		return matchInstant(v), true
	case "time":
		return matchTime(v), true
	case "decimal":
		return matchDecimal(v), true
	case "integer":
		return matchInteger(v), true
	case "unsignedInt":
		return matchUnsigned(v), true
	case "positiveInt":
		return matchPositive(v), true
	}
	return false, false
}

// isSpace is \s of Go's regexp syntax: [\t\n\f\r ].
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matchCode: [^\s]+([\s]?[^\s]+)* — no leading or trailing whitespace and
// no two whitespace characters in a row.
func matchCode(v string) bool {
	if v == "" || isSpace(v[0]) || isSpace(v[len(v)-1]) {
		return false
	}
	for i := 1; i < len(v); i++ {
		if isSpace(v[i]) && isSpace(v[i-1]) {
			return false
		}
	}
	return true
}

// matchID: [A-Za-z0-9\-\.]{1,64}
func matchID(v string) bool {
	if len(v) < 1 || len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// scanner walks a value left to right.
type scanner struct {
	s string
	i int
}

func (p *scanner) done() bool { return p.i == len(p.s) }

func (p *scanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *scanner) lit(c byte) bool {
	if p.peek() == c && p.i < len(p.s) {
		p.i++
		return true
	}
	return false
}

// digits reads exactly n digits and returns their value.
func (p *scanner) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for k := 0; k < n; k++ {
		c := p.s[p.i+k]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

// fraction reads an optional "." followed by one or more digits.
func (p *scanner) fraction() bool {
	if !p.lit('.') {
		return true
	}
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.i > start
}

func (p *scanner) inRange(n, lo, hi int) bool {
	v, ok := p.digits(n)
	return ok && v >= lo && v <= hi
}

// clock reads hh:mm:ss with hours 00-23, minutes 00-59 and seconds 00-60
// (leap) when leap is set, else 00-59.
func (p *scanner) clock(leap bool) bool {
	maxSec := 59
	if leap {
		maxSec = 60
	}
	return p.inRange(2, 0, 23) && p.lit(':') && p.inRange(2, 0, 59) && p.lit(':') && p.inRange(2, 0, maxSec)
}

// zone reads Z or ±hh:mm with hours 00-13, or exactly 14:00.
func (p *scanner) zone() bool {
	if p.lit('Z') {
		return true
	}
	if !p.lit('+') && !p.lit('-') {
		return false
	}
	h, ok := p.digits(2)
	if !ok || !p.lit(':') {
		return false
	}
	m, ok := p.digits(2)
	if !ok {
		return false
	}
	if h == 14 {
		return m == 0
	}
	return h <= 13 && m <= 59
}

// matchDateTime: an optional "-", a year other than 0000, then optionally
// -MM, -DD (01-31) and a time with seconds and a zone.
func matchDateTime(v string) bool {
	p := &scanner{s: v}
	p.lit('-')
	if y, ok := p.digits(4); !ok || y == 0 {
		return false
	}
	if p.done() {
		return true
	}
	if !p.lit('-') || !p.inRange(2, 1, 12) {
		return false
	}
	if p.done() {
		return true
	}
	if !p.lit('-') || !p.inRange(2, 1, 31) {
		return false
	}
	if p.done() {
		return true
	}
	return p.lit('T') && p.clock(true) && p.fraction() && p.zone() && p.done()
}

// matchDate: an optional "-", any four-digit year, then optionally -MM and
// -DD, where the package's pattern allows day 00 to 31.
func matchDate(v string) bool {
	p := &scanner{s: v}
	p.lit('-')
	if _, ok := p.digits(4); !ok {
		return false
	}
	if p.done() {
		return true
	}
	if !p.lit('-') || !p.inRange(2, 1, 12) {
		return false
	}
	if p.done() {
		return true
	}
	return p.lit('-') && p.inRange(2, 0, 31) && p.done()
}

// matchInstant: YYYY-MM-DDThh:mm:ss(.s+)? and a zone, year not 0000.
func matchInstant(v string) bool {
	p := &scanner{s: v}
	if y, ok := p.digits(4); !ok || y == 0 {
		return false
	}
	return p.lit('-') && p.inRange(2, 1, 12) && p.lit('-') && p.inRange(2, 1, 31) &&
		p.lit('T') && p.clock(true) && p.fraction() && p.zone() && p.done()
}

// matchTime: hh:mm:ss(.s+)? with seconds 00-59.
func matchTime(v string) bool {
	p := &scanner{s: v}
	return p.clock(false) && p.fraction() && p.done()
}

// matchInteger: -?(0|[1-9][0-9]*)
func matchInteger(v string) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	return matchUnsigned(v)
}

// matchUnsigned: 0|[1-9][0-9]*
func matchUnsigned(v string) bool {
	if v == "0" {
		return true
	}
	return matchPositive(v)
}

// matchPositive: [1-9][0-9]*
func matchPositive(v string) bool {
	if v == "" || v[0] < '1' || v[0] > '9' {
		return false
	}
	for i := 1; i < len(v); i++ {
		if !isDigit(v[i]) {
			return false
		}
	}
	return true
}

// matchDecimal: -?(0|[1-9][0-9]*)(\.[0-9]+)?
func matchDecimal(v string) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	whole := v
	frac := ""
	for i := 0; i < len(v); i++ {
		if v[i] == '.' {
			whole, frac = v[:i], v[i+1:]
			if frac == "" {
				return false
			}
			break
		}
	}
	if !matchUnsigned(whole) {
		return false
	}
	for i := 0; i < len(frac); i++ {
		if !isDigit(frac[i]) {
			return false
		}
	}
	return true
}

var (
	regexMu sync.RWMutex
	regexes = map[string]*regexp.Regexp{}
)

// Regexp compiles a primitive type's pattern once per process, anchored on
// the whole value; nil when it does not compile (the model's patterns all
// do; a test checks it).
func Regexp(pattern string) *regexp.Regexp {
	regexMu.RLock()
	re := regexes[pattern]
	regexMu.RUnlock()
	if re != nil {
		return re
	}
	re, err := regexp.Compile(schemas.WholeValue(pattern))
	if err != nil {
		return nil
	}
	regexMu.Lock()
	regexes[pattern] = re
	regexMu.Unlock()
	return re
}

// MaxDecimalDigits is the most digits a decimal may have for common
// implementations to hold it exactly: the HL7 reference validator
// (Utilities.checkDecimal) warns of a value with more digits before and
// after the point together than this as "outside the range of commonly
// supported decimals". It also bounds the exponent at four digits, which
// the STU3 decimal pattern does not allow at all.
const MaxDecimalDigits = 18

// DecimalDigits counts the digits of a decimal value that matched the
// decimal pattern, leading zeros included, as the reference validator
// counts them: "-0.50" has three.
func DecimalDigits(v string) int {
	n := 0
	for i := 0; i < len(v); i++ {
		if isDigit(v[i]) {
			n++
		}
	}
	return n
}
