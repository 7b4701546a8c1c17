package structuredef

import (
	"encoding/json"
	"errors"
	"math/big"
	"regexp"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// ucumSystem is the code system of UCUM units in Quantity.system.
const ucumSystem = "http://unitsofmeasure.org"

// bound is a minValue[x] or maxValue[x] of an element definition.
type bound struct {
	min  bool
	typ  string // the type suffix: "Integer", "Date", "Quantity", ...
	text string // the limit as written, for messages
	// num is the limit of a number, or the value of a Quantity limit.
	num *big.Rat
	// unit, system and code of a Quantity limit.
	unit, system, code string
	// expr compares a date, dateTime, instant or time with the limit, by
	// FHIRPath's rules (an answer only when the precisions allow one).
	expr *fhirpath.Expression
}

func (v *fhirValue) label(min bool) string {
	if min {
		return "minValue" + v.Type
	}
	return "maxValue" + v.Type
}

// temporalText is what a date, dateTime, instant or time may be written
// as; anything else is not put into a FHIRPath literal.
var temporalText = regexp.MustCompile(`^[0-9][0-9:.\-+TZ]*$`)

// newBound reads a minValue[x] or maxValue[x].
func newBound(v *fhirValue, min bool) (*bound, error) {
	b := &bound{min: min, typ: v.Type}
	op := " >= "
	if !min {
		op = " <= "
	}
	switch v.Type {
	case "Integer", "PositiveInt", "UnsignedInt", "Decimal":
		num, ok := v.Value.(json.Number)
		if !ok {
			return nil, errors.New("the value is not a number")
		}
		r, ok := new(big.Rat).SetString(string(num))
		if !ok {
			return nil, errors.New("the value " + string(num) + " is not a number")
		}
		b.num, b.text = r, string(num)
	case "Date", "DateTime", "Instant", "Time":
		s, ok := v.Value.(string)
		if !ok || !temporalText.MatchString(s) {
			return nil, errors.New("the value is not a " + strings.ToLower(v.Type))
		}
		lit := "@" + s
		if v.Type == "Time" {
			lit = "@T" + s
		}
		x, err := fhirpath.Compile("$this" + op + lit)
		if err != nil {
			return nil, errors.New("the value " + s + " is not a " + strings.ToLower(v.Type))
		}
		b.expr, b.text = x, s
	case "Quantity":
		m, ok := v.Value.(map[string]any)
		if !ok {
			return nil, errors.New("the value is not a Quantity")
		}
		num, _ := m["value"].(json.Number)
		r, ok := new(big.Rat).SetString(string(num))
		if num == "" || !ok {
			return nil, errors.New("the Quantity has no numeric value")
		}
		b.num = r
		b.unit, _ = m["unit"].(string)
		b.system, _ = m["system"].(string)
		b.code, _ = m["code"].(string)
		if b.code == "" && b.unit == "" {
			return nil, errors.New("the Quantity has neither a code nor a unit")
		}
		b.text = string(num) + " " + firstOf(b.code, b.unit)
	default:
		return nil, errors.New("limits of type " + v.Type + " are not supported")
	}
	return b, nil
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// bounds checks n against the minValue[x] and maxValue[x] of d.
func (c *checker) bounds(n *tree.Node, d *edef, p *Profile) {
	for _, b := range []*bound{d.minValue, d.maxValue} {
		if b != nil {
			c.bound(n, b, d, p)
		}
	}
}

func (c *checker) bound(n *tree.Node, b *bound, d *edef, p *Profile) {
	kind, limit, side := KindMaxValue, "maximum", "above"
	if b.min {
		kind, limit, side = KindMinValue, "minimum", "below"
	}
	breach := func(found string) {
		c.add(p, kind, "error", "value", n, "",
			d.label()+" is "+found+", "+side+" the "+limit+" "+b.text+" set by "+p.Name)
	}
	unjudged := func(why string) {
		c.add(p, kind, "warning", "not-supported", n, "",
			d.label()+" was not compared with the "+limit+" "+b.text+" set by "+p.Name+": "+why)
	}
	switch {
	case b.expr != nil:
		if !n.HasValue {
			return
		}
		env := c.evalEnv()
		r, err := b.expr.Evaluate(c.ctx, treepath.Of(n), &env)
		switch {
		case err != nil || len(r.Unsupported) > 0:
			_, why := fhirpath.NoVerdict(env.MaxSteps, fhirpath.Verdict{Unsupported: r.Unsupported, Steps: r.Steps}, err)
			unjudged(why)
		case len(r.Collection) == 0:
			unjudged("the precisions of " + n.Value + " and the limit do not allow an answer")
		case r.Truth() == fhirpath.False:
			breach(n.Value)
		}
	case b.typ == "Quantity":
		vn := n.Child("value")
		if vn == nil || !vn.HasValue {
			return
		}
		v, ok := new(big.Rat).SetString(vn.Value)
		if !ok {
			return // not a decimal: base validation reports it
		}
		var system, code, unit, comparator string
		if x := n.Child("system"); x != nil {
			system = x.Value
		}
		if x := n.Child("code"); x != nil {
			code = x.Value
		}
		if x := n.Child("unit"); x != nil {
			unit = x.Value
		}
		if x := n.Child("comparator"); x != nil {
			comparator = x.Value
		}
		found := vn.Value + " " + firstOf(code, unit)
		var cmp int
		switch {
		case b.code != "" && code == b.code && system == b.system,
			b.code == "" && code == "" && unit == b.unit:
			cmp = v.Cmp(b.num)
		case b.code != "" && code != "" && (b.system == "" || b.system == ucumSystem) && system == ucumSystem:
			cmp, ok = ucum.Compare(v, code, b.num, b.code)
			if !ok {
				unjudged("the units " + code + " and " + b.code + " cannot be compared")
				return
			}
		default:
			unjudged("the quantity " + found + " is not in UCUM units comparable with the limit's")
			return
		}
		// A comparator makes the value a bound of the true one.
		outside := b.min && cmp < 0 || !b.min && cmp > 0
		// toward: the true value lies further toward (or past) the limit.
		toward := b.min && (comparator == "<" || comparator == "<=") || !b.min && (comparator == ">" || comparator == ">=")
		strictPast := cmp == 0 && (b.min && comparator == "<" || !b.min && comparator == ">")
		switch {
		case outside && (comparator == "" || toward), strictPast:
			breach(comparator + found)
		case outside || toward:
			unjudged("the quantity is " + comparator + found + ", which does not say on which side of the limit it lies")
		}
	default:
		if !n.HasValue {
			return
		}
		v, ok := new(big.Rat).SetString(n.Value)
		if !ok {
			return // not a number: base validation reports it
		}
		if cmp := v.Cmp(b.num); b.min && cmp < 0 || !b.min && cmp > 0 {
			breach(n.Value)
		}
	}
}
