package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// The embedded model and terminology are indexed at build time: index_stu3.go
// (written by go generate after the files, see load.go) gives each line's name
// and place, so that a start does not scan 2.6 MB for line ends and copy
// two thousand names. A file that does not match its index (its size, or
// a line that does not start with the name the index gives it) is indexed
// by scanning instead, so a stale index costs time, never a wrong answer;
// TestEmbeddedIndexIsCurrent keeps it from going stale.

// lineIndex places the lines of one embedded file.
type lineIndex struct {
	size  int           // the length of the file indexed
	lines []indexedLine // every line after the header, in file order
}

// indexedLine is one line of an embedded file: its name (type name or
// canonical URL), what it holds, and its bytes [off, end).
type indexedLine struct {
	name     string
	kind     lineKindCode
	off, end int32
}

type lineKindCode uint8

const (
	lineType lineKindCode = iota + 1
	lineResourceType
	lineValueSet
	lineCodeSystem
)

// prefix is how a line of the kind starts, before its name.
func (k lineKindCode) prefix() []byte {
	switch k {
	case lineType, lineResourceType:
		return typePrefix
	case lineValueSet:
		return valueSetPrefix
	case lineCodeSystem:
		return codeSystemPrefix
	}
	return nil
}

// line returns the bytes of e in data, or false when they are not what
// the index says (a stale index).
func (e *indexedLine) line(data []byte) ([]byte, bool) {
	off, end := int(e.off), int(e.end)
	if off < 0 || end <= off || end > len(data) || end < len(data) && data[end] != '\n' {
		return nil, false
	}
	line, p := data[off:end], e.kind.prefix()
	if p == nil || !bytes.HasPrefix(line, p) || !bytes.HasPrefix(line[len(p):], []byte(e.name)) ||
		len(line) <= len(p)+len(e.name) || line[len(p)+len(e.name)] != '"' {
		return nil, false
	}
	return line, true
}

// header returns the first line of data.
func header(data []byte) []byte {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return data[:i]
	}
	return data
}

// loadIndexedModel is Load by the index; ok is false when the index does
// not fit data.
func loadIndexedModel(data []byte, ix *lineIndex) (*Model, bool) {
	if len(data) != ix.size {
		return nil, false
	}
	m := &Model{}
	if err := json.Unmarshal(header(data), &m.Header); err != nil {
		return nil, false
	}
	types, sets := 0, 0
	for i := range ix.lines {
		switch ix.lines[i].kind {
		case lineType, lineResourceType:
			types++
		case lineValueSet:
			sets++
		default:
			return nil, false
		}
	}
	m.types = make(map[string]*lazy[Type], types)
	m.valueSets = make(map[string]*lazy[ValueSet], sets)
	m.typeNames = make([]string, 0, types)
	typeSlab := make([]lazy[Type], 0, types)
	vsSlab := make([]lazy[ValueSet], 0, sets)
	for i := range ix.lines {
		e := &ix.lines[i]
		line, ok := e.line(data)
		if !ok {
			return nil, false
		}
		switch e.kind {
		case lineValueSet:
			m.valueSets[e.name] = slabEntry(&vsSlab, line)
		default:
			m.types[e.name] = slabEntry(&typeSlab, line)
			m.typeNames = append(m.typeNames, e.name)
			if e.kind == lineResourceType {
				m.resources = append(m.resources, e.name)
			}
		}
	}
	sort.Strings(m.typeNames)
	sort.Strings(m.resources)
	return m, true
}

// loadIndexedTerminology is LoadTerminology by the index; ok is false when
// the index does not fit data.
func loadIndexedTerminology(data []byte, ix *lineIndex) (*Terminology, bool) {
	if len(data) != ix.size {
		return nil, false
	}
	t := &Terminology{}
	if err := json.Unmarshal(header(data), &t.Header); err != nil || t.Header.Terminology == "" {
		return nil, false
	}
	sets, systems := 0, 0
	for i := range ix.lines {
		switch ix.lines[i].kind {
		case lineValueSet:
			sets++
		case lineCodeSystem:
			systems++
		default:
			return nil, false
		}
	}
	t.valueSets = make(map[string]*lazy[ValueSet], sets)
	t.codeSystems = make(map[string]*lazy[CodeSystem], systems)
	vsSlab := make([]lazy[ValueSet], 0, sets)
	csSlab := make([]lazy[CodeSystem], 0, systems)
	for i := range ix.lines {
		e := &ix.lines[i]
		line, ok := e.line(data)
		if !ok {
			return nil, false
		}
		if e.kind == lineValueSet {
			t.valueSets[e.name] = slabEntry(&vsSlab, line)
		} else {
			t.codeSystems[e.name] = slabEntry(&csSlab, line)
		}
	}
	return t, true
}

