package structuredef

import "github.com/nemsfhir/nemsfhir/schemas"

// expansion is what the registry knows of a value set's members.
type expansion struct {
	codes   map[schemas.Code]bool
	byCode  map[string]bool
	systems map[string]bool
	// complete is true when every member is known, so that a code outside
	// codes is wrong rather than unknown.
	complete bool
	// systemsKnown is true when every system the value set draws on is
	// known, so that a code from another system is wrong.
	systemsKnown bool
	found        bool
}

func newExpansion() *expansion {
	return &expansion{codes: map[schemas.Code]bool{}, byCode: map[string]bool{}, systems: map[string]bool{}, complete: true, systemsKnown: true, found: true}
}

func (x *expansion) add(system, code string) {
	x.codes[schemas.Code{System: system, Code: code}] = true
	x.byCode[code] = true
	if system != "" {
		x.systems[system] = true
	}
}

// expand returns the members of value set u from the loaded value sets and
// code systems, or from the STU3 model's expansions of its required value
// sets. found is false when nothing is known of u. Results are cached; the
// cache is safe for concurrent use (two goroutines may both compute an
// entry, with the same result).
func (r *Registry) expand(u string) *expansion {
	u = canonical(u)
	if v, ok := r.expansions.Load(u); ok {
		return v.(*expansion)
	}
	x := r.compute(u, map[string]bool{})
	v, _ := r.expansions.LoadOrStore(u, x)
	return v.(*expansion)
}

func (r *Registry) compute(u string, seen map[string]bool) *expansion {
	x := newExpansion()
	if seen[u] {
		x.found = false
		return x
	}
	seen[u] = true
	vs := r.vs[u]
	if vs == nil {
		mv := r.model.ValueSet(u)
		if mv == nil {
			// The value sets the package binds extensible or preferred.
			mv = schemas.STU3Terminology().ValueSet(u)
		}
		if mv == nil {
			x.found, x.complete, x.systemsKnown = false, false, false
			return x
		}
		for _, c := range mv.Codes {
			x.add(c.System, c.Code)
		}
		x.complete = mv.Complete
		x.systemsKnown = mv.Complete
		return x
	}
	if vs.Expansion != nil && len(vs.Expansion.Contains) > 0 {
		var walk func([]vsContained)
		walk = func(cs []vsContained) {
			for _, c := range cs {
				if !c.Abstract && c.Code != "" {
					x.add(c.System, c.Code)
				}
				walk(c.Contains)
			}
		}
		walk(vs.Expansion.Contains)
		if t := vs.Expansion.Total; t != nil && *t > len(x.codes) {
			x.complete = false
		}
		return x
	}
	if vs.Compose == nil {
		x.complete, x.systemsKnown = false, false
		return x
	}
	for _, inc := range vs.Compose.Include {
		r.include(x, inc, seen)
	}
	if len(vs.Compose.Exclude) > 0 {
		ex := newExpansion()
		for _, inc := range vs.Compose.Exclude {
			r.include(ex, inc, seen)
		}
		for c := range ex.codes {
			delete(x.codes, c)
		}
		x.byCode = map[string]bool{}
		for c := range x.codes {
			x.byCode[c.Code] = true
		}
	}
	return x
}

func (r *Registry) include(x *expansion, inc vsInclude, seen map[string]bool) {
	for _, vu := range inc.ValueSet {
		sub := r.compute(canonical(vu), seen)
		if !sub.found {
			x.complete, x.systemsKnown = false, false
			continue
		}
		for c := range sub.codes {
			x.add(c.System, c.Code)
		}
		x.complete = x.complete && sub.complete
		x.systemsKnown = x.systemsKnown && sub.systemsKnown
	}
	if inc.System == "" {
		return
	}
	x.systems[inc.System] = true
	switch {
	case len(inc.Concept) > 0:
		for _, c := range inc.Concept {
			x.add(inc.System, c.Code)
		}
	case len(inc.Filter) > 0:
		// Filters are worked out over code systems held in full; others
		// (is-a over SNOMED CT, say) need a terminology server.
		codes, ok := r.filterCodes(inc)
		if !ok {
			x.complete = false
			return
		}
		for _, c := range codes {
			x.add(inc.System, c)
		}
	default:
		cs := r.cs[canonical(inc.System)]
		if cs == nil {
			if pcs := schemas.STU3Terminology().CodeSystem(inc.System); pcs != nil {
				for _, c := range pcs.Concepts {
					x.add(inc.System, c[0])
				}
				return
			}
		}
		if cs == nil || cs.Content != "" && cs.Content != "complete" {
			x.complete = false
			return
		}
		var walk func([]csCode)
		walk = func(cs []csCode) {
			for _, c := range cs {
				x.add(inc.System, c.Code)
				walk(c.Concept)
			}
		}
		walk(cs.Concept)
	}
}
