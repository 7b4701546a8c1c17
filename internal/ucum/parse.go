package ucum

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits that keep every parse and every conversion small. A unit longer
// than MaxLength or with an exponent beyond MaxExponent is refused with an
// error saying so, never truncated.
const (
	MaxLength   = 256
	MaxExponent = 99
	maxDepth    = 16
)

// Error is a unit expression that is not valid UCUM, or that cannot be
// used for what was asked (a conversion between units that are not
// commensurable, say). Pos is the 1-based character position of the
// problem in Unit, or 0 when the problem is the unit as a whole.
type Error struct {
	Unit string
	Pos  int
	Msg  string
}

func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("UCUM unit %s, at character %d: %s", strconv.Quote(e.Unit), e.Pos, e.Msg)
	}
	return fmt.Sprintf("UCUM unit %s: %s", strconv.Quote(e.Unit), e.Msg)
}

// expr is a parsed unit expression, flattened to a product of terms each
// raised to a signed exponent (a division negates the exponents of what
// it divides by).
type expr struct {
	src   string
	items []item
}

type item struct {
	pos    int      // 1-based position in src
	atom   *atom    // nil for a number
	prefix *prefix  // nil when unprefixed
	number *big.Int // the factor of a number term
	exp    int
}

type parser struct {
	t     *tables
	s     string
	i     int
	depth int
	items []item
}

func (p *parser) errAt(i int, format string, args ...any) error {
	return &Error{Unit: p.s, Pos: i + 1, Msg: fmt.Sprintf(format, args...)}
}

// parse reads a unit expression against the tables.
func (t *tables) parse(s string) (*expr, error) {
	if s == "" {
		return nil, &Error{Unit: s, Msg: "empty unit: UCUM writes the unity (no unit) as 1"}
	}
	if len(s) > MaxLength {
		return nil, &Error{Unit: s[:32] + "...", Msg: fmt.Sprintf("%d characters long, more than the %d this implementation reads", len(s), MaxLength)}
	}
	p := &parser{t: t, s: s}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 33 || r > 126 {
			what := strconv.QuoteRune(r)
			if r == ' ' {
				what = "a space"
			}
			return nil, p.errAt(i, "%s is not allowed: UCUM units are written with printable ASCII characters only, without spaces", what)
		}
		i += n
	}
	sign := 1
	if s[0] == '/' {
		p.i, sign = 1, -1
	}
	if err := p.term(sign); err != nil {
		return nil, err
	}
	if p.i < len(s) {
		if s[p.i] == ')' {
			return nil, p.errAt(p.i, "')' without a matching '('")
		}
		return nil, p.errAt(p.i, "unexpected %q", s[p.i])
	}
	return &expr{src: s, items: p.items}, nil
}

func (p *parser) term(sign int) error {
	if err := p.component(sign); err != nil {
		return err
	}
	for p.i < len(p.s) {
		op := p.s[p.i]
		switch op {
		case '.':
			p.i++
			if err := p.component(sign); err != nil {
				return err
			}
		case '/':
			p.i++
			if err := p.component(-sign); err != nil {
				return err
			}
		default:
			return nil
		}
	}
	return nil
}

func (p *parser) component(sign int) error {
	if p.i >= len(p.s) {
		if p.i > 0 {
			return p.errAt(p.i-1, "%q is not followed by a unit", p.s[p.i-1])
		}
		return p.errAt(p.i, "a unit is missing")
	}
	c := p.s[p.i]
	switch {
	case c == '(':
		if p.depth >= maxDepth {
			return p.errAt(p.i, "parentheses nested more than %d deep", maxDepth)
		}
		open := p.i
		p.i++
		p.depth++
		if err := p.term(sign); err != nil {
			return err
		}
		p.depth--
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return p.errAt(open, "'(' is not closed by ')'")
		}
		p.i++
		return p.after("')'")
	case c == '{':
		if err := p.annotation(); err != nil {
			return err
		}
		return p.after("an annotation")
	case isDigit(c):
		return p.number(sign)
	case c == ')' || c == '.' || c == '/' || c == '}':
		if p.i > 0 && (p.s[p.i-1] == '.' || p.s[p.i-1] == '/' || p.s[p.i-1] == '(') {
			return p.errAt(p.i-1, "%q is not followed by a unit", p.s[p.i-1])
		}
		return p.errAt(p.i, "a unit is expected before %q", c)
	case c == '+' || c == '-':
		return p.errAt(p.i, "%q here is not part of an exponent: an exponent follows a unit symbol, as in m-1", c)
	}
	return p.symbol(sign)
}

// number reads a factor such as 4, or the atom 10* (or 10^) with its
// exponent.
func (p *parser) number(sign int) error {
	start := p.i
	j := p.i
	for j < len(p.s) && isDigit(p.s[j]) {
		j++
	}
	digits := p.s[start:j]
	if digits == "10" && j < len(p.s) && (p.s[j] == '*' || p.s[j] == '^') {
		p.i = j + 1
		return p.annotatable(start, sign, p.t.atoms[p.s[start:p.i]], nil)
	}
	p.i = j
	if len(digits) > 30 {
		return p.errAt(start, "the number %s has more than 30 digits", digits)
	}
	n, _ := new(big.Int).SetString(digits, 10)
	if n.Sign() == 0 {
		return p.errAt(start, "a factor of 0 makes no unit")
	}
	p.items = append(p.items, item{pos: start + 1, number: n, exp: sign})
	if p.i < len(p.s) && p.s[p.i] == '{' {
		if err := p.annotation(); err != nil {
			return err
		}
	}
	if p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case (c == '+' || c == '-') && digits == "10":
			return p.errAt(p.i, "the number 10 cannot take an exponent (for a power of ten write 10*%s)", p.exponentText())
		case c == '+' || c == '-':
			return p.errAt(p.i, "the number %s cannot take an exponent", digits)
		case c == '[' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
			return p.errAt(p.i, "the number %s is followed directly by %q: separate a factor from a unit with '.' (as in %s.%s)", digits, c, digits, p.symbolText())
		case c != '.' && c != '/' && c != ')':
			return p.errAt(p.i, "the number %s is followed directly by %q", digits, c)
		}
	}
	return nil
}

