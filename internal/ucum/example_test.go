package ucum_test

import (
	"fmt"
	"math/big"

	"github.com/nemsfhir/nemsfhir/internal/ucum"
)

// FHIRPath's 4 'g' ~ 4000 'mg' and 1 'm' > 99 'cm' through Compare.
func ExampleCompare() {
	cmp, ok := ucum.Compare(big.NewRat(4, 1), "g", big.NewRat(4000, 1), "mg")
	fmt.Println(cmp, ok)
	cmp, ok = ucum.Compare(big.NewRat(1, 1), "m", big.NewRat(99, 1), "cm")
	fmt.Println(cmp, ok)
	_, ok = ucum.Compare(big.NewRat(1, 1), "g", big.NewRat(1, 1), "m")
	fmt.Println(ok)
	// Output:
	// 0 true
	// 1 true
	// false
}

func ExampleConvert() {
	v, err := ucum.Convert(big.NewRat(986, 10), "[degF]", "Cel")
	fmt.Println(v.FloatString(2), err)
	_, err = ucum.Convert(big.NewRat(1, 1), "mg", "mL")
	fmt.Println(err)
	// Output:
	// 37.00 <nil>
	// UCUM unit "mg": cannot be converted to "mL": the units are not commensurable (g against m3)
}

func ExampleValidate() {
	fmt.Println(ucum.Validate("mg/dL"))
	fmt.Println(ucum.Validate("mg/12h"))
	// Output:
	// <nil>
	// UCUM unit "mg/12h", at character 6: the number 12 is followed directly by 'h': separate a factor from a unit with '.' (as in 12.h)
}

func ExampleCanonical() {
	v, unit, err := ucum.Canonical(big.NewRat(5, 1), "mmol/L")
	fmt.Println(v.FloatString(0), unit, err)
	// Output:
	// 3011070380000000000000000 m-3 <nil>
}
