// Package jsonschemagen writes JSON Schemas (draft 2020-12) for FHIR STU3
// from the nemsfhir model (package schemas), for the JSON half of the schema
// phase.
//
// They are stricter than the official STU3 JSON Schema:
//
//   - every object forbids properties the model does not define
//     (additionalProperties false);
//   - elements with min >= 1 are required (a primitive one may be present as
//     its value, its "_name" extension sibling, or both);
//   - repeating elements are non-empty arrays and single ones are not arrays;
//   - primitives have their JSON type, the package's regex as an anchored
//     pattern, and no empty strings;
//   - a choice element ("value[x]") appears under at most one of its names,
//     and exactly one when it is required;
//   - a code bound with strength required to a value set the model expands
//     completely takes one of its codes.
//
// The schema is split into documents so that a validator compiles only what
// a payload needs: SharedFile holds the primitives, the "_name" sibling
// (Element), the resource slot (Resource) and the data types every resource
// reaches (Extension, Meta, Narrative and what they use), and each concrete
// resource type, and each other data type, has its own document,
// "<Type>.schema.json", holding the type and its backbone elements and
// referring to the others for the rest. The root of SharedFile accepts any
// one resource.
//
// A resource slot (the root, contained, Bundle.entry.resource,
// Parameters.parameter.resource, ...) checks that resourceType names a
// resource and carries the keyword ResourceKeyword, which asks the
// validator to check the object against the document of that resource type.
// Standard JSON Schema validators ignore the keyword and so check nested
// resources only as far as their resourceType; nemsfhir's schema phase
// implements it, and compiles each resource type's document the first time
// a payload holds such a resource.
//
// Output is deterministic: documents and definitions are written in name
// order and properties in model order.
package jsonschemagen

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// Draft is the JSON Schema dialect of the generated schema.
const Draft = "https://json-schema.org/draft/2020-12/schema"

// SharedFile is the name of the document holding the definitions every
// resource type refers to.
const SharedFile = "fhir.schema.json"

// ResourceKeyword marks a resource slot: its value is an object to be
// checked against the document of the resource type its resourceType
// names, "<Type>.schema.json" beside SharedFile.
const ResourceKeyword = "x-nemsfhir-resource"

// resourceDef is the definition that accepts any one resource.
const resourceDef = "Resource"

// elementDef is the definition of the "_name" sibling that carries a
// primitive's id and extensions.
const elementDef = "Element"

// File is one generated schema document.
type File struct {
	Name string // file name, "fhir.schema.json" or "<Type>.schema.json"
	Data []byte
}

// TypeFile is the name of the document of a resource type.
func TypeFile(resourceType string) string { return resourceType + ".schema.json" }

