package profiles

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// The guide's dateTime regex (5.9), anchored, and its date-only form: the
// oracle of guideDateTime and guideDate.
var (
	reGuideDateTime = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	reDate          = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`)
)

// TestGuideDateFormsAreTheRegex compares the hand-written readers with the
// regular expressions on every year, on each field's whole range and its
// neighbours, and on random strings built from date-time pieces and
// mutated.
func TestGuideDateFormsAreTheRegex(t *testing.T) {
	check := func(s string) {
		t.Helper()
		if got, want := guideDateTime(s), reGuideDateTime.MatchString(s); got != want {
			t.Errorf("guideDateTime(%q) = %v, the regex says %v", s, got, want)
		}
		if got, want := guideDate(s), reDate.MatchString(s); got != want {
			t.Errorf("guideDate(%q) = %v, the regex says %v", s, got, want)
		}
	}
	two := func(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }
	for y := range 10000 {
		check(two(y/100) + two(y%100))
	}
	for i := range 100 {
		d := two(i)
		for _, s := range []string{"2024-" + d, "2024-01-" + d, "2024-01-01T" + d + ":00:00Z", "2024-01-01T00:" + d + ":00Z",
			"2024-01-01T00:00:" + d + "Z", "2024-01-01T00:00:00+" + d + ":00", "2024-01-01T00:00:00-00:" + d, "2024-01-01T00:00:00+14:" + d} {
			check(s)
		}
	}
	pieces := []string{"2024", "0000", "-", "01", "12", "13", "00", "31", "32", "T", "23", "24", ":", "59", "60", "61", ".", "5", "123",
		"Z", "+", "14", "00", "13", "z", " ", "\n", "x", "1", "2", "٣", "-0", "T1", "2024-01-01", "2024-01-01T10:11:12", "+01:00"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var s string
		for n := rng.IntN(9); n >= 0; n-- {
			s += pieces[rng.IntN(len(pieces))]
		}
		check(s)
	}
	valid := []string{"2024", "2024-02", "2024-02-29", "2024-02-29T10:11:12Z", "2024-02-29T10:11:60.123+14:00", "1000-12-31T23:59:59-13:59", "0001"}
	for _, s := range valid {
		if !guideDateTime(s) {
			t.Errorf("guideDateTime(%q) is false; the guide allows it", s)
		}
		check(s)
	}
}
