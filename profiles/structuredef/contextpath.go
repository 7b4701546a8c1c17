package structuredef

import (
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/tree"
)

// definitionPath is the path of the element definition n stands for, as
// extension contexts name it: an element reached through a
// contentReference goes by the path it refers to (a nested
// CodeSystem.concept.concept is "CodeSystem.concept"), and a choice element
// by its definition name ("value[x]") or, with concrete, by the name it
// has in the instance ("valueSetReference"), as STU3 contexts write both.
// "" when n is not inside a resource.
func definitionPath(n *tree.Node, concrete bool) string {
	if n.Resource {
		return n.Type
	}
	if n.Parent == nil || n.Elem == nil {
		return ""
	}
	if cr := n.Elem.ContentReference; cr != "" {
		return strings.TrimPrefix(cr, "#")
	}
	base := definitionPath(n.Parent, concrete)
	if base == "" {
		return ""
	}
	name := n.Name
	if !concrete && n.Elem.IsChoice() {
		name = n.Elem.Name
	}
	return base + "." + name
}
