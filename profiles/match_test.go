package profiles

import (
	"regexp"
	"strings"
	"testing"
)

// TestMemoRegexpAgrees checks that remembered verdicts are the pattern's,
// asked once and again, for short values and for values too long to keep.
func TestMemoRegexpAgrees(t *testing.T) {
	re := regexp.MustCompile(`^(?:(https?|urn):\S+)$`)
	p := newMemoRegexp(re)
	values := []string{"http://x", "urn:uuid:1", "ftp://x", "", "http:// x", "https://" + strings.Repeat("a", 300), "https://" + strings.Repeat("a ", 200)}
	for round := range 2 {
		for _, v := range values {
			if got, want := p.MatchString(v), re.MatchString(v); got != want {
				t.Errorf("round %d, %.20q: %v, the pattern says %v", round, v, got, want)
			}
		}
	}
	if len(p.m) != 5 {
		t.Errorf("remembers %d values; want the 5 short ones", len(p.m))
	}
	for i := range memoValues + 10 {
		p.MatchString("http://" + strings.Repeat("x", i%200) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)))
	}
	if len(p.m) > memoValues {
		t.Errorf("remembers %d values, more than the bound %d", len(p.m), memoValues)
	}
}
