// Package schemas holds the FHIR STU3 (3.0.2) model that the rest of nemsfhir
// stands on: every resource, complex type and primitive type of the official
// package, with its elements in definition order, cardinality, types, choice
// expansions, bindings and constraints.
//
// The model is generated from the official package by the generator in
// ./gen (run "go generate ./schemas") and embedded in the binary. It is loaded
// once, on first use, and each type is decoded only when it is first looked up.
// All methods are safe for concurrent use.
//
//	m := schemas.STU3()
//	e, err := m.Element("MessageHeader.event")
//	fmt.Println(e.Cardinality(), e.Types[0].Code) // 1..1 Coding
package schemas

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// Kind says what a Type is.
type Kind string

// The kinds of type in the model.
const (
	KindPrimitive Kind = "primitive-type"
	KindComplex   Kind = "complex-type"
	KindResource  Kind = "resource"
)

// Unbounded is the Max of an element whose maximum cardinality is "*".
const Unbounded = -1

// Type is one StructureDefinition of the package: a resource, a complex
// datatype or a primitive type.
type Type struct {
	Name     string `json:"type"`
	Kind     Kind   `json:"kind"`
	Abstract bool   `json:"abstract,omitempty"`
	// Base is the name of the type this one specialises ("DomainResource"
	// for most resources); empty for Element and Resource.
	Base string `json:"base,omitempty"`
	URL  string `json:"url"`
	// Profile is set on constrained types such as SimpleQuantity: the name
	// of the type they constrain.
	Profile string `json:"profileOf,omitempty"`
	// Primitive is set on primitive types only.
	Primitive *Primitive `json:"primitive,omitempty"`
	// Elements are the snapshot elements in definition order; Elements[0]
	// is the root (path == Name).
	Elements []*Element `json:"elements"`
	// Constraints lists every constraint that appears on an element of the
	// type once; Element.ConstraintRefs index into it.
	Constraints []*Constraint `json:"constraints,omitempty"`

	model  *Model
	byPath map[string]*Element
}

// Primitive describes the value space of a primitive type.
type Primitive struct {
	// Regex is the regular expression the whole value must match, as given
	// by the package (empty where the package gives none, e.g. string).
	Regex string `json:"regex,omitempty"`
	// JSON is how the value is written in JSON: "string", "number" or
	// "boolean".
	JSON string `json:"json"`
	// XML is the XML Schema type named by the package (e.g. "xsd:decimal").
	XML string `json:"xml"`
	// MaxLength is the largest length in characters, 0 for no limit.
	MaxLength int `json:"maxLength,omitempty"`
}

// WholeValue anchors a regular expression that describes a whole value,
// as the package's regexes do, for engines that search for a match
// anywhere (Go's regexp, JSON Schema's pattern): "^(?:" + regex + ")$".
func WholeValue(regex string) string { return "^(?:" + regex + ")$" }

// Element is one ElementDefinition of a type's snapshot.
type Element struct {
	// Path is the full path, e.g. "Patient.contact.name".
	Path string `json:"path"`
	// Short is the package's one-line description.
	Short string `json:"short,omitempty"`
	Min   int    `json:"min"`
	// MaxText is the maximum cardinality as written: "0", "1" or "*".
	MaxText string `json:"max"`
	// Types lists the allowed types, one entry per type code.
	Types []TypeRef `json:"types,omitempty"`
	// Choices expands a choice element ("value[x]") into the names it takes
	// in instances ("valueQuantity", ...), one per type, in package order.
	Choices []Choice `json:"choices,omitempty"`
	// ContentReference names the element whose definition this one reuses,
	// e.g. "#Questionnaire.item" for Questionnaire.item.item.
	ContentReference string `json:"contentReference,omitempty"`
	IsModifier       bool   `json:"modifier,omitempty"`
	IsSummary        bool   `json:"summary,omitempty"`
	// Representation is "xmlAttr" for values written as XML attributes and
	// "xhtml" for the narrative div; empty for ordinary elements.
	Representation string   `json:"representation,omitempty"`
	Fixed          *Value   `json:"fixed,omitempty"`
	Pattern        *Value   `json:"pattern,omitempty"`
	MinValue       *Value   `json:"minValue,omitempty"`
	MaxValue       *Value   `json:"maxValue,omitempty"`
	MaxLength      int      `json:"maxLength,omitempty"`
	Binding        *Binding `json:"binding,omitempty"`
	// ConstraintRefs index into the owning Type's Constraints.
	ConstraintRefs []int `json:"constraints,omitempty"`

	// Index is the position of the element in its type's snapshot.
	Index int `json:"-"`
	// Name is the last segment of Path ("value[x]" for a choice element).
	Name string `json:"-"`
	// Max is the maximum cardinality, Unbounded for "*".
	Max int `json:"-"`
	// Owner is the type whose snapshot holds the element.
	Owner *Type `json:"-"`
	// Parent is the enclosing element in the same type, nil for the root.
	Parent *Element `json:"-"`

	children []*Element        // backbone children in the same snapshot
	byName   map[string]Member // names an instance may use, choices expanded

	// typeRootOnce caches the element that defines the children of e when
	// e is not a backbone element: the root of its single type, or the
	// target of its contentReference. It is looked up for every element
	// of every payload.
	typeRootOnce sync.Once
	typeRoot     *Element
}

// TypeRef is one allowed type of an element.
type TypeRef struct {
	Code string `json:"code"`
	// Profiles constrain the type (e.g. SimpleQuantity for a Quantity).
	Profiles []string `json:"profiles,omitempty"`
	// TargetProfiles are the resources a Reference may point to.
	TargetProfiles []string `json:"targets,omitempty"`
}

