package fhirpath

import (
	"slices"
	"strings"
)

// Model is what [CompileStrict] checks an expression against: the types
// of the FHIR model and the elements each may hold.
type Model interface {
	// HasType reports whether name is a type of the model.
	HasType(name string) bool
	// BaseType returns the type name specialises, or "".
	BaseType(name string) string
	// Child returns the types of the element called name inside an element
	// described by owner — a type name ("HumanName") or, for an element
	// defined in place, its path ("Patient.contact") — one per allowed
	// type for a choice element named by its base name ("value"). Inside a
	// backbone element the answer is that element's path. ok is false when
	// owner has no element of that name; a choice element named with its
	// type ("valueQuantity") is not an element name.
	Child(owner, name string) (types []string, ok bool)
}

// CompileStrict compiles src like [Compile] and also checks it against the
// model for evaluation on an element of type contextType (a resource type
// such as "Patient", or an element path such as "Patient.contact"): every
// name in a path must be an element that can exist there, an expression
// that starts with a type name must start with the context's type, and
// every type named in is, as and ofType() must exist. A typo such as
// name.given1, which [Compile] accepts and which evaluates to empty, is a
// *[ParseError] pointing at the name. Where the type of the items is not
// known statically (after children(), resolve(), or on a resource of any
// type) the check stops rather than guess; an empty contextType says that
// the context is not known either.
func CompileStrict(src string, m Model, contextType string) (*Expression, error) {
	e, _, err := CompileStrictTypes(src, m, contextType)
	return e, err
}

// CompileStrictTypes is [CompileStrict] that also returns the types (or
// element paths) of the items the expression selects, so that an
// expression evaluated on those items can be checked in turn; nil when
// they are not known statically.
func CompileStrictTypes(src string, m Model, contextType string) (*Expression, []string, error) {
	root, err := parse(src)
	if err != nil {
		return nil, nil, err
	}
	c := &checker{src: src, m: m}
	focus := anyType
	if contextType != "" {
		focus = known(contextType)
	}
	out, perr := c.check(root, focus)
	if perr != nil {
		return nil, nil, perr
	}
	plan := planOf(root)
	root, slots := hoist(root)
	var names []string
	if !out.any {
		names = slices.Clone(out.names)
	}
	return &Expression{src: src, root: root, slots: slots, plan: plan}, names, nil
}

// types is what the checker knows of the items of a collection: the names
// of their possible types (or element paths), or any when it cannot say.
type types struct {
	any   bool
	names []string
}

var anyType = types{any: true}

func known(names ...string) types { return types{names: names} }

func (t types) union(u types) types {
	if t.any || u.any {
		return anyType
	}
	out := slices.Clone(t.names)
	for _, n := range u.names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return types{names: out}
}

type checker struct {
	src string
	m   Model
}

// iterating names the functions whose arguments are evaluated once per
// input item, with the item as $this.
var iterating = map[string]bool{
	"where": true, "select": true, "all": true, "exists": true, "repeat": true,
	"aggregate": true, "sort": true, "trace": true,
}

// sameItems names the functions whose result holds items of their input.
var sameItems = map[string]bool{
	"where": true, "first": true, "last": true, "tail": true, "skip": true,
	"take": true, "single": true, "distinct": true, "intersect": true,
	"exclude": true, "trace": true,
}

// check works out the types of e evaluated with focus as $this, and
// returns the first name that cannot exist.
func (c *checker) check(e expr, focus types) (types, *ParseError) {
	switch e := e.(type) {
	case *identExpr:
		return c.step(focus, e.name, e.at, true)
	case *memberExpr:
		in, err := c.check(e.recv, focus)
		if err != nil {
			return anyType, err
		}
		return c.step(in, e.name, e.at, false)
	case *callExpr:
		in := focus
		if e.recv != nil {
			var err *ParseError
			if in, err = c.check(e.recv, focus); err != nil {
				return anyType, err
			}
		}
		argFocus := focus
		if iterating[e.name] || e.name == "iif" && e.recv != nil {
			argFocus = in
		}
		if e.name == "iif" && len(e.args) > 0 {
			// A criterion that is a literal of another type than Boolean
			// is a mistake the singleton rule would read as true.
			if lit, ok := e.args[0].(*literalExpr); ok && lit.val != nil {
				if _, isBool := lit.val.(Boolean); !isBool {
					return anyType, newParseError(c.src, lit.at, "a "+lit.val.SystemType(), "a Boolean criterion for iif()")
				}
			}
		}
		var argTypes []types
		if e.typ == nil {
			for _, a := range e.args {
				t, err := c.check(a, argFocus)
				if err != nil {
					return anyType, err
				}
				argTypes = append(argTypes, t)
			}
		}
		switch {
		case e.typ != nil:
			if err := c.checkTypeName(*e.typ, c.argAt(e.at)); err != nil {
				return anyType, err
			}
			if e.name == "is" {
				return anyType, nil
			}
			return c.typeOf(*e.typ), nil
		case sameItems[e.name]:
			return in, nil
		case e.name == "select":
			return argTypes[0], nil
		case e.name == "union" || e.name == "combine":
			return in.union(argTypes[0]), nil
		case e.name == "iif":
			out := argTypes[1]
			if len(argTypes) == 3 {
				out = out.union(argTypes[2])
			}
			return out, nil
		case e.name == "extension":
			return known("Extension"), nil
		}
		return anyType, nil
	case *indexExpr:
		in, err := c.check(e.recv, focus)
		if err != nil {
			return anyType, err
		}
		if _, err := c.check(e.idx, focus); err != nil {
			return anyType, err
		}
		return in, nil
	case *unaryExpr:
		_, err := c.check(e.x, focus)
		return anyType, err
	case *binaryExpr:
		l, err := c.check(e.l, focus)
		if err != nil {
			return anyType, err
		}
		r, err := c.check(e.r, focus)
		if err != nil {
			return anyType, err
		}
		if e.op == "|" {
			return l.union(r), nil
		}
		return anyType, nil
	case *typeExpr:
		if _, err := c.check(e.x, focus); err != nil {
			return anyType, err
		}
		if err := c.checkTypeName(e.t, e.at); err != nil {
			return anyType, err
		}
		if e.op == "as" {
			return c.typeOf(e.t), nil
		}
		return anyType, nil
	case *varExpr:
		if e.name == "$this" {
			return focus, nil
		}
	}
	return anyType, nil
}

