// Package modelgen turns the StructureDefinitions, ValueSets and CodeSystems
// of a FHIR STU3 package into the compact model format read by package
// schemas: one JSON object per line, types sorted by name, then the
// expansions of the value sets bound with strength required.
package modelgen

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// Package is the part of a FHIR package the model is made from.
type Package struct {
	Name        string
	Version     string
	FHIRVersion string
	Structures  map[string]*structureDefinition // by id
	ValueSets   map[string]*valueSet            // by canonical URL
	CodeSystems map[string]*codeSystem          // by canonical URL
	// NHSValueSets are the URLs of the value sets AddNHS read, which the
	// terminology holds whatever binds them.
	NHSValueSets map[string]bool
}

type structureDefinition struct {
	ID             string `json:"id"`
	URL            string `json:"url"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	Abstract       bool   `json:"abstract"`
	Type           string `json:"type"`
	BaseDefinition string `json:"baseDefinition"`
	Derivation     string `json:"derivation"`
	Snapshot       struct {
		Element []map[string]json.RawMessage `json:"element"`
	} `json:"snapshot"`
}

type valueSet struct {
	URL     string `json:"url"`
	Name    string `json:"name"`
	Compose *struct {
		Include []conceptSet `json:"include"`
		Exclude []conceptSet `json:"exclude"`
	} `json:"compose"`
	Expansion *struct {
		Contains []expansionEntry `json:"contains"`
	} `json:"expansion"`
}

type conceptSet struct {
	System   string   `json:"system"`
	ValueSet []string `json:"valueSet"`
	Concept  []struct {
		Code string `json:"code"`
	} `json:"concept"`
	Filter []struct {
		Property string `json:"property"`
		Op       string `json:"op"`
		Value    string `json:"value"`
	} `json:"filter"`
}

type expansionEntry struct {
	System   string           `json:"system"`
	Code     string           `json:"code"`
	Contains []expansionEntry `json:"contains"`
}

type codeSystem struct {
	URL           string    `json:"url"`
	Name          string    `json:"name"`
	Content       string    `json:"content"`
	CaseSensitive *bool     `json:"caseSensitive"`
	Concept       []concept `json:"concept"`
}

type concept struct {
	Code        string `json:"code"`
	Display     string `json:"display"`
	Designation []struct {
		Language string `json:"language"`
		Value    string `json:"value"`
	} `json:"designation"`
	Concept []concept `json:"concept"`
}

// ReadPackage reads the StructureDefinitions, ValueSets and CodeSystems of a
// FHIR package tarball (.tgz).
func ReadPackage(r io.Reader) (*Package, error) {
	zr, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("not a gzip tarball: %v", err)
	}
	p := &Package{
		Structures:  map[string]*structureDefinition{},
		ValueSets:   map[string]*valueSet{},
		CodeSystems: map[string]*codeSystem{},
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		name := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !strings.HasSuffix(name, ".json") {
			continue
		}
		kind := strings.SplitN(name, "-", 2)[0]
		switch kind {
		case "package.json":
			var meta struct {
				Name         string   `json:"name"`
				Version      string   `json:"version"`
				FHIRVersions []string `json:"fhirVersions"`
			}
			if err := json.NewDecoder(tr).Decode(&meta); err != nil {
				return nil, fmt.Errorf("%s: %v", h.Name, err)
			}
			p.Name, p.Version = meta.Name, meta.Version
			if len(meta.FHIRVersions) > 0 {
				p.FHIRVersion = meta.FHIRVersions[0]
			}
		case "StructureDefinition":
			sd := new(structureDefinition)
			if err := json.NewDecoder(tr).Decode(sd); err != nil {
				return nil, fmt.Errorf("%s: %v", h.Name, err)
			}
			p.Structures[sd.ID] = sd
		case "ValueSet":
			vs := new(valueSet)
			if err := json.NewDecoder(tr).Decode(vs); err != nil {
				return nil, fmt.Errorf("%s: %v", h.Name, err)
			}
			p.ValueSets[vs.URL] = vs
		case "CodeSystem":
			cs := new(codeSystem)
			if err := json.NewDecoder(tr).Decode(cs); err != nil {
				return nil, fmt.Errorf("%s: %v", h.Name, err)
			}
			p.CodeSystems[cs.URL] = cs
		}
	}
	if len(p.Structures) == 0 {
		return nil, fmt.Errorf("no StructureDefinitions in the package")
	}
	return p, nil
}

// Stats counts what Write wrote.
type Stats struct {
	Types, Resources, ValueSets, CompleteValueSets int
}

// Write writes the model of p. source names the package file in the header.
func Write(w io.Writer, p *Package, source string) (Stats, error) {
	var st Stats
	types, err := buildTypes(p)
	if err != nil {
		return st, err
	}
	required := map[string]bool{}
	for _, t := range types {
		for _, e := range t.Elements {
			if b := e.Binding; b != nil && b.Strength == "required" && b.ValueSet != "" {
				required[strings.SplitN(b.ValueSet, "|", 2)[0]] = true
			}
		}
	}
	urls := make([]string, 0, len(required))
	for u := range required {
		urls = append(urls, u)
	}
	sort.Strings(urls)

	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	header := schemas.Header{
		Model:       "nemsfhir STU3 model",
		FHIRVersion: p.FHIRVersion,
		Package:     source,
		Types:       len(types),
		ValueSets:   len(urls),
	}
	if err := enc.Encode(header); err != nil {
		return st, err
	}
	for _, t := range types {
		if err := enc.Encode(t); err != nil {
			return st, err
		}
		st.Types++
		if t.Kind == schemas.KindResource {
			st.Resources++
		}
	}
	for _, u := range urls {
		vs := expandValueSet(p, u)
		if err := enc.Encode(vs); err != nil {
			return st, err
		}
		st.ValueSets++
		if vs.Complete {
			st.CompleteValueSets++
		}
	}
	return st, bw.Flush()
}

// isModelType decides which StructureDefinitions become types: every
// specialization (and the roots Element and Resource), plus constrained
// datatypes that elements name as a type profile, such as SimpleQuantity.
func isModelType(sd *structureDefinition, profiled map[string]bool) bool {
	switch sd.Kind {
	case "primitive-type", "complex-type", "resource":
	default:
		return false
	}
	if sd.Derivation == "constraint" {
		return sd.Kind == "complex-type" && sd.Type != "Extension" && profiled[sd.URL]
	}
	return true
}

func buildTypes(p *Package) ([]*schemas.Type, error) {
	// Profiles named on element types, to find SimpleQuantity and its kind.
	profiled := map[string]bool{}
	for _, sd := range p.Structures {
		if sd.Derivation == "constraint" {
			continue
		}
		for _, raw := range sd.Snapshot.Element {
			var types []struct {
				Profile string `json:"profile"`
			}
			if t, ok := raw["type"]; ok && json.Unmarshal(t, &types) == nil {
				for _, t := range types {
					if t.Profile != "" {
						profiled[t.Profile] = true
					}
				}
			}
		}
	}
	var out []*schemas.Type
	for _, sd := range p.Structures {
		if !isModelType(sd, profiled) {
			continue
		}
		t, err := buildType(sd)
		if err != nil {
			return nil, fmt.Errorf("StructureDefinition %s: %v", sd.ID, err)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func buildType(sd *structureDefinition) (*schemas.Type, error) {
	t := &schemas.Type{
		Name:     sd.ID,
		Kind:     schemas.Kind(sd.Kind),
		Abstract: sd.Abstract,
		URL:      sd.URL,
	}
	if sd.BaseDefinition != "" {
		t.Base = path.Base(sd.BaseDefinition)
	}
	if sd.Derivation == "constraint" {
		t.Profile = sd.Type
	}
	constraintIndex := map[schemas.Constraint]int{}
	for i, raw := range sd.Snapshot.Element {
		e, prim, err := buildElement(raw)
		if err != nil {
			return nil, fmt.Errorf("element %d: %v", i, err)
		}
		if prim != nil && t.Kind == schemas.KindPrimitive {
			t.Primitive = prim
		}
		for _, c := range constraintsOf(raw) {
			ref, ok := constraintIndex[c]
			if !ok {
				ref = len(t.Constraints)
				constraintIndex[c] = ref
				cc := c
				t.Constraints = append(t.Constraints, &cc)
			}
			e.ConstraintRefs = append(e.ConstraintRefs, ref)
		}
		t.Elements = append(t.Elements, e)
	}
	if len(t.Elements) == 0 {
		return nil, fmt.Errorf("no snapshot")
	}
	if t.Kind == schemas.KindPrimitive && t.Primitive == nil {
		return nil, fmt.Errorf("primitive type without a value element")
	}
	return t, nil
}

// rawType is ElementDefinition.type as STU3 writes it: one entry per code
// and per profile or target profile.
type rawType struct {
	Code          string    `json:"code"`
	Profile       string    `json:"profile"`
	TargetProfile string    `json:"targetProfile"`
	Extension     []rawExt  `json:"extension"`
	CodeMeta      *struct { // "_code": the primitive value's JSON and XML types
		Extension []rawExt `json:"extension"`
	} `json:"_code"`
}

type rawExt struct {
	URL         string `json:"url"`
	ValueString string `json:"valueString"`
}

const (
	extRegex    = "http://hl7.org/fhir/StructureDefinition/structuredefinition-regex"
	extJSONType = "http://hl7.org/fhir/StructureDefinition/structuredefinition-json-type"
	extXMLType  = "http://hl7.org/fhir/StructureDefinition/structuredefinition-xml-type"
)

func buildElement(raw map[string]json.RawMessage) (*schemas.Element, *schemas.Primitive, error) {
	var base struct {
		Path             string   `json:"path"`
		Short            string   `json:"short"`
		Min              int      `json:"min"`
		Max              string   `json:"max"`
		ContentReference string   `json:"contentReference"`
		IsModifier       bool     `json:"isModifier"`
		IsSummary        bool     `json:"isSummary"`
		Representation   []string `json:"representation"`
		MaxLength        int      `json:"maxLength"`
		Type             []rawType
		Binding          *struct {
			Strength          string `json:"strength"`
			Description       string `json:"description"`
			ValueSetURI       string `json:"valueSetUri"`
			ValueSetReference *struct {
				Reference string `json:"reference"`
			} `json:"valueSetReference"`
		} `json:"binding"`
	}
	if err := unmarshalObject(raw, &base); err != nil {
		return nil, nil, err
	}
	if base.Path == "" || base.Max == "" {
		return nil, nil, fmt.Errorf("missing path or max")
	}
	e := &schemas.Element{
		Path:             base.Path,
		Short:            base.Short,
		Min:              base.Min,
		MaxText:          base.Max,
		ContentReference: base.ContentReference,
		IsModifier:       base.IsModifier,
		IsSummary:        base.IsSummary,
		MaxLength:        base.MaxLength,
	}
	if len(base.Representation) > 0 {
		e.Representation = base.Representation[0]
	}
	var prim *schemas.Primitive
	for _, rt := range base.Type {
		if rt.Code == "" {
			// The value of a primitive type: its code is given only as
			// extensions saying how JSON and XML write it.
			prim = &schemas.Primitive{MaxLength: base.MaxLength}
			for _, x := range rt.Extension {
				if x.URL == extRegex {
					prim.Regex = x.ValueString
				}
			}
			if rt.CodeMeta != nil {
				for _, x := range rt.CodeMeta.Extension {
					switch x.URL {
					case extJSONType:
						prim.JSON = x.ValueString
					case extXMLType:
						prim.XML = x.ValueString
					}
				}
			}
			continue
		}
		n := len(e.Types)
		if n == 0 || e.Types[n-1].Code != rt.Code {
			e.Types = append(e.Types, schemas.TypeRef{Code: rt.Code})
			n++
		}
		last := &e.Types[n-1]
		if rt.Profile != "" {
			last.Profiles = append(last.Profiles, rt.Profile)
		}
		if rt.TargetProfile != "" {
			last.TargetProfiles = append(last.TargetProfiles, rt.TargetProfile)
		}
	}
	if strings.HasSuffix(e.Path, "[x]") {
		prefix := strings.TrimSuffix(e.Path[strings.LastIndexByte(e.Path, '.')+1:], "[x]")
		for _, t := range e.Types {
			e.Choices = append(e.Choices, schemas.Choice{Name: prefix + upperFirst(t.Code), Type: t.Code})
		}
	}
	if b := base.Binding; b != nil {
		e.Binding = &schemas.Binding{Strength: b.Strength, Description: b.Description, ValueSet: b.ValueSetURI}
		if b.ValueSetReference != nil {
			e.Binding.ValueSet = b.ValueSetReference.Reference
		}
	}
	// fixed[x], pattern[x], minValue[x] and maxValue[x] keep their JSON.
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, slot := range []struct {
			prefix string
			dst    **schemas.Value
		}{{"fixed", &e.Fixed}, {"pattern", &e.Pattern}, {"minValue", &e.MinValue}, {"maxValue", &e.MaxValue}} {
			if suffix, ok := strings.CutPrefix(k, slot.prefix); ok && suffix != "" && suffix[0] >= 'A' && suffix[0] <= 'Z' {
				*slot.dst = &schemas.Value{Type: suffix, Value: compactJSON(raw[k])}
			}
		}
	}
	return e, prim, nil
}

func constraintsOf(raw map[string]json.RawMessage) []schemas.Constraint {
	var cs []schemas.Constraint
	if c, ok := raw["constraint"]; ok {
		// A malformed list would already have failed the package's own
		// publication; treat it as no constraints.
		_ = json.Unmarshal(c, &cs)
	}
	return cs
}

func unmarshalObject(raw map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// compactJSON drops the whitespace of a value but keeps its text, so that a
// decimal such as 1.50 stays as written.
func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
