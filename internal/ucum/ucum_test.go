package ucum_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

func r(s string) *big.Rat {
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("bad decimal " + s)
	}
	return v
}

func TestTableLoads(t *testing.T) {
	v, d, err := ucum.Version()
	if err != nil {
		t.Fatal(err)
	}
	if v == "" || d == "" {
		t.Errorf("version %q date %q", v, d)
	}
}

// Invalid units are refused with the position of the problem and a
// message that says what is wrong.
func TestValidateErrors(t *testing.T) {
	for _, tc := range []struct {
		unit string
		pos  int
		want string
	}{
		{"", 0, "empty unit"},
		{"m/", 2, `'/' is not followed by a unit`},
		{"g/12h", 5, "separate a factor from a unit with '.' (as in 12.h)"},
		{"10+3/ul", 3, "write 10*+3"},
		{"mg/dL x", 6, "a space is not allowed"},
		{"rad2{錠}", 6, "printable ASCII"},
		{"{a}rad2{b}", 4, "an annotation is followed directly by 'r'"},
		{"iU", 1, "did you mean [iU]?"},
		{"mg/DL", 4, `unknown unit "DL"`},
		{"mMOL/L", 1, "case sensitive: did you mean mmol?"},
		{"mEq", 1, "case sensitive: did you mean meq?"},
		{"mmol/kg[H20]", 6, `unknown unit "kg[H20]"`},
		{"k[arb'U]/L", 1, "not a metric unit"},
		{"ug(8.h)", 3, "join units with '.' or '/'"},
		{"(m.s)2", 6, "an exponent cannot follow ')'"},
		{"(m.s", 1, "'(' is not closed"},
		{"m)", 2, "')' without a matching '('"},
		{"[in_i", 1, "'[' is not closed"},
		{"m{abc", 2, "'{' is not closed"},
		{"m-", 2, "must be followed by the digits of an exponent"},
		{"m100", 2, "beyond the 99"},
		{"0.m", 1, "a factor of 0"},
		{"2-3", 2, "the number 2 cannot take an exponent"},
		{"2*3", 2, "the number 2 is followed directly by '*'"},
		{"4[pi]", 2, "(as in 4.[pi])"},
		{"m..s", 2, `'.' is not followed by a unit`},
		{strings.Repeat("m.", 200) + "m", 0, "more than the 256"},
	} {
		err := ucum.Validate(tc.unit)
		var ue *ucum.Error
		if !errors.As(err, &ue) {
			t.Errorf("%q: got %v, want a *ucum.Error", tc.unit, err)
			continue
		}
		if ue.Pos != tc.pos || !strings.Contains(ue.Error(), tc.want) {
			t.Errorf("%q: got %v (position %d), want position %d and %q", tc.unit, err, ue.Pos, tc.pos, tc.want)
		}
	}
}

