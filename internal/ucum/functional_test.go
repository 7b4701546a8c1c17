package ucum_test

import (
	"encoding/xml"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// functionalTests is the official UCUM functional test file, kept with
// the reference data.
const functionalTests = "fhir/ucum/UcumFunctionalTests.xml"

// excluded lists functional cases this implementation does not follow,
// with the reason; the test fails when an excluded case is missing from
// the file or (for validation) starts passing, so the list stays honest. It is empty: every
// validation, conversion, multiplication and division case passes.
var excluded = map[string]string{}

type ftCase struct {
	ID      string `xml:"id,attr"`
	Unit    string `xml:"unit,attr"`
	Valid   string `xml:"valid,attr"`
	Reason  string `xml:"reason,attr"`
	Value   string `xml:"value,attr"`
	Src     string `xml:"srcUnit,attr"`
	Dst     string `xml:"dstUnit,attr"`
	Outcome string `xml:"outcome,attr"`
	V1      string `xml:"v1,attr"`
	U1      string `xml:"u1,attr"`
	V2      string `xml:"v2,attr"`
	U2      string `xml:"u2,attr"`
	VRes    string `xml:"vRes,attr"`
	URes    string `xml:"uRes,attr"`
}

type ftFile struct {
	Validation     []ftCase `xml:"validation>case"`
	Conversion     []ftCase `xml:"conversion>case"`
	Multiplication []ftCase `xml:"multiplication>case"`
	Division       []ftCase `xml:"division>case"`
}

func readFunctional(t *testing.T) *ftFile {
	t.Helper()
	path := sharedtest.Path(t, functionalTests)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f ftFile
	if err := xml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Validation) == 0 || len(f.Conversion) == 0 {
		t.Fatalf("%s: no validation or conversion cases: not the UCUM functional tests", path)
	}
	ids := map[string]bool{}
	for _, cs := range [][]ftCase{f.Validation, f.Conversion, f.Multiplication, f.Division} {
		for _, c := range cs {
			ids[c.ID] = true
		}
	}
	for id, why := range excluded {
		if !ids[id] {
			t.Errorf("excluded case %s (%s) is not in %s: remove it from the list", id, why, path)
		}
	}
	return &f
}

func rat(t *testing.T, id, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%s: %q is not a decimal", id, s)
	}
	return r
}

// closeTo tells whether got agrees with the expected decimal to the
// precision it is written with: within half a unit of its last digit.
// The file says outcomes may be written to fewer digits than exact.
func closeTo(got *big.Rat, want string) (bool, error) {
	w, ok := new(big.Rat).SetString(want)
	if !ok {
		return false, fmt.Errorf("%q is not a decimal", want)
	}
	mant, exp := want, 0
	if i := strings.IndexAny(want, "eE"); i >= 0 {
		mant = want[:i]
		if _, err := fmt.Sscan(want[i+1:], &exp); err != nil {
			return false, err
		}
	}
	decimals := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		decimals = len(mant) - i - 1
	}
	// half a unit of the last digit: 5 * 10^-(decimals+1-exp)
	tol := big.NewRat(5, 1)
	p := decimals + 1 - exp
	ten := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(p))), nil)
	if p >= 0 {
		tol.Quo(tol, new(big.Rat).SetInt(ten))
	} else {
		tol.Mul(tol, new(big.Rat).SetInt(ten))
	}
	d := new(big.Rat).Sub(got, w)
	return d.Abs(d).Cmp(tol) <= 0, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestFunctionalValidation(t *testing.T) {
	f := readFunctional(t)
	passed, failed, skipped := 0, 0, 0
	for _, c := range f.Validation {
		id := c.ID + " " + c.Unit
		err := ucum.Validate(c.Unit)
		ok := (err == nil) == (c.Valid == "true")
		if why, ex := excluded[c.ID]; ex {
			skipped++
			if ok {
				t.Errorf("%s passes but is listed as excluded (%s): remove it from the list", id, why)
			}
			continue
		}
		if ok {
			passed++
			continue
		}
		failed++
		if err != nil {
			t.Errorf("%s: expected valid, got %v", id, err)
		} else {
			t.Errorf("%s: expected invalid (%s), got valid", id, c.Reason)
		}
	}
	t.Logf("UCUM functional validation: %d of %d pass, %d excluded, %d fail", passed, len(f.Validation), skipped, failed)
	if passed < 500 {
		t.Errorf("only %d validation cases ran: the file lost cases?", passed)
	}
}

func TestFunctionalConversion(t *testing.T) {
	f := readFunctional(t)
	passed := 0
	for _, c := range f.Conversion {
		id := c.ID + " " + c.Value + " " + c.Src + " -> " + c.Dst
		if why, ex := excluded[c.ID]; ex {
			t.Logf("%s excluded: %s", id, why)
			continue
		}
		got, err := ucum.Convert(rat(t, id, c.Value), c.Src, c.Dst)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		ok, err := closeTo(got, c.Outcome)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !ok {
			t.Errorf("%s: got %s, want %s", id, got.FloatString(30), c.Outcome)
			continue
		}
		passed++
	}
	t.Logf("UCUM functional conversion: %d of %d pass", passed, len(f.Conversion))
}

func TestFunctionalMultiplicationDivision(t *testing.T) {
	f := readFunctional(t)
	passed, total := 0, 0
	for _, op := range []struct {
		name  string
		cases []ftCase
		do    func(*big.Rat, string, *big.Rat, string) (*big.Rat, string, error)
	}{{"multiplication", f.Multiplication, ucum.Multiply}, {"division", f.Division, ucum.Divide}} {
		for _, c := range op.cases {
			total++
			id := op.name + " " + c.ID
			v, u, err := op.do(rat(t, id, c.V1), c.U1, rat(t, id, c.V2), c.U2)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				continue
			}
			// An empty uRes is the unity (4-103), which UCUM writes 1.
			want := c.URes
			if want == "" {
				want = "1"
			}
			got, err := ucum.Convert(v, u, want)
			if err != nil {
				t.Errorf("%s: result %s %s does not convert to %q: %v", id, v.FloatString(12), u, want, err)
				continue
			}
			ok, err := closeTo(got, c.VRes)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				t.Errorf("%s: got %s %s, want %s %s", id, got.FloatString(30), want, c.VRes, want)
				continue
			}
			passed++
		}
	}
	t.Logf("UCUM functional multiplication and division: %d of %d pass", passed, total)
	if total == 0 {
		t.Error("no multiplication or division cases")
	}
}
