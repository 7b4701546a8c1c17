package validate

import (
	"strings"
	"testing"
)

// TestSameDisplayWordByWord: the in-place comparison of displays agrees
// with comparing the texts joined by single spaces, case folded, on
// spacing, case, non-ASCII white space and invalid UTF-8.
func TestSameDisplayWordByWord(t *testing.T) {
	joined := func(a, b string) bool {
		return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
	}
	texts := []string{
		"", " ", "\t\n", "a", "A", "a b", "a  b", " a b ", "ab", "a\tb", "a\u00a0b", "a\u0085b", "A B",
		"Sig Ar", "sig ar", "Ǆ", "ǅ", "ǆ", "K", "\u212a", "k", "a\xffb", "a \xff b", "ß", "SS", "ss",
		"Ärztin", "ärztin", "word ", " word", "two  words here", "two words  here", "two words", "\u2003x\u3000y",
	}
	for _, a := range texts {
		for _, b := range texts {
			if got, want := sameDisplay(a, b), joined(a, b); got != want {
				t.Errorf("sameDisplay(%q, %q) = %v, joined comparison says %v", a, b, got, want)
			}
		}
	}
}
