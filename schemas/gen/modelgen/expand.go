package modelgen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// expandValueSet expands a value set from the package's own ValueSets and
// CodeSystems. What cannot be expanded from them (an external code system,
// a filter on a system the package does not define) leaves the expansion
// incomplete, with the reason.
func expandValueSet(p *Package, url string) *schemas.ValueSet {
	x := &expander{p: p, seen: map[string]bool{}}
	codes := x.expand(url)
	out := &schemas.ValueSet{URL: url, Complete: len(x.reasons) == 0}
	if vs := p.ValueSets[url]; vs != nil {
		out.Name = vs.Name
	}
	sort.Slice(codes, func(i, j int) bool {
		if codes[i].System != codes[j].System {
			return codes[i].System < codes[j].System
		}
		return codes[i].Code < codes[j].Code
	})
	out.Codes = codes
	if len(x.reasons) > 0 {
		sort.Strings(x.reasons)
		out.Reason = strings.Join(dedupe(x.reasons), "; ")
	}
	return out
}

type expander struct {
	p       *Package
	seen    map[string]bool // value sets on the current include path
	reasons []string
}

func (x *expander) expand(url string) []schemas.Code {
	url = strings.SplitN(url, "|", 2)[0]
	vs := x.p.ValueSets[url]
	if vs == nil {
		x.reasons = append(x.reasons, "value set "+url+" is not in the package")
		return nil
	}
	if x.seen[url] {
		x.reasons = append(x.reasons, "value set "+url+" includes itself")
		return nil
	}
	x.seen[url] = true
	defer delete(x.seen, url)

	set := map[schemas.Code]bool{}
	if vs.Compose == nil {
		if vs.Expansion == nil {
			x.reasons = append(x.reasons, "value set "+url+" has neither compose nor expansion")
			return nil
		}
		addContains(set, vs.Expansion.Contains)
		return keys(set)
	}
	for _, inc := range vs.Compose.Include {
		for _, c := range x.conceptSet(inc) {
			set[c] = true
		}
	}
	for _, exc := range vs.Compose.Exclude {
		for _, c := range x.conceptSet(exc) {
			delete(set, c)
		}
	}
	return keys(set)
}

// conceptSet returns the codes one include or exclude names.
func (x *expander) conceptSet(cs conceptSet) []schemas.Code {
	var out []schemas.Code
	for i, ref := range cs.ValueSet {
		sub := x.expand(ref)
		if i == 0 && cs.System == "" {
			out = sub
			continue
		}
		out = intersect(out, sub)
	}
	if cs.System == "" {
		return out
	}
	var codes []schemas.Code
	switch {
	case len(cs.Concept) > 0:
		for _, c := range cs.Concept {
			codes = append(codes, schemas.Code{System: cs.System, Code: c.Code})
		}
	case len(cs.Filter) > 0:
		codes = x.filter(cs)
	default:
		sys := x.p.CodeSystems[cs.System]
		if sys == nil || sys.Content != "complete" {
			x.reasons = append(x.reasons, "code system "+cs.System+" is not defined completely in the package")
			return nil
		}
		walk(sys.Concept, func(c concept) { codes = append(codes, schemas.Code{System: cs.System, Code: c.Code}) })
	}
	if len(cs.ValueSet) > 0 {
		return intersect(out, codes)
	}
	return codes
}

// filter handles the is-a and descendent-of filters over a code system's
// concept hierarchy; other filters leave the expansion incomplete.
func (x *expander) filter(cs conceptSet) []schemas.Code {
	sys := x.p.CodeSystems[cs.System]
	if sys == nil || sys.Content != "complete" {
		x.reasons = append(x.reasons, "filter on code system "+cs.System+", which the package does not define")
		return nil
	}
	var out []schemas.Code
	for i, f := range cs.Filter {
		if f.Property != "concept" || (f.Op != "is-a" && f.Op != "descendent-of") {
			x.reasons = append(x.reasons, fmt.Sprintf("unsupported filter %s %s %s on %s", f.Property, f.Op, f.Value, cs.System))
			return nil
		}
		var matched []schemas.Code
		var visit func([]concept, bool)
		visit = func(cs2 []concept, under bool) {
			for _, c := range cs2 {
				self := c.Code == f.Value
				if under || (self && f.Op == "is-a") {
					matched = append(matched, schemas.Code{System: cs.System, Code: c.Code})
				}
				visit(c.Concept, under || self)
			}
		}
		visit(sys.Concept, false)
		if i == 0 {
			out = matched
		} else {
			out = intersect(out, matched)
		}
	}
	return out
}

func walk(cs []concept, f func(concept)) {
	for _, c := range cs {
		f(c)
		walk(c.Concept, f)
	}
}

func addContains(set map[schemas.Code]bool, cs []expansionEntry) {
	for _, c := range cs {
		if c.Code != "" {
			set[schemas.Code{System: c.System, Code: c.Code}] = true
		}
		addContains(set, c.Contains)
	}
}

func keys(set map[schemas.Code]bool) []schemas.Code {
	out := make([]schemas.Code, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	return out
}

func intersect(a, b []schemas.Code) []schemas.Code {
	in := map[schemas.Code]bool{}
	for _, c := range b {
		in[c] = true
	}
	var out []schemas.Code
	for _, c := range a {
		if in[c] {
			out = append(out, c)
		}
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