// exponentText and symbolText return what follows for hints.
func (p *parser) exponentText() string {
	j := p.i + 1
	for j < len(p.s) && isDigit(p.s[j]) {
		j++
	}
	return p.s[p.i:j]
}

func (p *parser) symbolText() string {
	j := p.i
	for j < len(p.s) && !strings.ContainsRune("./(){}", rune(p.s[j])) {
		j++
	}
	return p.s[p.i:j]
}

// symbol reads a unit symbol, possibly prefixed, with what may follow it.
func (p *parser) symbol(sign int) error {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '[' {
			end := strings.IndexByte(p.s[p.i+1:], ']')
			if end < 0 {
				return p.errAt(p.i, "'[' is not closed by ']'")
			}
			p.i += end + 2
			continue
		}
		if strings.IndexByte("./(){}+-", c) >= 0 || isDigit(c) {
			break
		}
		p.i++
	}
	sym := p.s[start:p.i]
	a, pre, err := p.t.lookup(sym)
	if err != nil {
		return p.errAt(start, "%v", err)
	}
	return p.annotatable(start, sign, a, pre)
}

// annotatable reads the optional exponent and annotation after a unit
// symbol and records the term.
func (p *parser) annotatable(start, sign int, a *atom, pre *prefix) error {
	exp := 1
	if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-' || isDigit(p.s[p.i])) {
		es := p.i
		if !isDigit(p.s[p.i]) {
			p.i++
		}
		ds := p.i
		for p.i < len(p.s) && isDigit(p.s[p.i]) {
			p.i++
		}
		if ds == p.i {
			return p.errAt(es, "%q must be followed by the digits of an exponent", p.s[es])
		}
		n, err := strconv.Atoi(p.s[es:p.i])
		if err != nil || n > MaxExponent || n < -MaxExponent {
			return p.errAt(es, "exponent %s is beyond the %d this implementation handles", p.s[es:p.i], MaxExponent)
		}
		exp = n
	}
	p.items = append(p.items, item{pos: start + 1, atom: a, prefix: pre, exp: sign * exp})
	if p.i < len(p.s) && p.s[p.i] == '{' {
		if err := p.annotation(); err != nil {
			return err
		}
	}
	return p.after("unit " + strconv.Quote(p.s[start:p.i]))
}

func (p *parser) annotation() error {
	open := p.i
	for j := p.i + 1; j < len(p.s); j++ {
		switch p.s[j] {
		case '}':
			p.i = j + 1
			return nil
		case '{':
			return p.errAt(j, "'{' inside an annotation: annotations cannot be nested")
		}
	}
	return p.errAt(open, "'{' is not closed by '}'")
}

// after checks that a component is followed by an operator, a closing
// parenthesis or the end.
func (p *parser) after(what string) error {
	if p.i >= len(p.s) {
		return nil
	}
	switch c := p.s[p.i]; {
	case c == '.' || c == '/' || c == ')':
		return nil
	case c == '{':
		return p.errAt(p.i, "an annotation cannot follow %s", what)
	case (c == '+' || c == '-' || isDigit(c)) && what == "')'":
		return p.errAt(p.i, "an exponent cannot follow ')': UCUM raises only unit symbols to powers")
	default:
		return p.errAt(p.i, "%s is followed directly by %q: join units with '.' or '/'", what, c)
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lookup finds a unit symbol, whole or as a prefix and a metric unit.
func (t *tables) lookup(sym string) (*atom, *prefix, error) {
	if a := t.atoms[sym]; a != nil {
		return a, nil, nil
	}
	for _, pre := range t.prefixes {
		rest, ok := strings.CutPrefix(sym, pre.code)
		if !ok || rest == "" {
			continue
		}
		if a := t.atoms[rest]; a != nil {
			if !a.metric {
				return nil, nil, fmt.Errorf("the prefix %s (%s) cannot be used with %s, which is not a metric unit", pre.code, pre.name, rest)
			}
			return a, pre, nil
		}
	}
	return nil, nil, fmt.Errorf("unknown unit %s%s", strconv.Quote(sym), t.hint(sym))
}

// hint suggests the unit the writer probably meant.
func (t *tables) hint(sym string) string {
	if a := t.atoms["["+sym+"]"]; a != nil {
		return " (did you mean [" + sym + "]?)"
	}
	for _, code := range t.order {
		if strings.EqualFold(code, sym) {
			return " (UCUM is case sensitive: did you mean " + code + "?)"
		}
	}
	// Only a prefix written in the right case is offered (mEq: meq): a
	// guess at the prefix's case too gives nonsense such as EA (exa-ampere)
	// for ea.
	for _, pre := range t.prefixes {
		rest, ok := strings.CutPrefix(sym, pre.code)
		if !ok || rest == "" {
			continue
		}
		for _, code := range t.order {
			if strings.EqualFold(code, rest) && t.atoms[code].metric {
				return " (UCUM is case sensitive: did you mean " + pre.code + code + "?)"
			}
		}
	}
	return ""
}