// Files returns the JSON Schema documents for the types of m: SharedFile
// first, then the others in name order.
func Files(m *schemas.Model) ([]File, error) {
	g := &gen{m: m, defs: newObj(), codeDefs: map[string]string{}}
	var resources, datatypes, core []string
	for _, name := range m.TypeNames() {
		t := m.Type(name)
		switch {
		case t.Abstract:
		case t.Kind == schemas.KindPrimitive:
			if err := g.primitive(t); err != nil {
				return nil, err
			}
			core = append(core, name)
		default:
			if t.Kind == schemas.KindResource {
				resources = append(resources, name)
			} else {
				datatypes = append(datatypes, name)
			}
			g.typeAndBackbones(t)
		}
	}
	if err := g.element(); err != nil {
		return nil, err
	}
	g.resource(resources)
	if g.err != nil {
		return nil, g.err
	}

	// The shared document holds what every resource reaches through the
	// elements all of them have (Extension reaches most data types) and the
	// primitives. Each other data type (ElementDefinition, Dosage, ...)
	// has a document of its own, like each resource, so that a payload
	// without one does not pay for it. A document holds its type, the
	// type's backbone elements and the value set and array definitions
	// they use, so those may be written in several documents.
	core = append(core, elementDef, resourceDef, "Extension", "Meta", "Narrative")
	inShared := g.closure(core, nil)
	home := map[string]string{} // definition -> the document other documents find it in
	for n := range inShared {
		home[n] = SharedFile
	}
	var own []string // data types with a document of their own
	for _, d := range datatypes {
		if !inShared[d] {
			own = append(own, d)
			home[d] = TypeFile(d)
		}
	}
	for _, r := range resources {
		if inShared[r] {
			return nil, fmt.Errorf("resource %s is reachable from the shared definitions", r)
		}
		home[r] = TypeFile(r)
	}
	header := func(title string) *obj {
		return newObj().
			set("$schema", Draft).
			set("title", title+" (nemsfhir)").
			set("description", `Generated by nemsfhir (schemas/gen) from its STU3 model; do not edit, run "go generate ./schemas". Stricter than the official STU3 JSON Schema: required elements, closed objects, non-empty arrays. A resource slot (`+ResourceKeyword+`) is checked against the document of the resource type it holds, <Type>.schema.json beside `+SharedFile+`.`)
	}
	version := m.Header.FHIRVersion
	files := []File{{SharedFile, g.document(header("FHIR STU3 "+version+" shared definitions"), resourceDef, SharedFile, inShared, home)}}
	for _, t := range append(own, resources...) {
		// Stop at the definitions other documents hold.
		skip := map[string]bool{}
		for n, f := range home {
			if f != TypeFile(t) {
				skip[n] = true
			}
		}
		local := g.closure([]string{t}, skip)
		files = append(files, File{TypeFile(t), g.document(header("FHIR STU3 "+version+" "+t), t, TypeFile(t), local, home)})
	}
	slices.SortFunc(files[1:], func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return files, g.err
}

// document renders the document file whose root refers to the definition
// root and which holds the definitions in defs, referring to the others
// where home says they are.
func (g *gen) document(head *obj, root, file string, defs map[string]bool, home map[string]string) []byte {
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	slices.Sort(names)
	out := newObj()
	for _, n := range names {
		out.set(n, relink(g.defs.get(n), file, home))
	}
	head.set("$ref", "#/$defs/"+root).set("$defs", out)
	var b bytes.Buffer
	render(&b, head, 0)
	b.WriteByte('\n')
	return b.Bytes()
}

// closure returns the definitions reachable from roots through $ref,
// without entering those in skip.
func (g *gen) closure(roots []string, skip map[string]bool) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if seen[name] || skip[name] {
			return
		}
		def := g.defs.get(name)
		if def == nil {
			g.fail(fmt.Errorf("reference to undefined definition %s", name))
			return
		}
		seen[name] = true
		eachRef(def, visit)
	}
	for _, r := range roots {
		visit(r)
	}
	return seen
}

// eachRef calls f with the definition named by each $ref in v.
func eachRef(v any, f func(string)) {
	switch v := v.(type) {
	case *obj:
		for _, k := range v.keys {
			if s, ok := v.vals[k].(string); ok && k == "$ref" {
				f(strings.TrimPrefix(s, "#/$defs/"))
				continue
			}
			eachRef(v.vals[k], f)
		}
	case []any:
		for _, e := range v {
			eachRef(e, f)
		}
	}
}

// relink returns a copy of v, written in file, whose references to
// definitions another document holds point into that document.
func relink(v any, file string, home map[string]string) any {
	switch v := v.(type) {
	case *obj:
		out := newObj()
		for _, k := range v.keys {
			val := v.vals[k]
			if s, ok := val.(string); ok && k == "$ref" {
				if f := home[strings.TrimPrefix(s, "#/$defs/")]; f != "" && f != file {
					val = f + s
				}
			}
			out.set(k, relink(val, file, home))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = relink(e, file, home)
		}
		return out
	}
	return v
}

type gen struct {
	m    *schemas.Model
	defs *obj
	err  error
	// codeDefs maps a value set URL to the definition of the codes it
	// allows ("" when the model cannot expand it completely).
	codeDefs map[string]string
}

func ref(def string) *obj { return newObj().set("$ref", "#/$defs/"+def) }

func (g *gen) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

func (g *gen) define(name string, schema *obj) {
	if g.defs.get(name) != nil {
		g.fail(fmt.Errorf("definition %s written twice", name))
	}
	g.defs.set(name, schema)
}

