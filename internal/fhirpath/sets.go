package fhirpath

import (
	"regexp"
	"sort"
	"sync"
)

func sortStrings(s []string) { sort.Strings(s) }

// identitySet remembers elements by identity and values by equality, for
// repeat(): two equal but distinct elements are both kept.
type identitySet struct {
	ev     *evaluator
	nodes  map[Node]bool
	linear []Node // elements whose dynamic type cannot be a map key
	values map[string]bool
}

func newIdentitySet(ev *evaluator) *identitySet {
	return &identitySet{ev: ev, nodes: map[Node]bool{}, values: map[string]bool{}}
}

func (s *identitySet) add(it Item) (bool, error) {
	if err := s.ev.step(1); err != nil {
		return false, err
	}
	if it.node == nil {
		k := s.ev.valueKey(it.val)
		if s.values[k] {
			return false, nil
		}
		s.values[k] = true
		return true, nil
	}
	if fresh, ok := s.addHashed(it.node); ok {
		return fresh, nil
	}
	for _, n := range s.linear {
		if sameNode(n, it.node) {
			return false, nil
		}
	}
	if err := s.ev.step(len(s.linear)); err != nil {
		return false, err
	}
	s.linear = append(s.linear, it.node)
	return true, nil
}

// addHashed uses the map when the node can be hashed; ok is false when it
// cannot (hashing such a value panics, which is caught here).
func (s *identitySet) addHashed(n Node) (fresh, ok bool) {
	defer func() {
		if recover() != nil {
			fresh, ok = false, false
		}
	}()
	if s.nodes[n] {
		return false, true
	}
	s.nodes[n] = true
	return true, true
}

// regexCache keeps compiled patterns shared by all evaluations; it is
// emptied when full rather than tracking use, which suits the small, fixed
// set of patterns invariants and rule packs use.
var regexCache = &boundedRegexCache{m: map[string]*regexp.Regexp{}}

type boundedRegexCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

const regexCacheSize = 512

func (c *boundedRegexCache) get(p string) (*regexp.Regexp, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	re, ok := c.m[p]
	return re, ok
}

func (c *boundedRegexCache) put(p string, re *regexp.Regexp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= regexCacheSize {
		clear(c.m)
	}
	c.m[p] = re
}
