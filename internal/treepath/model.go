package treepath

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Model presents the STU3 model to [fhirpath.CompileStrict].
type Model struct{ M *schemas.Model }

var _ fhirpath.Model = Model{}

// StrictModel returns the model for strict compiles.
func StrictModel(m *schemas.Model) Model { return Model{m} }

// HasType reports whether name is a type of the model.
func (m Model) HasType(name string) bool { return m.M.Type(name) != nil }

// BaseType returns the type name specialises (the constrained type for a
// profile such as SimpleQuantity), or "".
func (m Model) BaseType(name string) string {
	t := m.M.Type(name)
	if t == nil {
		return ""
	}
	if t.Profile != "" {
		return t.Profile
	}
	return t.Base
}

// Child returns the types of the element name inside owner: a type name or
// the path of an element defined in place (a backbone element, or the
// target of a contentReference such as Questionnaire.item).
func (m Model) Child(owner, name string) ([]string, bool) {
	mem, err := m.M.Resolve(owner)
	if err != nil || mem.Element == nil {
		return nil, false
	}
	e, code := mem.Element, mem.Type
	if e.IsBackbone() || e.ContentReference != "" {
		code = ""
	}
	var child *schemas.Element
	for _, c := range m.M.Children(e, code) {
		if c.Name == name || c.Name == name+"[x]" {
			child = c
			break
		}
	}
	if child == nil {
		return nil, false
	}
	switch {
	case child.ContentReference != "":
		return []string{strings.TrimPrefix(child.ContentReference, "#")}, true
	case child.IsBackbone():
		return []string{child.Path}, true
	}
	return child.TypeCodes(), true
}
