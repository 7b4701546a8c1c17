package schemas

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:generate go run ./gen -o stu3/model.jsonl
//go:generate go test -run TestEmbeddedIndexIsCurrent . -args -update-index

// modelSTU3 is the generated model: a header line, then one JSON object per
// line, types first ({"type":...}) and value sets after ({"valueSet":...}).
//
//go:embed stu3/model.jsonl
var modelSTU3 []byte

// Header is the first line of a model file.
type Header struct {
	Model       string `json:"model"`
	FHIRVersion string `json:"fhirVersion"`
	Package     string `json:"package"`
	Types       int    `json:"types"`
	ValueSets   int    `json:"valueSets"`
}

// Model is a loaded FHIR model. Types and value sets are decoded from their
// line of the model file the first time they are asked for.
type Model struct {
	Header Header

	typeNames []string                   // sorted
	types     map[string]*lazy[Type]     // by type name
	valueSets map[string]*lazy[ValueSet] // by canonical URL
	resources []string
	// embedded is set on the model of the embedded file, whose lines
	// decoded values may share (see jsonline.New).
	embedded bool
}

// lazy is an undecoded line of an embedded file (or a whole embedded
// file) and, once asked for, its decoded form: a run decodes only the
// types, value sets and files it meets.
type lazy[T any] struct {
	line []byte
	once sync.Once
	v    *T
	err  error
}

// get decodes the line on first use. The embedded files are generated and
// tested, so a line that does not decode is a build defect: it panics,
// naming what it is and its name (as "model type Patient"). The two are
// joined only then: look-ups run per element, and joining them on every
// call cost an allocation each time a name was longer than a few bytes.
func (l *lazy[T]) get(what, name string, decode func([]byte) (*T, error)) *T {
	l.once.Do(func() { l.v, l.err = decode(l.line) })
	if l.err != nil {
		panic(corrupt(what, name, l.err))
	}
	return l.v
}

// corrupt is the panic message of get.
func corrupt(what, name string, err error) string {
	if name != "" {
		what += " " + name
	}
	return "schemas: " + what + " is corrupt: " + err.Error()
}

// sizeHint bounds a count read from a file's header by what the file can
// hold (a line is more than 8 bytes), so that a corrupt header cannot ask
// for more memory than the file's size warrants.
func sizeHint(n int, data []byte) int { return max(0, min(n, len(data)/8)) }

// slabEntry returns a new entry for line, taken from *slab while it has
// room (one allocation for a whole file's entries instead of one each),
// from the heap after. The slab is never grown, so that the entries
// already handed out stay where they are.
func slabEntry[T any](slab *[]lazy[T], line []byte) *lazy[T] {
	s := *slab
	if len(s) == cap(s) {
		return &lazy[T]{line: line}
	}
	s = s[:len(s)+1]
	s[len(s)-1].line = line
	*slab = s
	return &s[len(s)-1]
}

// unversioned drops a "|version" suffix from a canonical URL.
func unversioned(url string) string {
	if i := strings.IndexByte(url, '|'); i >= 0 {
		return url[:i]
	}
	return url
}

var stu3Model = lazy[Model]{line: modelSTU3}

// STU3 returns the embedded FHIR STU3 3.0.2 model, loading its index on the
// first call. It panics only if the embedded file is corrupt, which the
// package's tests rule out.
func STU3() *Model { return stu3Model.get("embedded STU3 model", "", loadEmbedded) }

func loadEmbedded(data []byte) (*Model, error) {
	m, ok := loadIndexedModel(data, &stu3ModelIndex)
	if !ok {
		var err error
		if m, err = Load(data); err != nil {
			return nil, err
		}
	}
	m.embedded = true
	return m, nil
}

var (
	typePrefix     = []byte(`{"type":"`)
	valueSetPrefix = []byte(`{"valueSet":"`)
)

