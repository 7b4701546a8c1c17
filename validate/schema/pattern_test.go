package schema

import (
	"regexp"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestCompilePattern checks that the primitives' patterns get their
// hand-written matchers, which agree with package regexp on sample values,
// and that other patterns still compile as regular expressions.
func TestCompilePattern(t *testing.T) {
	m := schemas.STU3()
	samples := []string{"", "a", " a", "a b", "2019", "2019-01-01", "2019-02-30", "2019-01-01T10:00:00Z",
		"2019-01-01T10:00:00", "10:00:00", "1.50", "-0", "01", "123", "A-1.b", "x\ty", "\u00a0"}
	for _, code := range []string{"code", "id", "dateTime", "date", "instant", "time", "decimal", "integer", "unsignedInt", "positiveInt"} {
		pattern := "^(?:" + m.Type(code).Primitive.Regex + ")$"
		re, err := compilePattern(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := re.(primitiveMatcher); !ok {
			t.Errorf("%s: pattern compiled as %T, want the hand-written matcher", code, re)
			continue
		}
		std := regexp.MustCompile(pattern)
		for _, s := range samples {
			if got, want := re.MatchString(s), std.MatchString(s); got != want {
				t.Errorf("%s %q: matcher %v, regexp %v", code, s, got, want)
			}
		}
	}
	choice, err := compilePattern("^(?:valueString|_valueString|valueQuantity)$")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := choice.(wordMatcher); !ok {
		t.Errorf("choice names compiled as %T, want a set of names", choice)
	}
	for s, want := range map[string]bool{"valueString": true, "_valueString": true, "valueQuantity": true, "value": false, "valueStringX": false, "": false} {
		if choice.MatchString(s) != want {
			t.Errorf("choice names: %q matches %v", s, !want)
		}
	}
	re, err := compilePattern("^(value|_value)[A-Z]")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := re.(*regexp.Regexp); !ok || !re.MatchString("valueString") {
		t.Errorf("other patterns: got %T", re)
	}
}
