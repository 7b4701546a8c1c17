package primitive

import (
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestFastMatchersAgreeWithRegexes compares each hand-written matcher with
// the package's regex for its type on edge cases, on every value of that
// type in the official examples, and on random and mutated strings.
func TestFastMatchersAgreeWithRegexes(t *testing.T) {
	m := schemas.STU3()
	samples := map[string][]string{
		"code":        {"a", " a", "a ", "a b", "a  b", "a\tb", "a\vb", "\u00a0", "a\u00a0\u00a0b", "\xff"},
		"id":          {"a", "A-1.b", "", "a_b", "0123456789012345678901234567890123456789012345678901234567890123", "01234567890123456789012345678901234567890123456789012345678901234"},
		"dateTime":    {"2019", "0000", "-2019", "2019-01", "2019-13", "2019-01-01", "2019-01-00", "2019-01-32", "2019-01-01T10:00:00Z", "2019-01-01T10:00:60+14:00", "2019-01-01T10:00:00+14:01", "2019-01-01T24:00:00Z", "2019-01-01T10:00:00", "2019-01-01T10:00:00.Z", "2019-01-01T10:00:00.123-13:59", "2017-11-01T16:02:04+58:00"},
		"date":        {"0000", "2019-00", "2019-01-00", "2019-02-31", "-0001", "2019-1-1", "20190101"},
		"instant":     {"2019-01-01T10:00:00Z", "0000-01-01T10:00:00Z", "-2019-01-01T10:00:00Z", "2019-01-01T10:00:00", "2019-01-01", "2019-01-01T10:00:00.5+00:00"},
		"time":        {"10:00:00", "24:00:00", "10:00:60", "10:00:00.1", "10:00", "10:00:00Z"},
		"decimal":     {"0", "-0", "00", "1.50", "1.", ".5", "-1.0", "1e5", "+1", "0.0001"},
		"integer":     {"0", "-0", "01", "-1", "123", "1.0", "+1", ""},
		"unsignedInt": {"0", "-0", "01", "10", ""},
		"positiveInt": {"0", "1", "01", "10", "-1"},
	}
	// Every value of those types in the official XML examples.
	files := sharedtest.Optional("fhir/stu3/examples/xml/*.xml")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := tree.ParseXML(src, m)
		if doc == nil || doc.Root == nil {
			continue
		}
		doc.Root.Walk(func(n *tree.Node) bool {
			if _, ok := samples[n.Type]; ok && n.HasValue {
				samples[n.Type] = append(samples[n.Type], n.Value)
			}
			return true
		})
	}
	rng := rand.New(rand.NewSource(1))
	const alphabet = "0123456789-:T.Z+ \t-aA_1204"
	mutate := func(s string) string {
		b := []byte(s)
		switch k := rng.Intn(3); {
		case k == 0 && len(b) > 0:
			i := rng.Intn(len(b))
			b = append(b[:i], b[i+1:]...)
		case k == 1:
			i := rng.Intn(len(b) + 1)
			b = append(b[:i], append([]byte{alphabet[rng.Intn(len(alphabet))]}, b[i:]...)...)
		case len(b) > 0:
			b[rng.Intn(len(b))] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for code, vals := range samples {
		re := Regexp(m.Type(code).Primitive.Regex)
		check := func(v string) {
			got, ok := Match(code, v)
			if !ok {
				t.Fatalf("%s has no fast matcher", code)
			}
			if want := re.MatchString(v); got != want {
				t.Errorf("%s %q: fast matcher says %v, regex says %v", code, v, got, want)
			}
		}
		for _, v := range vals {
			check(v)
			for i := 0; i < 20; i++ {
				check(mutate(v))
			}
		}
		for i := 0; i < 20000; i++ {
			b := make([]byte, rng.Intn(30))
			for j := range b {
				b[j] = alphabet[rng.Intn(len(alphabet))]
			}
			check(string(b))
		}
	}
}

// TestCodes checks that Codes lists exactly the types Match knows.
func TestCodes(t *testing.T) {
	m := schemas.STU3()
	listed := map[string]bool{}
	for _, c := range Codes {
		listed[c] = true
	}
	for _, name := range m.TypeNames() {
		if _, known := Match(name, ""); known != listed[name] {
			t.Errorf("%s: Match knows it %v, Codes lists it %v", name, known, listed[name])
		}
	}
}

func TestDecimalDigits(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want int
	}{
		{"0", 1},
		{"-0.50", 3},
		{"123456789012345678", 18},
		{"-1234567890.123456789", 19},
		{"1" + strings.Repeat("0", 99999), 100000},
	} {
		if got := DecimalDigits(tc.v); got != tc.want {
			t.Errorf("DecimalDigits(%.30q) = %d, want %d", tc.v, got, tc.want)
		}
	}
}
