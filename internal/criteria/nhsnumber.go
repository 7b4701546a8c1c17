package criteria

// This modulus-11 check is a stopgap: it should move to internal/nhsid once
// that package exists, so that messages, criteria and JWTs share one check.

// nhsCheckDigit returns the check digit the NHS modulus-11 method expects for
// the first nine digits of an NHS number. ok is false when the method yields
// 10, meaning no valid NHS number starts with those nine digits. digits must
// hold at least nine ASCII digits.
func nhsCheckDigit(digits string) (check int, ok bool) {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(digits[i]-'0') * (10 - i)
	}
	check = 11 - sum%11
	switch check {
	case 11:
		return 0, true
	case 10:
		return 10, false
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