// Hints stay away from nonsense: ea is no unit, and EA (exa-ampere),
// which only the case of the prefix would give, is not offered.
func TestHintsAreSensible(t *testing.T) {
	for unit, bad := range map[string]string{"ea": "did you mean", "gm": "did you mean", "mEq": "Meq"} {
		if err := ucum.Validate(unit); err == nil || strings.Contains(err.Error(), bad) {
			t.Errorf("%q: %v", unit, err)
		}
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, u := range []string{"1", "mg/dL", "/min", "10*9/L", "10^3", "{beats}/min", "mm[Hg]", "[in_i]", "Cel", "[degF]",
		"dB[SPL]", "B[10.nV]", "[m/s2/Hz^(1/2)]", "kg.m2", "%", "[IU]/mL", "m[iU]/L", "(m.s)/(kg)", "[hp'_X]", "cal_[15]", "''", "a", "mo", "wk", "{score}"} {
		if err := ucum.Validate(u); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestConvert(t *testing.T) {
	for _, tc := range []struct{ v, from, to, want string }{
		{"4", "g", "mg", "4000"},
		{"1", "[lb_av]", "kg", "0.45359237"},
		{"37", "Cel", "K", "310.15"},
		{"98.6", "[degF]", "Cel", "37"},
		{"0", "Cel", "[degF]", "32"},
		{"1000", "mCel", "Cel", "1"},
		{"0", "[degRe]", "Cel", "0"},
		{"1", "[IU]", "[iU]", "1"},
		{"5", "[IU]/mL", "[iU]/L", "5000"},
		{"120", "mm[Hg]", "kPa", "15.99864"},
		{"1", "h", "s", "3600"},
		{"2", "wk", "d", "14"},
		{"1", "a", "d", "365.25"},
		{"3", "{tablets}", "1", "3"},
		{"100", "%", "1", "1"},
		{"2", "[m/s2/Hz^(1/2)]", "m2/s4/Hz", "4"},
	} {
		got, err := ucum.Convert(r(tc.v), tc.from, tc.to)
		if err != nil {
			t.Errorf("%s %s -> %s: %v", tc.v, tc.from, tc.to, err)
			continue
		}
		if got.Cmp(r(tc.want)) != 0 {
			t.Errorf("%s %s -> %s: got %s, want %s", tc.v, tc.from, tc.to, got.FloatString(12), tc.want)
		}
	}
}

// The float64 functions agree with their definitions to about 12 digits.
func TestConvertFloatSpecials(t *testing.T) {
	for _, tc := range []struct{ v, from, to, want string }{
		{"7", "[pH]", "mol/l", "0.0000001"},
		{"0.0000001", "mol/l", "[pH]", "7"},
		{"20", "dB", "1", "100"},
		{"1", "B[W]", "W", "10"},
		{"1", "Np", "1", "2.718281828459045"},
		{"3", "bit_s", "1", "8"},
		{"100", "%[slope]", "deg", "45"},
		{"45", "deg", "%[slope]", "100"},
		{"4", "m2/s4/Hz", "[m/s2/Hz^(1/2)]", "2"},
	} {
		got, err := ucum.Convert(r(tc.v), tc.from, tc.to)
		if err != nil {
			t.Errorf("%s %s -> %s: %v", tc.v, tc.from, tc.to, err)
			continue
		}
		d := new(big.Rat).Sub(got, r(tc.want))
		d.Abs(d)
		tol := new(big.Rat).Mul(r(tc.want), r("1e-12"))
		tol.Abs(tol)
		if d.Cmp(tol) > 0 {
			t.Errorf("%s %s -> %s: got %s, want %s", tc.v, tc.from, tc.to, got.FloatString(15), tc.want)
		}
	}
}

func TestConvertRefuses(t *testing.T) {
	for _, tc := range []struct{ v, from, to, want string }{
		{"1", "g", "m", "not commensurable (g against m)"},
		{"1", "[iU]", "[arb'U]", "not commensurable"},
		{"1", "Cel/h", "K/h", "special unit on a non-ratio scale"},
		{"1", "Cel2", "K2", "cannot be raised to a power"},
		{"1", "[hp'_X]", "1", "not convertible"},
		{"-1", "mol/l", "[pH]", "outside the domain"},
		{"1", "mg", "foo", `unknown unit "foo"`},
	} {
		_, err := ucum.Convert(r(tc.v), tc.from, tc.to)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s -> %s: got %v, want an error containing %q", tc.v, tc.from, tc.to, err, tc.want)
		}
	}
}

// The API FHIRPath uses: 4 'g' ~ 4000 'mg', and comparisons across units.
func TestCompareAndCanonical(t *testing.T) {
	if c, ok := ucum.Compare(r("4"), "g", r("4000"), "mg"); !ok || c != 0 {
		t.Errorf("4 g vs 4000 mg: %d %v", c, ok)
	}
	if c, ok := ucum.Compare(r("1"), "m", r("99"), "cm"); !ok || c != 1 {
		t.Errorf("1 m vs 99 cm: %d %v", c, ok)
	}
	if c, ok := ucum.Compare(r("37"), "Cel", r("100"), "[degF]"); !ok || c != -1 {
		t.Errorf("37 Cel vs 100 degF: %d %v", c, ok)
	}
	if _, ok := ucum.Compare(r("1"), "g", r("1"), "m"); ok {
		t.Error("1 g vs 1 m compared")
	}
	if _, ok := ucum.Compare(r("1"), "g", r("1"), "gram"); ok {
		t.Error("an invalid unit compared")
	}
	v, u, err := ucum.Canonical(r("4"), "mg/dL")
	if err != nil || u != "g.m-3" || v.Cmp(r("40")) != 0 {
		t.Errorf("4 mg/dL: got %v %q %v, want 40 g.m-3", v, u, err)
	}
	v, u, err = ucum.Canonical(r("2"), "kN")
	if err != nil || u != "g.m.s-2" || v.Cmp(r("2000000")) != 0 {
		t.Errorf("2 kN: got %v %q %v", v, u, err)
	}
	if _, _, err := ucum.Canonical(r("1"), "Cel"); err == nil {
		t.Error("Cel has a canonical form")
	}
	if !ucum.Commensurable("mL", "[foz_us]") || ucum.Commensurable("mL", "g") {
		t.Error("Commensurable")
	}
	v, u, err = ucum.Multiply(r("2"), "m", r("3"), "m")
	if err != nil || u != "m2" || v.Cmp(r("6")) != 0 {
		t.Errorf("2 m * 3 m: %v %q %v", v, u, err)
	}
	if _, _, err := ucum.Divide(r("2"), "m", r("0"), "s"); err == nil {
		t.Error("division by zero")
	}
}

// Exact magnitudes grow with the exponents: beyond a bound the conversion
// is refused with a message, in microseconds, rather than taking minutes.
func TestExponentBudget(t *testing.T) {
	_, _, err := ucum.Canonical(r("1"), "[mu_0]99.[mu_0]99.[mu_0]3")
	if err == nil || !strings.Contains(err.Error(), "exponents add up to 201, more than the 200") {
		t.Errorf("got %v", err)
	}
	if err := ucum.Validate("[mu_0]99.[mu_0]99.[mu_0]3"); err != nil {
		t.Errorf("the unit itself is valid UCUM: %v", err)
	}
	if _, err := ucum.Convert(r("1"), strings.Repeat("[cml_i]8.", 24)+"[cml_i]8", "m"); err == nil || !strings.Contains(err.Error(), "not commensurable") {
		t.Errorf("got %v", err)
	}
}