// step checks the navigation to the children called name.
func (c *checker) step(in types, name string, at int, first bool) (types, *ParseError) {
	if in.any {
		return anyType, nil
	}
	var out types
	found := false
	for _, owner := range in.names {
		if ts, ok := c.m.Child(owner, name); ok {
			out = out.union(known(ts...))
			found = true
		}
	}
	if found {
		return out, nil
	}
	for _, owner := range in.names {
		// An abstract resource stands for any resource: entry.resource.id
		// is checked, entry.resource.name is not judged.
		if owner == "Resource" || owner == "DomainResource" {
			return anyType, nil
		}
	}
	if first && isUpper(name) {
		// A path may start with the type of the context (Patient.name) or
		// one it specialises (DomainResource.text).
		for _, owner := range in.names {
			for t, i := owner, 0; t != "" && i < 32; t, i = c.baseOf(t), i+1 {
				if t == name {
					return in, nil
				}
			}
		}
		if c.m.HasType(name) {
			return anyType, newParseError(c.src, at, "'"+name+"'", "a path on "+strings.Join(in.names, " or ")+" (the expression is evaluated on "+strings.Join(in.names, " or ")+", not on "+name+")")
		}
	}
	what := "an element of " + strings.Join(in.names, " or ")
	if hint := c.choiceHint(in, name); hint != "" {
		what += " (" + hint + ")"
	}
	return anyType, newParseError(c.src, at, "'"+name+"'", what)
}

// baseOf is the model's base type, or the engine's own table for the
// types the model leaves to it.
func (c *checker) baseOf(t string) string {
	if b := c.m.BaseType(t); b != "" {
		return b
	}
	return builtinBase[t]
}

// choiceHint explains a choice element named with its type, which FHIRPath
// names by its base name: value.ofType(Quantity), not valueQuantity.
func (c *checker) choiceHint(in types, name string) string {
	for i := 1; i < len(name); i++ {
		if !isUpper(name[i:]) {
			continue
		}
		base, suffix := name[:i], name[i:]
		for _, owner := range in.names {
			ts, ok := c.m.Child(owner, base)
			if !ok {
				continue
			}
			for _, t := range ts {
				if strings.EqualFold(t, suffix) {
					return "a choice element is named without its type: " + base + ".ofType(" + t + ")"
				}
			}
		}
	}
	return ""
}

// argAt returns the offset of the first argument of the call whose name
// starts at at (the parser keeps no expression for a type argument).
func (c *checker) argAt(at int) int {
	i := at
	for i < len(c.src) && c.src[i] != '(' {
		i++
	}
	for i++; i < len(c.src) && strings.IndexByte(" \t\r\n", c.src[i]) >= 0; i++ {
	}
	return min(i, len(c.src))
}

// checkTypeName checks that a type named in is, as or ofType() exists.
func (c *checker) checkTypeName(ts typeSpec, at int) *ParseError {
	system := systemTypes[ts.name]
	fhir := c.m.HasType(ts.name) || builtinBase[ts.name] != "" || isBuiltinBase(ts.name)
	switch {
	case ts.ns == "FHIR" && fhir, ts.ns == "" && (system || fhir):
		return nil
	case ts.ns == "System" && (system || fhir):
		// A model type asked of System (Patient.is(System.Patient)) is a
		// question with the answer false, not a typo.
		return nil
	}
	return newParseError(c.src, at, "'"+ts.String()+"'", "a type of the model or a System type")
}

// typeOf is what as and ofType() leave: elements of the type, or System
// values the checker does not follow.
func (c *checker) typeOf(ts typeSpec) types {
	if ts.ns == "System" || !c.m.HasType(ts.name) {
		return anyType
	}
	return known(ts.name)
}