// Load indexes a model file. Only the header and each line's name are read
// here; the rest is decoded on demand.
func Load(data []byte) (*Model, error) {
	m := &Model{types: map[string]*lazy[Type]{}, valueSets: map[string]*lazy[ValueSet]{}}
	var typeSlab []lazy[Type]
	var vsSlab []lazy[ValueSet]
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
			if err := json.Unmarshal(line, &m.Header); err != nil {
				return nil, fmt.Errorf("model line %d: header: %v", lineNo, err)
			}
			// Sized from the header's counts (see LoadTerminology).
			m.types = make(map[string]*lazy[Type], sizeHint(m.Header.Types, data))
			m.valueSets = make(map[string]*lazy[ValueSet], sizeHint(m.Header.ValueSets, data))
			m.typeNames = make([]string, 0, sizeHint(m.Header.Types, data))
			typeSlab = make([]lazy[Type], 0, sizeHint(m.Header.Types, data))
			vsSlab = make([]lazy[ValueSet], 0, sizeHint(m.Header.ValueSets, data))
			continue
		}
		switch {
		case bytes.HasPrefix(line, typePrefix):
			name, kind := lineName(line[len(typePrefix):]), lineKind(line)
			if name == "" {
				return nil, fmt.Errorf("model line %d: type without a name", lineNo)
			}
			m.types[name] = slabEntry(&typeSlab, line)
			m.typeNames = append(m.typeNames, name)
			if kind == string(KindResource) {
				m.resources = append(m.resources, name)
			}
		case bytes.HasPrefix(line, valueSetPrefix):
			url := lineName(line[len(valueSetPrefix):])
			m.valueSets[url] = slabEntry(&vsSlab, line)
		default:
			return nil, fmt.Errorf("model line %d: neither a type nor a value set", lineNo)
		}
	}
	if first {
		return nil, fmt.Errorf("model is empty")
	}
	sort.Strings(m.typeNames)
	sort.Strings(m.resources)
	return m, nil
}

// lineName reads the JSON string value that starts s (after its opening
// quote). Names and URLs in the model never contain escapes.
func lineName(s []byte) string {
	if i := bytes.IndexByte(s, '"'); i > 0 {
		return string(s[:i])
	}
	return ""
}

var kindKey = []byte(`"kind":"`)

func lineKind(line []byte) string {
	if i := bytes.Index(line, kindKey); i >= 0 {
		return lineName(line[i+len(kindKey):])
	}
	return ""
}

// TypeNames returns the names of all types, sorted.
func (m *Model) TypeNames() []string { return append([]string(nil), m.typeNames...) }

// ResourceNames returns the names of all resource types (including the
// abstract Resource and DomainResource), sorted.
func (m *Model) ResourceNames() []string { return append([]string(nil), m.resources...) }

// IsResource reports whether name is a resource type of the model.
func (m *Model) IsResource(name string) bool {
	i := sort.SearchStrings(m.resources, name)
	return i < len(m.resources) && m.resources[i] == name
}

// Type returns the named type, or nil when the model has no such type.
func (m *Model) Type(name string) *Type {
	e := m.types[name]
	if e == nil {
		return nil
	}
	return e.get("model type", name, m.decodeType)
}

// ValueSet returns the expansion of a value set bound as required somewhere
// in the model, or nil. A "|version" suffix on url is ignored.
func (m *Model) ValueSet(url string) *ValueSet {
	url = unversioned(url)
	e := m.valueSets[url]
	if e == nil {
		return nil
	}
	return e.get("model value set", url, func(line []byte) (*ValueSet, error) { return readValueSet(line, m.embedded) })
}

