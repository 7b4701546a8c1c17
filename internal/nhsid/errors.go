package nhsid

import (
	"errors"
	"fmt"
)

// Kinds of failure, wrapped by every [*Error]; compare with [errors.Is].
var (
	ErrEmpty      = errors.New("empty value")
	ErrLength     = errors.New("wrong length")
	ErrCharacter  = errors.New("character not allowed")
	ErrCase       = errors.New("wrong letter case")
	ErrCheckDigit = errors.New("check digit does not match")
	ErrForm       = errors.New("wrong form")
)

// Kind names the identifier an [*Error] is about, as a reader would.
type Kind string

// The identifier kinds this package checks.
const (
	KindNHSNumber       Kind = "NHS number"
	KindODSOrganisation Kind = "ODS organisation code"
	KindODSSite         Kind = "ODS site code"
	KindASID            Kind = "ASID"
	KindUUID            Kind = "UUID"
	KindURNUUID         Kind = "urn:uuid"
)

// Error describes an identifier that failed a format check: which kind of
// identifier, the value found, and what was wrong and expected.
type Error struct {
	Kind   Kind
	Value  string // the value as found
	Detail string // what is wrong and what was expected
	Err    error  // one of the sentinel errors of this package
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid %s %s: %s", e.Kind, quote(e.Value), e.Detail)
}

// Unwrap returns the sentinel kind of failure.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind Kind, value string, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Value: value, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// maxQuoted bounds how much of a value goes into a message, so that a
// megabyte of garbage in one field does not become a megabyte of report.
const maxQuoted = 64

// quote renders a value with Go quoting, which makes invisible characters
// such as U+200B (seen in NEMS examples) visible.
func quote(s string) string {
	if len(s) > maxQuoted {
		return fmt.Sprintf("%q... (%d bytes)", s[:maxQuoted], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// firstBad returns the index and rune of the first rune of s for which ok is
// false, or -1.
func firstBad(s string, ok func(rune) bool) (int, rune) {
	for i, r := range s {
		if !ok(r) {
			return i, r
		}
	}
	return -1, 0
}

func isDigit(r rune) bool      { return r >= '0' && r <= '9' }
func isUpper(r rune) bool      { return r >= 'A' && r <= 'Z' }
func isLower(r rune) bool      { return r >= 'a' && r <= 'z' }
func isUpperAlnum(r rune) bool { return isUpper(r) || isDigit(r) }