// Choice is one expansion of a choice element.
type Choice struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Value is a fixed, pattern or limit value of an element, as written in the
// package's JSON: Type is the suffix of the property ("Uri" in fixedUri).
type Value struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Binding ties a coded element to a value set.
type Binding struct {
	// Strength is required, extensible, preferred or example.
	Strength string `json:"strength"`
	// ValueSet is the canonical URL (or URI) of the bound value set; empty
	// when the binding only has a description.
	ValueSet    string `json:"valueSet,omitempty"`
	Description string `json:"description,omitempty"`
}

// Constraint is an invariant of an element, in both of its forms.
type Constraint struct {
	Key        string `json:"key"`
	Severity   string `json:"severity"`
	Human      string `json:"human"`
	Expression string `json:"expression,omitempty"`
	XPath      string `json:"xpath,omitempty"`
	// Source is the URL of the StructureDefinition that declared it.
	Source string `json:"source,omitempty"`
}

// ValueSet is the expansion of a value set bound with strength required.
type ValueSet struct {
	URL  string `json:"valueSet"`
	Name string `json:"name,omitempty"`
	// Complete is false when the package's CodeSystems do not allow a full
	// expansion (a filter, or an external code system such as UCUM); Codes
	// then holds what could be expanded, and a code outside it is unknown
	// rather than wrong.
	Complete bool   `json:"complete"`
	Codes    []Code `json:"codes,omitempty"`
	Reason   string `json:"incomplete,omitempty"`
	index    map[Code]bool
	once     sync.Once
}

// Code is one system and code of a value set expansion.
type Code struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

// Member is what a name found in an instance means under a parent element:
// the element it belongs to and the type it carries (the chosen type for a
// choice element).
type Member struct {
	Element *Element
	Type    string
}

// Cardinality renders the element's cardinality as "min..max".
func (e *Element) Cardinality() string { return strconv.Itoa(e.Min) + ".." + e.MaxText }

// Repeats reports whether the element may occur more than once, which is
// also whether it is a JSON array.
func (e *Element) Repeats() bool { return e.Max == Unbounded || e.Max > 1 }

// IsChoice reports whether the element is a choice element ("value[x]").
func (e *Element) IsChoice() bool { return strings.HasSuffix(e.Name, "[x]") }

// Constraints returns the element's constraints.
func (e *Element) Constraints() []*Constraint {
	out := make([]*Constraint, len(e.ConstraintRefs))
	for i, r := range e.ConstraintRefs {
		out[i] = e.Owner.Constraints[r]
	}
	return out
}

// InstanceConstraints returns the constraints an instance of e must meet.
// These are e's own, except for an element defined by contentReference
// that states none of its own (ValueSet.compose.exclude,
// Questionnaire.item.item, Composition.section.section): its content is
// that of the element it refers to, and so are its rules. Where the
// package restates them for the reused place (TestScript.test.action.*
// carry inv-6, inv-8, ... for the setup's inv-5, inv-7, ...), the
// restatements stand and are not doubled with the originals.
func (e *Element) InstanceConstraints() []*Constraint {
	own := e.Constraints()
	if e.ContentReference == "" || !onlyCommon(own) {
		return own
	}
	// Follow the reference, and a chain of them within the snapshot's
	// size, so that a malformed cycle cannot loop.
	target := e
	for hops := 0; target.ContentReference != "" && hops < len(e.Owner.Elements); hops++ {
		next := e.Owner.byPath[strings.TrimPrefix(target.ContentReference, "#")]
		if next == nil {
			break
		}
		target = next
	}
	if target == e {
		return own
	}
	seen := make(map[string]bool, len(own))
	for _, c := range own {
		seen[c.Key] = true
	}
	out := own
	for _, c := range target.Constraints() {
		if !seen[c.Key] {
			seen[c.Key] = true
			out = append(out, c)
		}
	}
	return out
}

// onlyCommon reports whether cs holds nothing but ele-1, the rule every
// element carries.
func onlyCommon(cs []*Constraint) bool {
	for _, c := range cs {
		if c.Key != "ele-1" {
			return false
		}
	}
	return true
}

// TypeCodes returns the codes of the element's types, in order.
func (e *Element) TypeCodes() []string {
	out := make([]string, len(e.Types))
	for i, t := range e.Types {
		out[i] = t.Code
	}
	return out
}

// IsBackbone reports whether the element's children are defined inline in
// its type's snapshot (BackboneElement and Element typed elements).
func (e *Element) IsBackbone() bool { return len(e.children) > 0 }

// Root returns the type's root element.
func (t *Type) Root() *Element { return t.Elements[0] }

// Element returns the element of this type's snapshot with the given full
// path, or nil. It does not follow into other types: see Model.Element.
func (t *Type) Element(path string) *Element { return t.byPath[path] }

// IsResource reports whether the type is a resource.
func (t *Type) IsResource() bool { return t.Kind == KindResource }

// Contains reports whether the expansion holds system and code.
func (v *ValueSet) Contains(system, code string) bool {
	v.once.Do(func() {
		v.index = make(map[Code]bool, len(v.Codes))
		for _, c := range v.Codes {
			v.index[c] = true
		}
	})
	return v.index[Code{system, code}]
}

// ContainsCode reports whether the expansion holds code in any system, for
// elements of type code that carry no system.
func (v *ValueSet) ContainsCode(code string) bool {
	for _, c := range v.Codes {
		if c.Code == code {
			return true
		}
	}
	return false
}