// Integer bounds implied by the XML Schema type the package names for an
// integer primitive.
var integerBounds = map[string][2]int64{
	"xsd:int":                {math.MinInt32, math.MaxInt32},
	"xsd:positiveInteger":    {1, math.MaxInt64},
	"xsd:nonNegativeInteger": {0, math.MaxInt64},
}

// primitive defines the JSON value of a primitive type.
func (g *gen) primitive(t *schemas.Type) error {
	p := t.Primitive
	if p == nil {
		return fmt.Errorf("%s: primitive without a value space", t.Name)
	}
	s := newObj()
	switch p.JSON {
	case "boolean":
		s.set("type", "boolean")
	case "number":
		if b, ok := integerBounds[p.XML]; ok {
			s.set("type", "integer")
			s.set("minimum", b[0])
			if b[1] != math.MaxInt64 {
				s.set("maximum", b[1])
			}
		} else {
			s.set("type", "number")
		}
	case "string":
		s.set("type", "string")
		if p.Regex != "" {
			s.set("pattern", schemas.WholeValue(p.Regex))
		}
		// FHIR JSON has no empty strings: leave the property out instead.
		s.set("minLength", 1)
		if p.MaxLength > 0 {
			s.set("maxLength", p.MaxLength)
		}
	default:
		return fmt.Errorf("%s: unknown JSON type %q", t.Name, p.JSON)
	}
	g.define(t.Name, s)
	return nil
}

// element defines the "_name" sibling from the model's Element type.
func (g *gen) element() error {
	t := g.m.Type("Element")
	if t == nil {
		return fmt.Errorf("model has no Element type")
	}
	g.define(elementDef, g.object(t, t.Root(), ""))
	return nil
}

// resource defines the resource slot: an object whose resourceType names
// a concrete resource, to be checked against that resource's document (see
// ResourceKeyword). Referring to the resource definitions here instead
// would make every document reach every other, and a validator compile
// all of them for any payload.
func (g *gen) resource(names []string) {
	g.define(resourceDef, newObj().
		set("type", "object").
		set("required", []string{"resourceType"}).
		set("properties", newObj().set("resourceType", newObj().set("enum", names))).
		set(ResourceKeyword, true))
}

// typeAndBackbones defines a complex type or resource and each of its
// backbone elements.
func (g *gen) typeAndBackbones(t *schemas.Type) {
	resourceType := ""
	if t.Kind == schemas.KindResource {
		resourceType = t.Name
	}
	g.define(t.Name, g.object(t, t.Root(), resourceType))
	parents := map[*schemas.Element]bool{}
	for _, e := range t.Elements {
		if e.Parent != nil {
			parents[e.Parent] = true
		}
	}
	for _, e := range t.Elements[1:] {
		if parents[e] && e.ContentReference == "" {
			g.define(backboneName(t, e), g.object(t, e, ""))
		}
	}
}

// backboneName names a backbone element's definition after its path, with
// the type's own name first ("Bundle.entry.request").
func backboneName(t *schemas.Type, e *schemas.Element) string {
	return t.Name + strings.TrimPrefix(e.Path, t.Root().Path)
}

// choiceName names the definition that counts the names of a choice
// element ("Observation.value-x" for Observation.value[x]); brackets are
// avoided because they are not allowed in a URI fragment.
func choiceName(t *schemas.Type, e *schemas.Element) string {
	return strings.TrimSuffix(backboneName(t, e), "[x]") + "-x"
}

