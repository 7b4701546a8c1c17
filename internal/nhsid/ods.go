package nhsid

import "strings"

// Length bounds of ODS codes. The NEMS guide defines no format; these are the NHS Data Dictionary lengths, and every code in the NEMS
// examples fits them.
const (
	ODSOrganisationMinLength = 3
	ODSOrganisationMaxLength = 6
	ODSSiteMinLength         = 5
	ODSSiteMaxLength         = 9
)

// CheckODSOrganisationCode reports whether s looks like an ODS organisation
// code: 3 to 6 upper-case letters or digits ("X26", "RR830", "B86056").
// Lower-case letters are reported with [ErrCase] and the upper-case form is
// suggested. Whether the code exists is a question for the ODS API.
func CheckODSOrganisationCode(s string) error {
	return checkODS(KindODSOrganisation, s, ODSOrganisationMinLength, ODSOrganisationMaxLength)
}

// CheckODSSiteCode reports whether s looks like an ODS site code: 5 to 9
// upper-case letters or digits ("RX3EP", "A83627", "A83627001").
func CheckODSSiteCode(s string) error {
	return checkODS(KindODSSite, s, ODSSiteMinLength, ODSSiteMaxLength)
}

func checkODS(kind Kind, s string, minLen, maxLen int) error {
	if s == "" {
		return newError(kind, s, ErrEmpty, "expected %d to %d upper-case letters or digits", minLen, maxLen)
	}
	if i, r := firstBad(s, func(r rune) bool { return isUpperAlnum(r) || isLower(r) }); i >= 0 {
		return newError(kind, s, ErrCharacter,
			"contains %q at byte %d; expected only upper-case letters A-Z and digits 0-9", r, i)
	}
	if len(s) < minLen || len(s) > maxLen {
		return newError(kind, s, ErrLength,
			"has %d characters; expected %d to %d", len(s), minLen, maxLen)
	}
	if up := strings.ToUpper(s); up != s {
		return newError(kind, s, ErrCase, "contains lower-case letters; ODS codes are upper case (%q)", up)
	}
	return nil
}