// ValueSetURLs returns the URLs of all value sets in the model, sorted.
func (m *Model) ValueSetURLs() []string {
	out := make([]string, 0, len(m.valueSets))
	for u := range m.valueSets {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

func (m *Model) decodeType(line []byte) (*Type, error) {
	t := new(Type)
	if err := readType(line, m.embedded, t); err != nil {
		return nil, err
	}
	root := t.Name
	if t.Profile != "" {
		root = t.Profile // a constrained type keeps its base type's paths
	}
	if len(t.Elements) == 0 || t.Elements[0].Path != root {
		return nil, fmt.Errorf("first element is not the root %s", root)
	}
	t.model = m
	t.byPath = make(map[string]*Element, len(t.Elements))
	for i, e := range t.Elements {
		e.Index = i
		e.Owner = t
		e.Name = e.Path[strings.LastIndexByte(e.Path, '.')+1:]
		if e.MaxText == "*" {
			e.Max = Unbounded
		} else {
			n, err := strconv.Atoi(e.MaxText)
			if err != nil {
				return nil, fmt.Errorf("%s: bad max %q", e.Path, e.MaxText)
			}
			e.Max = n
		}
		for _, r := range e.ConstraintRefs {
			if r < 0 || r >= len(t.Constraints) {
				return nil, fmt.Errorf("%s: constraint index %d out of range", e.Path, r)
			}
		}
		t.byPath[e.Path] = e
		if i == 0 {
			continue
		}
		parent := t.byPath[e.Path[:strings.LastIndexByte(e.Path, '.')]]
		if parent == nil {
			return nil, fmt.Errorf("%s: parent element missing", e.Path)
		}
		e.Parent = parent
		parent.children = append(parent.children, e)
	}
	for _, e := range t.Elements {
		if len(e.children) == 0 {
			continue
		}
		e.byName = make(map[string]Member, len(e.children))
		for _, c := range e.children {
			if c.IsChoice() {
				for _, ch := range c.Choices {
					e.byName[ch.Name] = Member{c, ch.Type}
				}
				continue
			}
			code := ""
			if len(c.Types) == 1 {
				code = c.Types[0].Code
			}
			e.byName[c.Name] = Member{c, code}
		}
	}
	return t, nil
}

// source returns the element whose children define what may appear inside
// e when it carries type code: e itself for backbone elements, the target of
// a contentReference, or the root of the named type.
func (m *Model) source(e *Element, code string) *Element {
	if e.ContentReference != "" {
		e.typeRootOnce.Do(func() {
			e.typeRoot = e.Owner.byPath[strings.TrimPrefix(e.ContentReference, "#")]
		})
		return e.typeRoot
	}
	if len(e.children) > 0 {
		return e
	}
	if len(e.Types) == 1 && (code == "" || code == e.Types[0].Code) {
		e.typeRootOnce.Do(func() {
			if t := m.Type(e.Types[0].Code); t != nil {
				e.typeRoot = t.Root()
			}
		})
		return e.typeRoot
	}
	t := m.Type(code)
	if t == nil {
		return nil
	}
	return t.Root()
}

// Children returns the elements that may appear inside an instance of e
// carrying type code (code may be empty when e has a single type), in
// definition order. For a primitive type these are id, extension and value.
func (m *Model) Children(e *Element, code string) []*Element {
	if s := m.source(e, code); s != nil {
		return s.children
	}
	return nil
}

// Child resolves a name found inside an instance of e carrying type code:
// it returns the element the name belongs to and the type the name selects
// (for "valueQuantity" under Observation, value[x] and Quantity). ok is false
// for a name the definition does not allow.
func (m *Model) Child(e *Element, code, name string) (Member, bool) {
	s := m.source(e, code)
	if s == nil {
		return Member{}, false
	}
	mem, ok := s.byName[name]
	return mem, ok
}

// Element resolves a path through the model, following element types into
// other types: "Patient.name.given", "Observation.valueQuantity.value" and
// "Bundle.entry.resource" are all valid. Choice elements may be named either
// way ("Observation.value[x]" or "Observation.valueQuantity").
func (m *Model) Element(path string) (*Element, error) {
	mem, err := m.Resolve(path)
	return mem.Element, err
}

// Resolve is Element that also returns the type selected by the last
// segment of path (the chosen type for a choice element).
func (m *Model) Resolve(path string) (Member, error) {
	segs := strings.Split(path, ".")
	t := m.Type(segs[0])
	if t == nil {
		return Member{}, fmt.Errorf("unknown type %q", segs[0])
	}
	cur := Member{t.Root(), t.Name}
	for i, seg := range segs[1:] {
		next, ok := m.Child(cur.Element, cur.Type, seg)
		if !ok {
			// A choice element named by its definition name.
			if s := m.source(cur.Element, cur.Type); s != nil {
				for _, c := range s.children {
					if c.Name == seg {
						next, ok = Member{c, ""}, true
						if len(c.Types) == 1 {
							next.Type = c.Types[0].Code
						}
					}
				}
			}
		}
		if !ok {
			return Member{}, fmt.Errorf("%s: no element %q in %s", path, seg, strings.Join(segs[:i+1], "."))
		}
		cur = next
	}
	return cur, nil
}