// object returns the schema of the object holding the children of parent.
func (g *gen) object(t *schemas.Type, parent *schemas.Element, resourceType string) *obj {
	props := newObj()
	var required []string
	var allOf []any
	dependent := newObj()
	if resourceType != "" {
		props.set("resourceType", newObj().set("const", resourceType))
		required = append(required, "resourceType")
	}
	for _, e := range t.Elements {
		if e.Parent != parent || e.Max == 0 {
			continue
		}
		if e.IsChoice() {
			g.choice(t, e, props, dependent, &allOf)
			continue
		}
		code := ""
		if len(e.Types) == 1 {
			code = e.Types[0].Code
		}
		props.set(e.Name, g.valueSchema(t, e, code, e.Repeats()))
		// Values written as XML attributes (id, Extension.url) have no
		// extensions, so no "_name" either; nor has the narrative's div.
		extensible := g.isPrimitive(code) && e.Representation == "" && e.ContentReference == ""
		if extensible {
			sib := ref(elementDef)
			if e.Repeats() {
				sib = ref(g.list(elementDef, true))
			}
			props.set("_"+e.Name, sib)
		}
		if e.Min > 0 {
			if extensible {
				allOf = append(allOf, ref(g.requiredPrimitive(e.Name)))
			} else {
				required = append(required, e.Name)
			}
		}
	}
	s := newObj().set("type", "object").set("properties", props).set("additionalProperties", false)
	if len(required) > 0 {
		s.set("required", required)
	}
	if len(allOf) > 0 {
		s.set("allOf", allOf)
	}
	if len(dependent.keys) > 0 {
		s.set("dependentSchemas", dependent)
	}
	return s
}

// choice adds the names of a choice element to props, and the rules that
// it appears under at most one of them (one per name, in dependent) and, if
// required, at least one (in allOf). The obvious oneOf over the names makes
// a validator try every alternative on every object holding one, building
// an error for each that fails: Extension.value[x] alone has 47. These
// rules cost a few checks of the object's property names instead:
//
//	"T.e-x"          the pattern matching every name of the choice
//	"T.e-x:<name>"   when <name> is present, each property name the
//	                 pattern matches is <name> or its "_" sibling
//	"T.e-x:required" some property name matches the pattern
func (g *gen) choice(t *schemas.Type, e *schemas.Element, props, dependent *obj, allOf *[]any) {
	name := choiceName(t, e)
	var all []string
	var groups [][]string
	for _, c := range e.Choices {
		props.set(c.Name, g.valueSchema(t, e, c.Type, false))
		group := []string{c.Name}
		if g.isPrimitive(c.Type) {
			props.set("_"+c.Name, ref(elementDef))
			group = append(group, "_"+c.Name)
		}
		all = append(all, group...)
		groups = append(groups, group)
	}
	for _, n := range all {
		// Element names are letters and digits, never regex syntax.
		if strings.ContainsFunc(n, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			g.fail(fmt.Errorf("%s: choice name %q is not an identifier", e.Path, n))
		}
	}
	g.define(name, newObj().set("pattern", schemas.WholeValue(strings.Join(all, "|"))))
	for _, group := range groups {
		one := name + ":" + group[0]
		g.define(one, newObj().set("propertyNames", newObj().set("if", ref(name)).set("then", newObj().set("enum", group))))
		for _, n := range group {
			dependent.set(n, ref(one))
		}
	}
	if e.Min > 0 {
		req := name + ":required"
		g.define(req, newObj().set("not", newObj().set("propertyNames", newObj().set("not", ref(name)))))
		*allOf = append(*allOf, ref(req))
	}
}

func (g *gen) isPrimitive(code string) bool {
	if code == "xhtml" {
		return false
	}
	t := g.m.Type(code)
	return t != nil && t.Kind == schemas.KindPrimitive
}