// indexLines scans a model or terminology file as Load and LoadTerminology
// do and returns its index, for the generator and the tests.
func indexLines(data []byte) (lineIndex, error) {
	ix := lineIndex{size: len(data)}
	off := 0
	for lineNo := 1; off < len(data); lineNo++ {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i
		}
		line := data[off:end]
		if lineNo > 1 && len(line) > 0 {
			var e indexedLine
			switch {
			case bytes.HasPrefix(line, typePrefix):
				e = indexedLine{name: lineName(line[len(typePrefix):]), kind: lineType}
				if lineKind(line) == string(KindResource) {
					e.kind = lineResourceType
				}
			case bytes.HasPrefix(line, valueSetPrefix):
				e = indexedLine{name: lineName(line[len(valueSetPrefix):]), kind: lineValueSet}
			case bytes.HasPrefix(line, codeSystemPrefix):
				e = indexedLine{name: lineName(line[len(codeSystemPrefix):]), kind: lineCodeSystem}
			default:
				return lineIndex{}, fmt.Errorf("line %d: of no known kind", lineNo)
			}
			if e.name == "" {
				return lineIndex{}, fmt.Errorf("line %d: no name", lineNo)
			}
			e.off, e.end = int32(off), int32(end)
			ix.lines = append(ix.lines, e)
		}
		off = end + 1
	}
	return ix, nil
}

// ExtensionLine places one extension definition in STU3Extensions: its
// url and source members (the first of each in the line, as a reader
// looking for them finds them), its line number and its bytes [Off, End).
type ExtensionLine struct {
	URL, Source string
	Line        int
	Off, End    int
}

// STU3ExtensionLines returns the index of STU3Extensions generated at
// build time, or false when it does not fit the embedded file (then the
// caller reads the file itself). Callers must not modify the slice.
func STU3ExtensionLines() ([]ExtensionLine, bool) {
	if len(extensionsSTU3) != stu3ExtensionIndexSize {
		return nil, false
	}
	for i := range stu3ExtensionIndex {
		e := &stu3ExtensionIndex[i]
		if e.Off <= 0 || e.End <= e.Off || e.End > len(extensionsSTU3) || extensionsSTU3[e.Off-1] != '\n' ||
			e.End < len(extensionsSTU3) && extensionsSTU3[e.End] != '\n' {
			return nil, false
		}
		line := extensionsSTU3[e.Off:e.End]
		if !memberIs(line, urlKey, e.URL) || !memberIs(line, sourceKey, e.Source) {
			return nil, false
		}
	}
	return stu3ExtensionIndex, true
}

var (
	urlKey    = []byte(`"url":"`)
	sourceKey = []byte(`"source":"`)
)

// firstMember returns the string value of the first key ("url":") in
// line (names and URLs in the generated files have no escapes), or "".
func firstMember(line, key []byte) string {
	i := bytes.Index(line, key)
	if i < 0 {
		return ""
	}
	return lineName(line[i+len(key):])
}

// memberIs reports whether firstMember(line, key) is want, without
// copying it.
func memberIs(line, key []byte, want string) bool {
	i := bytes.Index(line, key)
	if i < 0 || want == "" {
		return false
	}
	rest := line[i+len(key):]
	return len(rest) > len(want) && string(rest[:len(want)]) == want && rest[len(want)] == '"'
}

// indexExtensions scans an extension definitions file into its index,
// for the generator and the tests.
func indexExtensions(data []byte) ([]ExtensionLine, error) {
	var out []ExtensionLine
	off := 0
	for lineNo := 1; off < len(data); lineNo++ {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i
		}
		if line := data[off:end]; lineNo > 1 && len(line) > 0 {
			e := ExtensionLine{URL: firstMember(line, urlKey), Source: firstMember(line, sourceKey), Line: lineNo, Off: off, End: end}
			if e.URL == "" || e.Source == "" {
				return nil, fmt.Errorf("line %d: no url or source", lineNo)
			}
			out = append(out, e)
		}
		off = end + 1
	}
	return out, nil
}
