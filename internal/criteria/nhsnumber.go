package criteria

import "github.com/nemsfhir/nemsfhir/internal/nhsid"

// nhsCheckDigit returns the check digit the NHS modulus-11 method expects for
// the first nine digits of an NHS number; ok is false when the method yields
// 10. It delegates to internal/nhsid so that messages, criteria and JWTs
// share one check.
func nhsCheckDigit(digits string) (check int, ok bool) {
	if len(digits) < 9 {
		return 0, false
	}
	if check, ok = nhsid.NHSNumberCheckDigit(digits[:9]); !ok {
		return 10, false // the check value that makes the number invalid
	}
	return check, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