// valueSchema is the schema of an element's value when it carries type
// code, an array of such values when repeats is set.
func (g *gen) valueSchema(t *schemas.Type, e *schemas.Element, code string, repeats bool) *obj {
	var item *obj
	nullable := false
	switch {
	case e.ContentReference != "":
		target := t.Element(strings.TrimPrefix(e.ContentReference, "#"))
		if target == nil {
			g.fail(fmt.Errorf("%s: contentReference %s not in %s", e.Path, e.ContentReference, t.Name))
			return newObj()
		}
		item = ref(backboneName(t, target))
	case code == "BackboneElement" || code == "Element":
		item = ref(backboneName(t, e))
	case code == "Resource":
		item = ref(resourceDef)
	case code == "xhtml":
		item = ref("xhtml")
	case code == "":
		g.fail(fmt.Errorf("%s: no type", e.Path))
		return newObj()
	default:
		if g.m.Type(code) == nil {
			g.fail(fmt.Errorf("%s: unknown type %s", e.Path, code))
			return newObj()
		}
		item = ref(g.profiledType(e, code))
		if code == "code" && !e.IsChoice() {
			if name := g.boundCode(e); name != "" {
				item = ref(name)
			}
		}
		// In an array of primitives, null holds the place of a value that
		// only has extensions (in the "_name" array).
		nullable = g.isPrimitive(code)
	}
	if !repeats {
		return item
	}
	if e.Min <= 1 && e.Max == schemas.Unbounded {
		return ref(g.list(strings.TrimPrefix(item.get("$ref").(string), "#/$defs/"), nullable))
	}
	if nullable {
		item = newObj().set("anyOf", []any{newObj().set("type", "null"), item})
	}
	arr := newObj().set("type", "array").set("minItems", max(e.Min, 1))
	if e.Max != schemas.Unbounded {
		arr.set("maxItems", e.Max)
	}
	return arr.set("items", item)
}

// Shared definitions keep the schema small where the same construct recurs
// on thousands of elements. That matters beyond file size: the compiler of
// jsonschema/v6 looks up each subschema it queues in a list, so compiling
// costs time quadratic in the number of subschemas.

// list returns the definition of a non-empty array of def's values, in
// which null may hold a place when nullable, defining it on first use.
func (g *gen) list(def string, nullable bool) string {
	name := "list:" + def
	if g.defs.get(name) != nil {
		return name
	}
	item := ref(def)
	if nullable {
		// In an array of primitives (and of their "_name" siblings), null
		// holds the place of an entry present only in the other array.
		item = newObj().set("anyOf", []any{newObj().set("type", "null"), item})
	}
	g.define(name, newObj().set("type", "array").set("minItems", 1).set("items", item))
	return name
}

// requiredPrimitive returns the definition that requires a primitive
// property, given by its value, its "_name" sibling or both.
func (g *gen) requiredPrimitive(prop string) string {
	name := "required:" + prop
	if g.defs.get(name) == nil {
		g.define(name, newObj().set("anyOf", []any{
			newObj().set("required", []string{prop}),
			newObj().set("required", []string{"_" + prop}),
		}))
	}
	return name
}

// profiledType returns the constrained type a type reference names through
// a profile (SimpleQuantity for a Quantity so profiled), else code.
func (g *gen) profiledType(e *schemas.Element, code string) string {
	for _, tr := range e.Types {
		if tr.Code != code {
			continue
		}
		for _, p := range tr.Profiles {
			name := p[strings.LastIndexByte(p, '/')+1:]
			if pt := g.m.Type(name); pt != nil && pt.URL == p {
				return name
			}
		}
	}
	return code
}

// boundCode returns the definition for a code element bound with strength
// required to a value set the model expands completely, defining it on
// first use as the value set's codes (the same restriction the XML Schema
// makes, so both formats reject the same codes); "" when the element is
// not so bound.
func (g *gen) boundCode(e *schemas.Element) string {
	b := e.Binding
	if b == nil || b.Strength != "required" || b.ValueSet == "" {
		return ""
	}
	url, _, _ := strings.Cut(b.ValueSet, "|")
	if name, ok := g.codeDefs[url]; ok {
		return name
	}
	vs := g.m.ValueSet(url)
	if vs == nil || !vs.Complete || len(vs.Codes) == 0 {
		g.codeDefs[url] = ""
		return ""
	}
	base := "code." + url[strings.LastIndexByte(url, '/')+1:]
	name := base
	for i := 2; g.defs.get(name) != nil; i++ {
		name = base + "." + strconv.Itoa(i)
	}
	var codes []string
	seen := map[string]bool{}
	for _, c := range vs.Codes {
		if !seen[c.Code] {
			seen[c.Code] = true
			codes = append(codes, c.Code)
		}
	}
	g.define(name, newObj().set("$comment", url).set("type", "string").set("enum", codes))
	g.codeDefs[url] = name
	return name
}
