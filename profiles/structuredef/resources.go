package structuredef

import (
	"bytes"
	"encoding/json"
	"strings"
)

// The types below are the parts of the STU3 conformance resources the
// loader reads, in their JSON shape. XML files are turned into this JSON
// through the project's element tree first, so there is one decoder.

type structureDefinition struct {
	ResourceType   string   `json:"resourceType"`
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Name           string   `json:"name"`
	Version        string   `json:"version"`
	Kind           string   `json:"kind"`
	Abstract       bool     `json:"abstract"`
	Type           string   `json:"type"`
	BaseDefinition string   `json:"baseDefinition"`
	Derivation     string   `json:"derivation"`
	ContextType    string   `json:"contextType"`
	Context        []string `json:"-"`
	Snapshot       *struct {
		Element []*elementDefinition `json:"element"`
	} `json:"snapshot"`
	Differential *struct {
		Element []*elementDefinition `json:"element"`
	} `json:"differential"`

	from origin // where it was loaded from, for messages
}

// UnmarshalJSON accepts context in its STU3 form (strings) and its R4 form
// ({type, expression}), since published assets mix them.
func (sd *structureDefinition) UnmarshalJSON(b []byte) error {
	type plain structureDefinition
	var aux struct {
		*plain
		Context []json.RawMessage `json:"context"`
	}
	aux.plain = (*plain)(sd)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	for _, c := range aux.Context {
		var s string
		if json.Unmarshal(c, &s) == nil {
			sd.addContextList(s)
			continue
		}
		sd.addContextObject(c)
	}
	return nil
}

// addContextList adds a context in its STU3 form: a string, which the STU3
// package sometimes writes as a comma-separated list ("Element,Resource").
func (sd *structureDefinition) addContextList(s string) {
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			sd.Context = append(sd.Context, part)
		}
	}
}

