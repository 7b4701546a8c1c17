package modelgen

import (
	"bufio"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// TerminologyStats counts what WriteTerminology wrote.
type TerminologyStats struct {
	// ValueSets and Complete count the value sets bound with strength
	// extensible, preferred or example (only the first two are written),
	// and those expanded in full;
	// ByStrength counts the complete ones by the strongest binding that
	// names them.
	ValueSets, Complete int
	ByStrength          map[string]int
	// CodeSystems counts the code systems held in full, Concepts their
	// codes.
	CodeSystems, Concepts int
	// NHSValueSets and NHSComplete count the value sets of the NHS assets
	// (Package.AddNHS) written, and those expanded in full.
	NHSValueSets, NHSComplete int
}

// strengthRank orders binding strengths, strongest first.
var strengthRank = map[string]int{"required": 0, "extensible": 1, "preferred": 2, "example": 3}

// WriteTerminology writes the terminology file of p: the value sets that
// elements of the model bind with strength extensible or preferred (those
// bound as required are in the model already) and every value set of the
// NHS assets added with AddNHS (NHS and CareConnect definitions bind them
// with any strength), expanded as far as the package allows, and every
// code system the package defines completely, with each concept's display
// and other designations. Lines are sorted by URL, so the same package
// always gives the same bytes.
func WriteTerminology(w io.Writer, p *Package, source string) (TerminologyStats, error) {
	st := TerminologyStats{ByStrength: map[string]int{}}
	types, err := buildTypes(p)
	if err != nil {
		return st, err
	}
	strongest := map[string]string{}
	for _, t := range types {
		for _, e := range t.Elements {
			b := e.Binding
			if b == nil || b.ValueSet == "" {
				continue
			}
			u := strings.SplitN(b.ValueSet, "|", 2)[0]
			if s, ok := strongest[u]; !ok || strengthRank[b.Strength] < strengthRank[s] {
				strongest[u] = b.Strength
			}
		}
	}
	// Example bindings are counted but not written: nothing is judged
	// against them, as the reference validator does not either.
	var vsURLs []string
	for u, s := range strongest {
		switch s {
		case "extensible", "preferred":
			vsURLs = append(vsURLs, u)
		case "example":
			st.ValueSets++
			if expandValueSet(p, u).Complete {
				st.Complete++
				st.ByStrength[s]++
			}
		}
	}
	for u := range p.NHSValueSets {
		if _, core := strongest[u]; !core {
			vsURLs = append(vsURLs, u)
		}
	}
	sort.Strings(vsURLs)
	var csURLs []string
	for u, cs := range p.CodeSystems {
		if cs.Content == "complete" && u != "" {
			csURLs = append(csURLs, u)
		}
	}
	sort.Strings(csURLs)

	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(schemas.TerminologyHeader{
		Terminology: "nemsfhir STU3 terminology",
		Package:     source,
		ValueSets:   len(vsURLs),
		CodeSystems: len(csURLs),
	}); err != nil {
		return st, err
	}
	for _, u := range vsURLs {
		vs := expandValueSet(p, u)
		if !vs.Complete {
			vs.Codes = nil // only the reason is of use: nothing is judged against it
		}
		if err := enc.Encode(schemas.EncodeTerminologyValueSet(vs)); err != nil {
			return st, err
		}
		if p.NHSValueSets[u] {
			st.NHSValueSets++
			if vs.Complete {
				st.NHSComplete++
			}
			continue
		}
		st.ValueSets++
		if vs.Complete {
			st.Complete++
			st.ByStrength[strongest[u]]++
		}
	}
	for _, u := range csURLs {
		cs := p.CodeSystems[u]
		out := schemas.CodeSystem{URL: u, Name: cs.Name, CaseInsensitive: cs.CaseSensitive != nil && !*cs.CaseSensitive, Concepts: [][]string{}}
		walk(cs.Concept, func(c concept) {
			row := []string{c.Code, c.Display}
			for _, d := range c.Designation {
				// Translations are left out: displays are checked in
				// English, the language of the package.
				english := d.Language == "" || d.Language == "en" || strings.HasPrefix(d.Language, "en-")
				if english && d.Value != "" && d.Value != c.Display && !contains(row[2:], d.Value) {
					row = append(row, d.Value)
				}
			}
			if len(row) == 2 && row[1] == "" {
				row = row[:1]
			}
			out.Concepts = append(out.Concepts, row)
		})
		if err := enc.Encode(&out); err != nil {
			return st, err
		}
		st.CodeSystems++
		st.Concepts += len(out.Concepts)
	}
	return st, bw.Flush()
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
