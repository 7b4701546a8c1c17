package nhsid

import "strings"

// uuidGroups are the lengths of the five hyphen-separated hex groups.
var uuidGroups = [5]int{8, 4, 4, 4, 12}

// CheckUUID reports whether s is a UUID in its 36-character text form,
// five groups of 8-4-4-4-12 hex digits separated by hyphens, such as
// MessageHeader.id (NEMS guide, "Generic Event Message Requirements", rule G05). Hex digits may be of either case,
// as RFC 4122 reads them on input; use [CheckURNUUID] where FHIR's uuid
// datatype applies. Braces, a urn:uuid: prefix and the 32-digit form without
// hyphens are rejected with a hint.
func CheckUUID(s string) error {
	return checkUUID(KindUUID, s, s, true)
}

// CheckURNUUID reports whether s is a UUID written as a URI, "urn:uuid:"
// followed by the 8-4-4-4-12 form in lower case, as the FHIR STU3 uuid
// datatype requires (Bundle.entry.fullUrl and in-Bundle references, G21).
func CheckURNUUID(s string) error {
	_, err := UUIDFromURN(s)
	return err
}

// UUIDFromURN checks s as [CheckURNUUID] does and returns the UUID after the
// "urn:uuid:" prefix, which a resource id is compared with.
func UUIDFromURN(s string) (string, error) {
	if s == "" {
		return "", newError(KindURNUUID, s, ErrEmpty, "expected %q followed by a lower-case UUID", URNUUIDPrefix)
	}
	rest, ok := strings.CutPrefix(s, URNUUIDPrefix)
	if !ok {
		if len(s) >= len(URNUUIDPrefix) && strings.EqualFold(s[:len(URNUUIDPrefix)], URNUUIDPrefix) {
			return "", newError(KindURNUUID, s, ErrCase, "prefix must be written %q in lower case", URNUUIDPrefix)
		}
		if checkUUID(KindUUID, s, s, true) == nil {
			return "", newError(KindURNUUID, s, ErrForm, "is a bare UUID; expected it prefixed with %q", URNUUIDPrefix)
		}
		return "", newError(KindURNUUID, s, ErrForm, "does not start with %q", URNUUIDPrefix)
	}
	if err := checkUUID(KindURNUUID, s, rest, false); err != nil {
		return "", err
	}
	return rest, nil
}

// checkUUID checks u (the UUID part of whole) and reports against whole.
func checkUUID(kind Kind, whole, u string, anyCase bool) error {
	const form = "8-4-4-4-12 hex digits"
	if wellFormedUUID(u, anyCase) {
		return nil // the common case, without building the groups
	}
	switch {
	case u == "":
		return newError(kind, whole, ErrEmpty, "expected %s", form)
	case strings.HasPrefix(u, "{") || strings.HasSuffix(u, "}"):
		return newError(kind, whole, ErrForm, "has braces; expected the bare %s", form)
	case kind == KindUUID && strings.HasPrefix(strings.ToLower(u), URNUUIDPrefix):
		return newError(kind, whole, ErrForm, "has a %q prefix; expected the bare %s", URNUUIDPrefix, form)
	case len(u) == 32 && !strings.Contains(u, "-") && isHex(u, true):
		return newError(kind, whole, ErrForm, "has no hyphens; expected %s", form)
	}
	groups := strings.Split(u, "-")
	if len(groups) != len(uuidGroups) {
		return newError(kind, whole, ErrForm, "has %d hyphen-separated groups; expected 5 (%s)", len(groups), form)
	}
	for i, g := range groups {
		if len(g) != uuidGroups[i] {
			return newError(kind, whole, ErrLength,
				"group %d has %d characters; expected %s", i+1, len(g), form)
		}
		if !isHex(g, true) {
			_, r := firstBad(g, func(r rune) bool { return isHexRune(r, true) })
			return newError(kind, whole, ErrCharacter,
				"group %d contains %q; expected only hex digits 0-9, a-f", i+1, r)
		}
		if !anyCase && !isHex(g, false) {
			return newError(kind, whole, ErrCase,
				"contains upper-case hex digits; the FHIR uuid datatype allows only lower case (%q)",
				URNUUIDPrefix+strings.ToLower(u))
		}
	}
	return nil
}

// wellFormedUUID reports whether u is 8-4-4-4-12 hex digits (lower case
// unless anyCase).
func wellFormedUUID(u string, anyCase bool) bool {
	if len(u) != 36 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || anyCase && c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func isHex(s string, anyCase bool) bool {
	for _, r := range s {
		if !isHexRune(r, anyCase) {
			return false
		}
	}
	return true
}

func isHexRune(r rune, anyCase bool) bool {
	return isDigit(r) || (r >= 'a' && r <= 'f') || (anyCase && r >= 'A' && r <= 'F')
}
