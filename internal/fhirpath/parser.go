package fhirpath

import "strings"

// Limits that keep hostile expressions from exhausting the stack or memory.
const (
	maxExprLen = 1 << 20
	maxNesting = 200
)

// Binding powers of the binary operators, loosest first, following the
// precedence table of the FHIRPath grammar.
const (
	bpImplies = iota + 1
	bpOr
	bpAnd
	bpMembership
	bpEquality
	bpInequality
	bpUnion
	bpType
	bpAdditive
	bpMultiplicative
	bpUnary
	bpPostfix
)

var binaryOps = map[string]int{
	"implies": bpImplies,
	"or":      bpOr, "xor": bpOr,
	"and": bpAnd,
	"in":  bpMembership, "contains": bpMembership,
	"=": bpEquality, "~": bpEquality, "!=": bpEquality, "!~": bpEquality, "<>": bpEquality,
	"<": bpInequality, "<=": bpInequality, ">": bpInequality, ">=": bpInequality,
	"|":  bpUnion,
	"is": bpType, "as": bpType,
	"+": bpAdditive, "-": bpAdditive, "&": bpAdditive,
	"*": bpMultiplicative, "/": bpMultiplicative, "div": bpMultiplicative, "mod": bpMultiplicative,
}

// keywords cannot start a term (except as a function name). The grammar
// lets as, contains, in and is name elements there too, as in
// ValueSet.expansion.repeat(contains): no operator can stand where a term
// starts, so reading them as names is unambiguous.
var keywords = map[string]bool{
	"and": true, "or": true, "xor": true, "implies": true, "div": true, "mod": true,
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

func parse(src string) (expr, *ParseError) {
	if len(src) > maxExprLen {
		return nil, newParseError(src, 0, "an expression of "+itoa(len(src))+" bytes", "an expression shorter than 1 MiB")
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	e, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.errAt(t, "an operator or the end of the expression")
	}
	return e, nil
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tkPunct && t.text == s
}

func (p *parser) errAt(t token, expected string) *ParseError {
	return newParseError(p.src, t.pos, t.describe(), expected)
}

func (p *parser) expect(s string) *ParseError {
	if !p.isPunct(s) {
		return p.errAt(p.peek(), "'"+s+"'")
	}
	p.next()
	return nil
}

// expression parses operators that bind at least as tightly as minBP.
func (p *parser) expression(minBP int) (expr, *ParseError) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxNesting {
		return nil, p.errAt(p.peek(), "an expression nested less than "+itoa(maxNesting)+" deep")
	}
	left, err := p.prefix()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind == tkPunct && (t.text == "." || t.text == "[") {
			if left, err = p.postfix(left); err != nil {
				return nil, err
			}
			continue
		}
		if t.kind != tkPunct && t.kind != tkIdent {
			return left, nil
		}
		bp, ok := binaryOps[t.text]
		if !ok || bp < minBP {
			return left, nil
		}
		p.next()
		if bp == bpType {
			ts, err := p.typeSpecifier()
			if err != nil {
				return nil, err
			}
			left = &typeExpr{at: t.pos, op: t.text, x: left, t: ts}
			continue
		}
		right, err := p.expression(bp + 1)
		if err != nil {
			return nil, err
		}
		op := t.text
		if op == "<>" {
			op = "!="
		}
		left = &binaryExpr{at: t.pos, op: op, l: left, r: right}
	}
}

func (p *parser) prefix() (expr, *ParseError) {
	t := p.peek()
	if t.kind == tkPunct && (t.text == "+" || t.text == "-") {
		p.next()
		x, err := p.expression(bpUnary)
		if err != nil {
			return nil, err
		}
		if t.text == "+" {
			return x, nil
		}
		return negate(t.pos, x), nil
	}
	return p.term()
}

// negate folds a minus into a number literal, so -1 is a constant.
func negate(at int, x expr) expr {
	if lit, ok := x.(*literalExpr); ok {
		switch v := lit.val.(type) {
		case Integer:
			return newLiteral(at, -v)
		case Decimal:
			return newLiteral(at, Decimal{r: v.Rat().Neg(v.Rat()), scale: v.scale})
		case Quantity:
			v.Value = Decimal{r: v.Value.Rat().Neg(v.Value.Rat()), scale: v.Value.scale}
			return newLiteral(at, v)
		}
	}
	return &unaryExpr{at: at, op: "-", x: x}
}

func (p *parser) postfix(left expr) (expr, *ParseError) {
	t := p.next()
	if t.text == "[" {
		idx, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		return &indexExpr{at: t.pos, recv: left, idx: idx}, nil
	}
	name := p.peek()
	if name.kind != tkIdent && name.kind != tkDelimited || strings.HasPrefix(name.text, "$") && name.kind == tkIdent {
		return nil, p.errAt(name, "a name or function after '.'")
	}
	p.next()
	if p.isPunct("(") {
		return p.call(left, name)
	}
	return &memberExpr{at: name.pos, recv: left, name: name.text}, nil
}

