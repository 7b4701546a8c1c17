package nhsid

// ASIDLength is the number of digits of an ASID. The specification gives no
// length (Spine Core endpoint registration); every ASID in the NEMS and Spine Core sources
// has twelve digits.
const ASIDLength = 12

// CheckASID reports whether s looks like an Accredited System Identifier:
// exactly twelve ASCII digits ("200000000205"). It does not accept the
// prefixed forms ("urn:nhs:addressing:asid:...", "<system>|..."); strip
// them first. Whether the ASID is registered is a question for Spine.
func CheckASID(s string) error {
	if s == "" {
		return newError(KindASID, s, ErrEmpty, "expected %d digits", ASIDLength)
	}
	if i, r := firstBad(s, isDigit); i >= 0 {
		return newError(KindASID, s, ErrCharacter,
			"contains %q at byte %d; expected only the digits 0-9", r, i)
	}
	if len(s) != ASIDLength {
		return newError(KindASID, s, ErrLength, "has %d digits; expected %d", len(s), ASIDLength)
	}
	return nil
}
