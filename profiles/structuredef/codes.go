package structuredef

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// CodeSystem returns what the loaded code system with the given URL says
// of code: held is false when no code system of that URL was loaded with
// its content complete (nothing can then be said of the code); found says
// whether the code is one of its concepts, and display is the concept's
// display ("" when it has none).
func (r *Registry) CodeSystem(system, code string) (display string, found, held bool) {
	cs := r.cs[canonical(system)]
	if cs == nil || cs.Content != "" && cs.Content != "complete" {
		return "", false, false
	}
	fold := cs.CaseSensitive != nil && !*cs.CaseSensitive
	var hit *csCode
	var walk func([]csCode)
	walk = func(cs []csCode) {
		for i := range cs {
			if hit != nil {
				return
			}
			if cs[i].Code == code || fold && strings.EqualFold(cs[i].Code, code) {
				hit = &cs[i]
				return
			}
			walk(cs[i].Concept)
		}
	}
	walk(cs.Concept)
	if hit == nil {
		return "", false, true
	}
	return hit.Display, true, true
}

// InValueSet says whether system and code (system may be empty, for an
// element of type code) are members of the value set with the given URL,
// expanded from the loaded value sets and code systems and the STU3
// package's own. judged is false when the members are not all known
// offline (a filter, a code system not loaded in full), so that a code
// outside the known ones is unknown rather than wrong.
func (r *Registry) InValueSet(valueSet, system, code string) (in, judged bool) {
	x := r.expand(valueSet)
	if !x.found {
		return false, false
	}
	if system == "" {
		in = x.byCode[code]
	} else {
		in = x.codes[schemas.Code{System: system, Code: code}]
	}
	return in, in || (x.complete && (system == "" || x.systemsKnown || x.systems[system]))
}

// HoldsValueSet reports whether a value set with the given URL was loaded.
func (r *Registry) HoldsValueSet(valueSet string) bool {
	_, ok := r.vs[canonical(valueSet)]
	return ok
}