func (p *parser) term() (expr, *ParseError) {
	t := p.peek()
	switch t.kind {
	case tkNumber:
		p.next()
		return p.number(t)
	case tkString:
		p.next()
		return newLiteral(t.pos, String(t.text)), nil
	case tkDateTime:
		p.next()
		d, _ := parseDateTimeLiteral(t.text)
		return newLiteral(t.pos, d), nil
	case tkTime:
		p.next()
		tm, _ := ParseTime(t.text[1:])
		return newLiteral(t.pos, tm), nil
	case tkDelimited:
		p.next()
		if p.isPunct("(") {
			return p.call(nil, t)
		}
		return &identExpr{at: t.pos, name: t.text}, nil
	case tkIdent:
		p.next()
		switch {
		case t.text == "true" || t.text == "false":
			return newLiteral(t.pos, Boolean(t.text == "true")), nil
		case t.text == "$this" || t.text == "$index" || t.text == "$total":
			return &varExpr{at: t.pos, name: t.text}, nil
		case strings.HasPrefix(t.text, "$"):
			return nil, p.errAt(t, "$this, $index or $total")
		case p.isPunct("("):
			return p.call(nil, t)
		case keywords[t.text]:
			return nil, p.errAt(t, "an expression")
		}
		return &identExpr{at: t.pos, name: t.text}, nil
	case tkPunct:
		switch t.text {
		case "(":
			p.next()
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "{":
			p.next()
			if err := p.expect("}"); err != nil {
				return nil, err
			}
			return &literalExpr{at: t.pos}, nil
		case "%":
			p.next()
			n := p.next()
			if n.kind != tkIdent && n.kind != tkDelimited && n.kind != tkString || strings.HasPrefix(n.text, "$") && n.kind == tkIdent {
				return nil, p.errAt(n, "a constant name after '%'")
			}
			return &constExpr{at: t.pos, name: n.text}, nil
		}
	}
	return nil, p.errAt(t, "an expression")
}

// number reads a number literal and the unit that may follow it.
func (p *parser) number(t token) (expr, *ParseError) {
	var val Value
	if strings.Contains(t.text, ".") {
		d, ok := ParseDecimal(t.text)
		if !ok {
			return nil, p.errAt(t, "a decimal number")
		}
		val = d
	} else {
		d, ok := ParseDecimal(t.text)
		if ok && d.r.IsInt() && d.r.Num().IsInt64() {
			val = Integer(d.r.Num().Int64())
		} else if ok {
			val = d // too large for an integer: keep it exact as a decimal
		} else {
			return nil, p.errAt(t, "a number")
		}
	}
	u := p.peek()
	unit := ""
	switch {
	case u.kind == tkString:
		unit = u.text
	case u.kind == tkIdent && isCalendarUnit(u.text):
		unit = u.text
	default:
		return newLiteral(t.pos, val), nil
	}
	p.next()
	var d Decimal
	switch v := val.(type) {
	case Integer:
		d = decimalFromInt(int64(v))
	case Decimal:
		d = v
	}
	return newLiteral(t.pos, Quantity{Value: d, Unit: unit}), nil
}

func (p *parser) call(recv expr, name token) (expr, *ParseError) {
	open := p.next() // (
	var args []expr
	argAt := p.peek().pos
	if !p.isPunct(")") {
		for {
			a, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if err := p.expect(")"); err != nil {
		if len(args) > 0 {
			err.Expected = "',' or ')'"
		}
		return nil, err
	}
	fn := lookupFunction(name.text)
	if fn == nil {
		return nil, newParseError(p.src, name.pos, "unknown function '"+name.text+"'", "a FHIRPath function name")
	}
	if len(args) < fn.minArgs || len(args) > fn.maxArgs {
		return nil, newParseError(p.src, open.pos, itoa(len(args))+" argument(s) to "+name.text+"()", fn.arity())
	}
	c := &callExpr{at: name.pos, recv: recv, name: name.text, args: args, fn: fn}
	if fn.typeArg {
		ts, ok := typeSpecOf(args[0])
		if !ok {
			return nil, newParseError(p.src, argAt, "an expression", "a type name as the argument of "+name.text+"()")
		}
		c.typ, c.args = &ts, nil
		if d, ok := recv.(*callExpr); ok && name.text == "ofType" && d.name == "descendants" {
			c.ofDescendants = true
		}
	}
	return c, nil
}

// typeSpecOf reads a type name written as an argument: uri, FHIR.Patient.
func typeSpecOf(e expr) (typeSpec, bool) {
	switch e := e.(type) {
	case *identExpr:
		return newTypeSpec("", e.name), true
	case *memberExpr:
		if id, ok := e.recv.(*identExpr); ok {
			return newTypeSpec(id.name, e.name), true
		}
	}
	return typeSpec{}, false
}

func (p *parser) typeSpecifier() (typeSpec, *ParseError) {
	t := p.peek()
	if t.kind != tkIdent && t.kind != tkDelimited || strings.HasPrefix(t.text, "$") && t.kind == tkIdent {
		return typeSpec{}, p.errAt(t, "a type name")
	}
	p.next()
	ts := newTypeSpec("", t.text)
	if p.isPunct(".") {
		if n := p.toks[p.i+1]; n.kind == tkIdent || n.kind == tkDelimited {
			p.next()
			p.next()
			ts = newTypeSpec(t.text, n.text)
		}
	}
	return ts, nil
}

func itoa(i int) string {
	return Integer(i).String()
}
