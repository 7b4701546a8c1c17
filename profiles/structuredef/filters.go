package structuredef

import (
	"regexp"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// heldConcept is a concept of a code system held in full, with its place
// in the is-a hierarchy when the code system states one.
type heldConcept struct {
	code     string
	children []*heldConcept
}

// heldSystem returns the concepts of code system u, in order, and whether
// their nesting is an is-a hierarchy. ok is false when the code system is
// not held in full (loaded with content complete, or in the STU3 package).
func (r *Registry) heldSystem(u string) (concepts []*heldConcept, isA, ok bool) {
	if cs := r.cs[canonical(u)]; cs != nil {
		if cs.Content != "" && cs.Content != "complete" {
			return nil, false, false
		}
		isA = cs.HierarchyMeaning == "" || cs.HierarchyMeaning == "is-a"
		var walk func([]csCode) []*heldConcept
		walk = func(in []csCode) []*heldConcept {
			var kids []*heldConcept
			for _, c := range in {
				for _, p := range c.Property {
					if p.Code == "parent" || p.Code == "child" {
						isA = false // a hierarchy nesting does not show
					}
				}
				h := &heldConcept{code: c.Code}
				concepts = append(concepts, h)
				h.children = walk(c.Concept)
				kids = append(kids, h)
			}
			return kids
		}
		walk(cs.Concept)
		return concepts, isA, true
	}
	if pcs := schemas.STU3Terminology().CodeSystem(u); pcs != nil {
		for _, c := range pcs.Concepts {
			if len(c) > 0 {
				concepts = append(concepts, &heldConcept{code: c[0]})
			}
		}
		// The package lists codes without their hierarchy.
		return concepts, false, true
	}
	return nil, false, false
}

// filterCodes works out the codes that compose.include.filter selects
// (all filters together) from a code system held in full: is-a,
// descendant-of and is-not-a over its is-a hierarchy, =, regex, in and
// not-in on the code. ok is false when a filter cannot be worked out
// offline.
func (r *Registry) filterCodes(inc vsInclude) (codes []string, ok bool) {
	concepts, isA, held := r.heldSystem(inc.System)
	if !held {
		return nil, false
	}
	byCode := make(map[string]*heldConcept, len(concepts))
	for _, c := range concepts {
		if _, dup := byCode[c.code]; !dup {
			byCode[c.code] = c
		}
	}
	keep := make(map[string]bool, len(concepts))
	for _, c := range concepts {
		keep[c.code] = true
	}
	for _, f := range inc.Filter {
		if f.Property != "concept" && f.Property != "code" {
			return nil, false // other properties are not held
		}
		var match func(code string) bool
		switch f.Op {
		case "=":
			match = func(code string) bool { return code == f.Value }
		case "in", "not-in":
			set := map[string]bool{}
			for _, v := range strings.Split(f.Value, ",") {
				set[strings.TrimSpace(v)] = true
			}
			in := f.Op == "in"
			match = func(code string) bool { return set[code] == in }
		case "regex":
			re, err := regexp.Compile("^(?:" + f.Value + ")$")
			if err != nil {
				return nil, false
			}
			match = re.MatchString
		case "is-a", "descendant-of", "is-not-a":
			if !isA {
				return nil, false
			}
			under := map[string]bool{}
			if root := byCode[f.Value]; root != nil {
				var mark func(*heldConcept)
				mark = func(c *heldConcept) {
					if under[c.code] {
						return
					}
					under[c.code] = true
					for _, k := range c.children {
						mark(k)
					}
				}
				mark(root)
				if f.Op == "descendant-of" {
					delete(under, f.Value)
				}
			}
			not := f.Op == "is-not-a"
			match = func(code string) bool { return under[code] != not }
		default:
			return nil, false // generalizes, exists: not worked out here
		}
		for code := range keep {
			if !match(code) {
				delete(keep, code)
			}
		}
	}
	for _, c := range concepts {
		if keep[c.code] {
			codes = append(codes, c.code)
			delete(keep, c.code)
		}
	}
	return codes, true
}
