package schemas

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// terminologySTU3 is generated beside the model by ./gen: a header line,
// then the value sets ({"valueSet":...}) bound with strength extensible or
// preferred and those of the NHS assets (NHS England and CareConnect, which
// their extensions and profiles bind with any strength), then the code
// systems held in full ({"codeSystem":...}), the package's and the NHS
// assets', with their concepts' displays. It is kept apart from model.jsonl
// so that the model (and the schemas made from it) do not grow.
//
//go:embed stu3/terminology.jsonl
var terminologySTU3 []byte

// TerminologyHeader is the first line of a terminology file.
type TerminologyHeader struct {
	Terminology string `json:"terminology"`
	Package     string `json:"package"`
	ValueSets   int    `json:"valueSets"`
	CodeSystems int    `json:"codeSystems"`
}

// Terminology holds what the package and the NHS assets say of codes
// beyond the required bindings of the model: the expansions of the value
// sets bound with strength extensible or preferred and of the NHS value
// sets, and the concepts (with displays) of every code system defined
// completely. Entries are decoded on first use; all methods are
// safe for concurrent use.
type Terminology struct {
	Header      TerminologyHeader
	valueSets   map[string]*lazy[ValueSet]
	codeSystems map[string]*lazy[CodeSystem]
	embedded    bool // see Model.embedded
}

// CodeSystem is a code system the package or the NHS assets define
// completely.
type CodeSystem struct {
	URL  string `json:"codeSystem"`
	Name string `json:"name,omitempty"`
	// CaseInsensitive is set when the code system says its codes are not
	// case sensitive.
	CaseInsensitive bool `json:"caseInsensitive,omitempty"`
	// Concepts are [code, display, other English designations...]; the
	// display is empty (or absent) when the package gives none.
	Concepts [][]string `json:"concepts"`

	index map[string]int
	once  sync.Once
}

// Concept is one code of a code system with the displays that name it.
type Concept struct {
	Code string
	// Display is the code system's display ("" when it has none).
	Display string
	// Designations are the other names the package gives the code.
	Designations []string
}

// Lookup returns the concept with the given code, honouring the code
// system's case sensitivity.
func (cs *CodeSystem) Lookup(code string) (Concept, bool) {
	cs.once.Do(func() {
		cs.index = make(map[string]int, len(cs.Concepts))
		for i, c := range cs.Concepts {
			if len(c) == 0 {
				continue
			}
			k := c[0]
			if cs.CaseInsensitive {
				k = strings.ToLower(k)
			}
			if _, dup := cs.index[k]; !dup {
				cs.index[k] = i
			}
		}
	})
	k := code
	if cs.CaseInsensitive {
		k = strings.ToLower(k)
	}
	i, ok := cs.index[k]
	if !ok {
		return Concept{}, false
	}
	c := cs.Concepts[i]
	out := Concept{Code: c[0]}
	if len(c) > 1 {
		out.Display = c[1]
	}
	if len(c) > 2 {
		out.Designations = c[2:]
	}
	return out, true
}

// termValueSet is how a value set is written in the terminology file: codes
// grouped by system, so that a system URL is written once.
type termValueSet struct {
	URL      string       `json:"valueSet"`
	Name     string       `json:"name,omitempty"`
	Complete bool         `json:"complete"`
	Include  []TermSystem `json:"include,omitempty"`
	Reason   string       `json:"incomplete,omitempty"`
}

// TermSystem is the codes of one system in a value set of the terminology
// file.
type TermSystem struct {
	System string   `json:"system"`
	Codes  []string `json:"codes"`
}

// EncodeTerminologyValueSet writes vs in the grouped form of the
// terminology file (for the generator). vs.Codes must be sorted by system.
func EncodeTerminologyValueSet(vs *ValueSet) any {
	out := termValueSet{URL: vs.URL, Name: vs.Name, Complete: vs.Complete, Reason: vs.Reason}
	for _, c := range vs.Codes {
		if n := len(out.Include); n == 0 || out.Include[n-1].System != c.System {
			out.Include = append(out.Include, TermSystem{System: c.System})
		}
		last := &out.Include[len(out.Include)-1]
		last.Codes = append(last.Codes, c.Code)
	}
	return out
}

