package modelgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/extgen"
)

// NHSTerminologyFolders are the folders, under the NHS assets folder,
// whose CodeSystems and ValueSets are built into the terminology.
var NHSTerminologyFolders = []string{
	"STU3-FHIR-Assets/CodeSystems",
	"STU3-FHIR-Assets/ValueSets",
	"CareConnect-STU3-Core-IG",
}

// ownerFolder is the folder that publishes the definitions of each
// source: when two files define one URL differently, the publisher's
// copy is kept (the NHS assets hold an older CareConnect-ConditionCategory-1
// than the CareConnect guide, for one).
var ownerFolder = map[string]string{
	extgen.SourceNHS:         "STU3-FHIR-Assets/",
	extgen.SourceCareConnect: "CareConnect-STU3-Core-IG",
}

// NHSStats counts what AddNHS read.
type NHSStats struct {
	CodeSystems, ValueSets int
	// Replaced counts URLs defined twice, differently, of which the
	// publisher's copy was kept.
	Replaced int
	// Unreadable lists the files left out because they are not valid FHIR
	// (an element with neither value nor children, say): their code
	// systems and value sets stay unknown offline, and the run says so.
	Unreadable []string
}

// nhsRead is one definition read from the NHS assets, with the file it
// came from.
type nhsRead struct {
	from string
	js   []byte // compact, for comparing two copies
}

// AddNHS adds the CodeSystems and ValueSets of the NHS assets folder dir
// (NHSTerminologyFolders, URLs https://fhir.nhs.uk/ and
// https://fhir.hl7.org.uk/) to p, XML parsed with m, so that the
// terminology holds them: every one of their value sets is written, and
// their complete code systems with the package's. A URL defined twice
// must be defined alike, or the copy of its publisher's folder is kept.
func (p *Package) AddNHS(dir string, m *schemas.Model) (NHSStats, error) {
	var st NHSStats
	if p.NHSValueSets == nil {
		p.NHSValueSets = map[string]bool{}
	}
	seen := map[string]nhsRead{}
	keep := func(kind string) func(string) bool {
		return func(name string) bool { return strings.HasPrefix(name, kind+"-") }
	}
	for _, kind := range []string{"CodeSystem", "ValueSet"} {
		skip := func(_ string, err error) error {
			st.Unreadable = append(st.Unreadable, err.Error())
			return nil
		}
		err := extgen.WalkNHS(dir, NHSTerminologyFolders, keep(kind), kind, m, skip, func(rel string, js []byte) error {
			var head struct {
				ResourceType string `json:"resourceType"`
				URL          string `json:"url"`
			}
			if err := json.Unmarshal(js, &head); err != nil {
				return fmt.Errorf("%s: %v", rel, err)
			}
			if head.ResourceType != kind {
				return nil
			}
			source := extgen.SourceOf(head.URL)
			if source == "" {
				return nil // not published by NHS England or CareConnect
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, js); err != nil {
				return fmt.Errorf("%s: %v", rel, err)
			}
			key := kind + " " + head.URL
			if prev, dup := seen[key]; dup {
				if sameDefinition(prev.js, compact.Bytes()) {
					return nil
				}
				owner := ownerFolder[source]
				prevOwns, thisOwns := strings.HasPrefix(prev.from, owner), strings.HasPrefix(rel, owner)
				if prevOwns == thisOwns {
					return fmt.Errorf("%s %s is defined differently in %s and %s", kind, head.URL, prev.from, rel)
				}
				st.Replaced++
				if prevOwns {
					return nil // the publisher's copy is kept
				}
			}
			seen[key] = nhsRead{from: rel, js: compact.Bytes()}
			switch kind {
			case "CodeSystem":
				cs := new(codeSystem)
				if err := json.Unmarshal(js, cs); err != nil {
					return fmt.Errorf("%s: %v", rel, err)
				}
				p.CodeSystems[cs.URL] = cs
			case "ValueSet":
				vs := new(valueSet)
				if err := json.Unmarshal(js, vs); err != nil {
					return fmt.Errorf("%s: %v", rel, err)
				}
				p.ValueSets[vs.URL] = vs
				p.NHSValueSets[vs.URL] = true
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	for k := range seen {
		if strings.HasPrefix(k, "CodeSystem ") {
			st.CodeSystems++
		} else {
			st.ValueSets++
		}
	}
	if st.CodeSystems == 0 || st.ValueSets == 0 {
		return st, fmt.Errorf("NHS assets %s: %d code systems and %d value sets found, want some of each", dir, st.CodeSystems, st.ValueSets)
	}
	return st, nil
}

// sameDefinition compares two copies of a definition as terminology reads
// them: what a code system or value set says of its codes, leaving out
// narrative, dates and other metadata that differ between publications.
func sameDefinition(a, b []byte) bool {
	var x, y struct {
		Content       string          `json:"content"`
		CaseSensitive *bool           `json:"caseSensitive"`
		Concept       json.RawMessage `json:"concept"`
		Compose       json.RawMessage `json:"compose"`
		Expansion     struct {
			Contains json.RawMessage `json:"contains"`
		} `json:"expansion"`
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	eq := func(p, q *bool) bool { return p == nil && q == nil || p != nil && q != nil && *p == *q }
	return x.Content == y.Content && eq(x.CaseSensitive, y.CaseSensitive) &&
		bytes.Equal(x.Concept, y.Concept) && bytes.Equal(x.Compose, y.Compose) && bytes.Equal(x.Expansion.Contains, y.Expansion.Contains)
}