// addContextObject adds a context in its R4 form, {type, expression};
// anything else is left out.
func (sd *structureDefinition) addContextObject(raw []byte) {
	var o struct {
		Type       string `json:"type"`
		Expression string `json:"expression"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Expression != "" {
		sd.Context = append(sd.Context, o.Expression)
		if sd.ContextType == "" {
			sd.ContextType = o.Type
		}
	}
}

type elementDefinition struct {
	ID               string `json:"id"`
	Path             string `json:"path"`
	SliceName        string `json:"sliceName"`
	Min              *int   `json:"min"`
	Max              string `json:"max"`
	ContentReference string `json:"contentReference"`
	Base             *struct {
		Path string `json:"path"`
		Min  *int   `json:"min"`
		Max  string `json:"max"`
	} `json:"base"`
	Type       []typeRef    `json:"type"`
	Binding    *binding     `json:"binding"`
	Constraint []constraint `json:"constraint"`
	Slicing    *slicing     `json:"slicing"`
	MaxLength  int          `json:"maxLength"`
	IsModifier bool         `json:"isModifier"`

	// Fixed and Pattern hold fixed[x] and pattern[x]; their Type is the
	// suffix ("Uri", "CodeableConcept").
	Fixed   *fhirValue `json:"-"`
	Pattern *fhirValue `json:"-"`
	// MinValue and MaxValue hold minValue[x] and maxValue[x].
	MinValue *fhirValue `json:"-"`
	MaxValue *fhirValue `json:"-"`
}

// UnmarshalJSON picks fixed[x] and pattern[x] out of the element, whatever
// their type suffix.
func (e *elementDefinition) UnmarshalJSON(b []byte) error {
	type plain elementDefinition
	if err := json.Unmarshal(b, (*plain)(e)); err != nil {
		return err
	}
	// Most elements have no value[x] member: skip the second decode,
	// which costs as much as the first, when no key can start so (a key
	// may also be spelled with \u escapes). A match inside a string only
	// costs the decode.
	if !bytes.Contains(b, []byte(`"fixed`)) && !bytes.Contains(b, []byte(`"pattern`)) &&
		!bytes.Contains(b, []byte(`"minValue`)) && !bytes.Contains(b, []byte(`"maxValue`)) &&
		!bytes.Contains(b, []byte(`\u`)) {
		return nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	for k, raw := range all {
		switch {
		case strings.HasPrefix(k, "fixed") && len(k) > len("fixed"):
			v, err := newFHIRValue(k[len("fixed"):], raw)
			if err != nil {
				return err
			}
			e.Fixed = v
		case strings.HasPrefix(k, "pattern") && len(k) > len("pattern"):
			v, err := newFHIRValue(k[len("pattern"):], raw)
			if err != nil {
				return err
			}
			e.Pattern = v
		case strings.HasPrefix(k, "minValue") && len(k) > len("minValue"):
			v, err := newFHIRValue(k[len("minValue"):], raw)
			if err != nil {
				return err
			}
			e.MinValue = v
		case strings.HasPrefix(k, "maxValue") && len(k) > len("maxValue"):
			v, err := newFHIRValue(k[len("maxValue"):], raw)
			if err != nil {
				return err
			}
			e.MaxValue = v
		}
	}
	return nil
}

// fhirValue is a fixed or pattern value, decoded with numbers kept as
// written so that "1.0" and "1" stay apart.
type fhirValue struct {
	Type  string
	Raw   json.RawMessage
	Value any
}

func newFHIRValue(typ string, raw json.RawMessage) (*fhirValue, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return &fhirValue{Type: typ, Raw: raw, Value: v}, nil
}

// typeRef is ElementDefinition.type. STU3 allows one profile and one
// targetProfile per entry (repeating the code for more); R4 makes them
// lists. Both are accepted.
type typeRef struct {
	Code          string
	Profile       []string
	TargetProfile []string
}

func (t *typeRef) UnmarshalJSON(b []byte) error {
	var aux struct {
		Code          string          `json:"code"`
		Profile       json.RawMessage `json:"profile"`
		TargetProfile json.RawMessage `json:"targetProfile"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	t.Code = aux.Code
	t.Profile = stringOrList(aux.Profile)
	t.TargetProfile = stringOrList(aux.TargetProfile)
	return nil
}

func stringOrList(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	var l []string
	_ = json.Unmarshal(raw, &l)
	return l
}

type binding struct {
	Strength          string `json:"strength"`
	ValueSetURI       string `json:"valueSetUri"`
	ValueSetReference *struct {
		Reference string `json:"reference"`
	} `json:"valueSetReference"`
	ValueSet string `json:"valueSet"` // R4 spelling
}

// url returns the canonical URL of the bound value set, whichever way it
// was written.
func (b *binding) url() string {
	switch {
	case b.ValueSetReference != nil && b.ValueSetReference.Reference != "":
		return b.ValueSetReference.Reference
	case b.ValueSetURI != "":
		return b.ValueSetURI
	}
	return b.ValueSet
}

type constraint struct {
	Key        string `json:"key"`
	Severity   string `json:"severity"`
	Human      string `json:"human"`
	Expression string `json:"expression"`
	Source     string `json:"source"`
}

type slicing struct {
	Discriminator []struct {
		Type string `json:"type"`
		Path string `json:"path"`
	} `json:"discriminator"`
	Ordered bool   `json:"ordered"`
	Rules   string `json:"rules"`
}

type valueSet struct {
	URL     string `json:"url"`
	Name    string `json:"name"`
	Compose *struct {
		Include []vsInclude `json:"include"`
		Exclude []vsInclude `json:"exclude"`
	} `json:"compose"`
	Expansion *struct {
		Total    *int          `json:"total"`
		Contains []vsContained `json:"contains"`
	} `json:"expansion"`

	from origin
}

type vsInclude struct {
	System  string   `json:"system"`
	Concept []csCode `json:"concept"`
	Filter  []struct {
		Property string `json:"property"`
		Op       string `json:"op"`
		Value    string `json:"value"`
	} `json:"filter"`
	ValueSet []string `json:"valueSet"`
}

type vsContained struct {
	System   string        `json:"system"`
	Code     string        `json:"code"`
	Abstract bool          `json:"abstract"`
	Contains []vsContained `json:"contains"`
}

type codeSystem struct {
	URL           string `json:"url"`
	Name          string `json:"name"`
	Content       string `json:"content"`
	CaseSensitive *bool  `json:"caseSensitive"`
	// HierarchyMeaning says what nesting of concepts means (is-a,
	// grouped-by, part-of, classified-with).
	HierarchyMeaning string   `json:"hierarchyMeaning"`
	Concept          []csCode `json:"concept"`

	from origin
}

type csCode struct {
	Code    string   `json:"code"`
	Display string   `json:"display"`
	Concept []csCode `json:"concept"`
	// Property is read for the parent and child properties, which state a
	// hierarchy that nesting does not show.
	Property []struct {
		Code string `json:"code"`
	} `json:"property"`
}

// canonical strips a version suffix ("|1.0.0") from a canonical URL.
func canonical(u string) string {
	if i := strings.IndexByte(u, '|'); i >= 0 {
		return u[:i]
	}
	return u
}
