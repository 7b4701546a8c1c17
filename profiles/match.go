package profiles

import (
	"regexp"
	"sync"
)

// memoRegexp is a rule's pattern with its verdicts remembered: the values
// pattern rules read (extension and code-system URLs, ODS directory URLs,
// version ids) come back message after message, and matching costs far
// more than a look-up. The memory is bounded and shared by the goroutines
// that check with the rule.
type memoRegexp struct {
	re *regexp.Regexp
	mu sync.RWMutex
	m  map[string]bool
}

// Bounds of what a pattern remembers: values longer are matched each time,
// and once full it remembers no more.
const (
	memoValueLen = 256
	memoValues   = 4096
)

func newMemoRegexp(re *regexp.Regexp) *memoRegexp {
	return &memoRegexp{re: re, m: map[string]bool{}}
}

// MatchString is regexp.Regexp.MatchString.
func (p *memoRegexp) MatchString(s string) bool {
	if len(s) > memoValueLen {
		return p.re.MatchString(s)
	}
	p.mu.RLock()
	v, ok := p.m[s]
	p.mu.RUnlock()
	if ok {
		return v
	}
	v = p.re.MatchString(s)
	p.mu.Lock()
	if len(p.m) < memoValues {
		p.m[s] = v
	}
	p.mu.Unlock()
	return v
}