var stu3Terminology = lazy[Terminology]{line: terminologySTU3}

// STU3Terminology returns the embedded terminology of the STU3 package. It
// panics only if the embedded file is corrupt, which the package's tests
// rule out.
func STU3Terminology() *Terminology {
	return stu3Terminology.get("embedded STU3 terminology", "", func(data []byte) (*Terminology, error) {
		t, ok := loadIndexedTerminology(data, &stu3TerminologyIndex)
		if !ok {
			var err error
			if t, err = LoadTerminology(data); err != nil {
				return nil, err
			}
		}
		t.embedded = true
		return t, nil
	})
}

var codeSystemPrefix = []byte(`{"codeSystem":"`)

// LoadTerminology indexes a terminology file; lines are decoded on demand.
func LoadTerminology(data []byte) (*Terminology, error) {
	t := &Terminology{valueSets: map[string]*lazy[ValueSet]{}, codeSystems: map[string]*lazy[CodeSystem]{}}
	var vsSlab []lazy[ValueSet]
	var csSlab []lazy[CodeSystem]
	first := true
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		if first {
			first = false
			if err := json.Unmarshal(line, &t.Header); err != nil || t.Header.Terminology == "" {
				return nil, fmt.Errorf("terminology line %d: not a terminology header", lineNo)
			}
			// Sized from the header's counts: growing maps of a
			// thousand entries and allocating each entry apart was
			// most of the cost of indexing.
			t.valueSets = make(map[string]*lazy[ValueSet], sizeHint(t.Header.ValueSets, data))
			t.codeSystems = make(map[string]*lazy[CodeSystem], sizeHint(t.Header.CodeSystems, data))
			vsSlab = make([]lazy[ValueSet], 0, sizeHint(t.Header.ValueSets, data))
			csSlab = make([]lazy[CodeSystem], 0, sizeHint(t.Header.CodeSystems, data))
			continue
		}
		switch {
		case bytes.HasPrefix(line, valueSetPrefix):
			t.valueSets[lineName(line[len(valueSetPrefix):])] = slabEntry(&vsSlab, line)
		case bytes.HasPrefix(line, codeSystemPrefix):
			t.codeSystems[lineName(line[len(codeSystemPrefix):])] = slabEntry(&csSlab, line)
		default:
			return nil, fmt.Errorf("terminology line %d: neither a value set nor a code system", lineNo)
		}
	}
	if first {
		return nil, fmt.Errorf("terminology is empty")
	}
	return t, nil
}

// ValueSet returns the expansion of a value set bound with strength
// extensible or preferred, or nil. A version suffix is ignored.
func (t *Terminology) ValueSet(url string) *ValueSet {
	url = unversioned(url)
	e := t.valueSets[url]
	if e == nil {
		return nil
	}
	return e.get("terminology value set", url, func(line []byte) (*ValueSet, error) { return decodeTermValueSet(line, t.embedded) })
}

// decodeTermValueSet reads a value set line, its codes grouped by system.
func decodeTermValueSet(line []byte, alias bool) (*ValueSet, error) {
	var tv termValueSet
	if err := readTermValueSet(line, alias, &tv); err != nil {
		return nil, err
	}
	vs := &ValueSet{URL: tv.URL, Name: tv.Name, Complete: tv.Complete, Reason: tv.Reason}
	for _, s := range tv.Include {
		for _, c := range s.Codes {
			vs.Codes = append(vs.Codes, Code{System: s.System, Code: c})
		}
	}
	return vs, nil
}

// CodeSystem returns a code system the package defines completely, or nil.
func (t *Terminology) CodeSystem(url string) *CodeSystem {
	url = unversioned(url)
	e := t.codeSystems[url]
	if e == nil {
		return nil
	}
	return e.get("terminology code system", url, func(line []byte) (*CodeSystem, error) { return readCodeSystem(line, t.embedded) })
}

// ValueSetURLs returns the URLs of the value sets held, sorted.
func (t *Terminology) ValueSetURLs() []string { return sortedKeys(t.valueSets) }

// CodeSystemURLs returns the URLs of the code systems held, sorted.
func (t *Terminology) CodeSystemURLs() []string { return sortedKeys(t.codeSystems) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
