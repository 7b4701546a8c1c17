package ucum

import (
	"fmt"
	"math"
	"math/big"
)

// special is the pair of functions of a special unit: toArg takes a value
// in the special unit to a multiple of the unit of its argument (Cel: the
// number of kelvins), fromArg goes back.
type special struct {
	toArg, fromArg func(*big.Rat) (*big.Rat, error)
}

// offset is an exact affine scale: x in the unit is x+k of the argument.
func offset(k string) special {
	off, _ := new(big.Rat).SetString(k)
	return special{
		toArg:   func(x *big.Rat) (*big.Rat, error) { return new(big.Rat).Add(x, off), nil },
		fromArg: func(n *big.Rat) (*big.Rat, error) { return new(big.Rat).Sub(n, off), nil },
	}
}

// float wraps functions computed in float64.
func float(to, from func(float64) float64, domain string) special {
	wrap := func(f func(float64) float64, guard bool) func(*big.Rat) (*big.Rat, error) {
		return func(x *big.Rat) (*big.Rat, error) {
			v, _ := x.Float64()
			if guard && domain != "" && v <= 0 {
				return nil, fmt.Errorf("value %s is outside the domain of the function (%s)", x.FloatString(6), domain)
			}
			r := f(v)
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return nil, fmt.Errorf("value %s is outside the range of the conversion function", x.FloatString(6))
			}
			return new(big.Rat).SetFloat64(r), nil
		}
	}
	return special{toArg: wrap(to, false), fromArg: wrap(from, true)}
}

// specials are the functions named in the essence file. The homeopathic
// potencies (hpX, hpC, hpM, hpQ) are left out on purpose: UCUM gives them
// no conversion.
var specials = map[string]special{
	"Cel":   offset("273.15"),
	"degF":  offset("459.67"),
	"degRe": offset("218.52"),
	"pH": float(func(x float64) float64 { return math.Pow(10, -x) },
		func(n float64) float64 { return -math.Log10(n) }, "a positive amount"),
	"ln": float(math.Exp, math.Log, "a positive ratio"),
	"lg": float(func(x float64) float64 { return math.Pow(10, x) }, math.Log10, "a positive ratio"),
	"lgTimes2": float(func(x float64) float64 { return math.Pow(10, x/2) },
		func(n float64) float64 { return 2 * math.Log10(n) }, "a positive ratio"),
	"ld": float(math.Exp2, math.Log2, "a positive ratio"),
	"tanTimes100": float(func(x float64) float64 { return math.Atan(x / 100) },
		func(n float64) float64 { return 100 * math.Tan(n) }, ""),
	// %[slope] takes its angle in degrees (the function's unit is deg).
	"100tan": float(func(x float64) float64 { return math.Atan(x/100) * 180 / math.Pi },
		func(n float64) float64 { return 100 * math.Tan(n*math.Pi/180) }, ""),
	"sqrt": {
		toArg: func(x *big.Rat) (*big.Rat, error) { return new(big.Rat).Mul(x, x), nil },
		fromArg: func(n *big.Rat) (*big.Rat, error) {
			if n.Sign() < 0 {
				return nil, fmt.Errorf("value %s has no square root", n.FloatString(6))
			}
			v, _ := n.Float64()
			return new(big.Rat).SetFloat64(math.Sqrt(v)), nil
		},
	},
}

func specialFunc(a *atom) (special, error) {
	f, ok := specials[a.fn]
	if !ok {
		return special{}, fmt.Errorf("%s (%s) is a special unit whose function %s UCUM gives no conversion for: it is valid but not convertible", a.code, a.name, a.fn)
	}
	return f, nil
}
