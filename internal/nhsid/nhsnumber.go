package nhsid

import "strings"

// NHSNumberLength is the number of digits of an NHS number.
const NHSNumberLength = 10

// CheckNHSNumber reports whether s is a well-formed NHS number: exactly ten
// ASCII digits whose last digit is the modulus 11 check digit of the first
// nine (NHS Data Dictionary; the NEMS guide asks for PDS-traced numbers). A number whose check value computes to 10 is
// invalid whatever its last digit.
//
// Spaces, hyphens and the printed "943 476 5919" form are rejected: NEMS
// payloads, criteria and JWTs carry the bare digits. Use [NormalizeNHSNumber]
// for human input. Test numbers (999...) are checked like any other; see
// [IsTestNHSNumber].
func CheckNHSNumber(s string) error {
	if s == "" {
		return newError(KindNHSNumber, s, ErrEmpty, "expected %d digits", NHSNumberLength)
	}
	if i, r := firstBad(s, isDigit); i >= 0 {
		if r == ' ' || r == '-' {
			return newError(KindNHSNumber, s, ErrCharacter,
				"contains %q at byte %d; expected %d digits without separators", r, i, NHSNumberLength)
		}
		return newError(KindNHSNumber, s, ErrCharacter,
			"contains %q at byte %d; expected only the digits 0-9", r, i)
	}
	if len(s) != NHSNumberLength {
		return newError(KindNHSNumber, s, ErrLength,
			"has %d digits; expected %d", len(s), NHSNumberLength)
	}
	want, ok := NHSNumberCheckDigit(s[:9])
	if !ok {
		return newError(KindNHSNumber, s, ErrCheckDigit,
			"the modulus 11 check value of the first nine digits is 10, which no valid NHS number has")
	}
	if got := int(s[9] - '0'); got != want {
		return newError(KindNHSNumber, s, ErrCheckDigit,
			"check digit is %d; the modulus 11 check of the first nine digits expects %d", got, want)
	}
	return nil
}

// NHSNumberCheckDigit computes the modulus 11 check digit of the first nine
// digits of an NHS number: weights 10 down to 2, check value 11 minus the
// remainder of the sum by 11, 11 read as 0. It reports false when the check
// value is 10 (no valid number starts with those nine digits) or when first9
// is not exactly nine ASCII digits.
func NHSNumberCheckDigit(first9 string) (int, bool) {
	if len(first9) != 9 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		c := first9[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * (10 - i)
	}
	check := 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 0, false
	}
	return check, true
}

// NormalizeNHSNumber accepts an NHS number as a person would type it, either
// bare ("9434765919") or in the printed 3-3-4 grouping with single spaces
// ("943 476 5919"), checks it with [CheckNHSNumber] and returns the bare ten
// digits. Leading and trailing spaces are trimmed; any other grouping is
// rejected, so that a mistyped digit cannot hide behind a separator.
func NormalizeNHSNumber(s string) (string, error) {
	t := strings.TrimSpace(s)
	if len(t) == 12 && t[3] == ' ' && t[7] == ' ' {
		t = t[:3] + t[4:7] + t[8:]
	}
	if err := CheckNHSNumber(t); err != nil {
		if e, ok := err.(*Error); ok {
			e.Value = s
		}
		return "", err
	}
	return t, nil
}

// IsTestNHSNumber reports whether s lies in the range 999 000 0000 to
// 999 999 9999, which NHS England reserves for test patients. Such numbers
// never identify a real patient; NEMS integration environments use them, so
// a validator may want to warn about them in live traffic. It does not check
// the check digit.
func IsTestNHSNumber(s string) bool {
	if len(s) != NHSNumberLength || !strings.HasPrefix(s, "999") {
		return false
	}
	i, _ := firstBad(s, isDigit)
	return i < 0
}
