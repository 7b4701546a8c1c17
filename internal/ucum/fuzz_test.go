package ucum_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// FuzzValidate: any input gives either nil or a *ucum.Error with a
// position inside the unit, and valid ratio units convert to themselves
// unchanged. No panics, no hangs.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"m", "mg/dL", "10*3/uL", "4.[pi].10*-7.N/A2", "{a}", "(m.(s/(kg)))", "Cel", "dB[SPL]", "[m/s2/Hz^(1/2)]", "m[H2O]", "g/12h", "((((", "m-99.s99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ucum.Validate(s)
		if err != nil {
			var ue *ucum.Error
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %T %v", s, err, err)
			}
			if ue.Pos < 0 || ue.Pos > len(s) {
				t.Fatalf("%q: position %d outside the unit", s, ue.Pos)
			}
			return
		}
		one := big.NewRat(1, 1)
		if _, _, err := ucum.Canonical(one, s); err != nil {
			return // a special unit: converts through float64
		}
		if v, err := ucum.Convert(one, s, s); err != nil || v.Cmp(one) != 0 {
			t.Fatalf("%q: 1 converts to %v of itself (%v)", s, v, err)
		}
	})
}
