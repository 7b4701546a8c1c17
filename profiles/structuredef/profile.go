package structuredef

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// Profile is a compiled StructureDefinition: its snapshot as a tree of
// element definitions, with slices hanging off the elements they slice.
type Profile struct {
	// URL is the canonical URL, Name the computable name used in rule ids.
	URL, Name string
	// Type is the resource or datatype constrained ("Patient", "Extension").
	Type string
	// Kind is resource, complex-type or primitive-type.
	Kind string
	// BaseDefinition is the URL of the profile or type this one constrains.
	BaseDefinition string
	// ContextType and Context say where an extension definition may be
	// used (STU3: resource, datatype or extension, and paths or names).
	ContextType string
	Context     []string
	// Modifier is true for an extension definition whose root is a
	// modifier: it must then be used as a modifierExtension, and only so.
	Modifier bool
	// FromDifferential is true when the snapshot was built by the loader.
	FromDifferential bool
	// File is where the definition was read from.
	File string

	root *edef
	reg  *Registry
}

// IsExtension reports whether the profile defines an extension.
func (p *Profile) IsExtension() bool {
	return p.Type == "Extension" && (p.ContextType != "" || len(p.Context) > 0)
}

// edef is one element definition of a profile's snapshot.
type edef struct {
	id, path, name, sliceName string
	basePath                  string // ElementDefinition.base.path
	min, max                  int    // max is schemas.Unbounded for "*"
	baseMin, baseMax          int
	hasBase                   bool
	types                     []typeRef
	fixed, pattern            *fhirValue
	binding                   *binding
	constraints               []*compiledConstraint
	slicing                   *slicing
	maxLength                 int
	minValue, maxValue        *bound
	// discPaths are the parsed discriminator paths of slicing, by path;
	// a path missing here could not be parsed (a load warning says so).
	discPaths map[string]*discPath

	children []*edef
	byName   map[string]*edef
	// renamed lists, per choice element ("value[x]"), the type-specific
	// names ("valueDateTime") the snapshot defines instead of the choice
	// itself: the old STU3 way to restrict a choice to those types.
	renamed map[string][]string
	slices  []*edef
	parent  *edef
	// slicedFrom is, for a slice, the element (or slice, for a re-slice)
	// it slices.
	slicedFrom *edef
}

type compiledConstraint struct {
	constraint
	expr *fhirpath.Expression
}

func parseMax(s string) (int, error) {
	switch s {
	case "*":
		return schemas.Unbounded, nil
	case "":
		return schemas.Unbounded, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.New("bad max " + strconv.Quote(s))
	}
	return n, nil
}

// lastSegment is the element name at the end of a path.
func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// constraintContext returns what a constraint on the element at path is
// evaluated on, for the strict check: the element's type, the path of a
// backbone element, or "" when the model cannot say (a choice of several
// types, a path the model does not have).
func (r *Registry) constraintContext(path string) string {
	mem, err := r.model.Resolve(path)
	if err != nil || mem.Element == nil {
		return ""
	}
	if mem.Element.IsBackbone() || mem.Element.ContentReference != "" {
		if strings.Contains(path, ".") {
			return path
		}
		return mem.Type
	}
	return mem.Type
}

func (r *Registry) newEdef(sd *structureDefinition, e *elementDefinition) (*edef, error) {
	d := &edef{
		id: e.ID, path: e.Path, name: lastSegment(e.Path), sliceName: e.SliceName,
		types: e.Type, fixed: e.Fixed, pattern: e.Pattern, binding: e.Binding,
		slicing: e.Slicing, maxLength: e.MaxLength, max: schemas.Unbounded,
	}
	if e.Min != nil {
		d.min = *e.Min
	}
	if e.Max != "" {
		m, err := parseMax(e.Max)
		if err != nil {
			return nil, errors.New(e.Path + ": " + err.Error())
		}
		d.max = m
	}
	if e.Base != nil {
		d.basePath = e.Base.Path
	}
	if e.Base != nil && e.Base.Min != nil {
		d.hasBase = true
		d.baseMin = *e.Base.Min
		d.baseMax, _ = parseMax(e.Base.Max)
	}
	for _, c := range e.Constraint {
		// Base constraints are evaluated by package validate; evaluating
		// them again here would only repeat its findings.
		if c.Expression == "" || r.coreKeys[c.Key] || isCore(c.Source) {
			continue
		}
		cc := &compiledConstraint{constraint: c}
		x, err := fhirpath.Compile(c.Expression)
		if err != nil {
			r.warn(sd, fmt.Errorf("constraint %s on %s is not checked: its FHIRPath does not compile: %v", c.Key, e.Path, err))
			continue
		}
		// A path that cannot exist in the STU3 model (name.given1) would
		// select nothing on every instance: not checked either, and said.
		if on := r.constraintContext(e.Path); on != "" {
			if _, err := fhirpath.CompileStrict(c.Expression, treepath.StrictModel(r.model), on); err != nil {
				r.warn(sd, fmt.Errorf("constraint %s on %s is not checked: its FHIRPath names what the STU3 model does not have: %v", c.Key, e.Path, err))
				continue
			}
		}
		cc.expr = x
		d.constraints = append(d.constraints, cc)
	}
	for _, lim := range []struct {
		v    *fhirValue
		min  bool
		into **bound
	}{{e.MinValue, true, &d.minValue}, {e.MaxValue, false, &d.maxValue}} {
		if lim.v == nil {
			continue
		}
		b, err := newBound(lim.v, lim.min)
		if err != nil {
			r.warn(sd, fmt.Errorf("%s of %s is not checked: %v", lim.v.label(lim.min), e.Path, err))
			continue
		}
		*lim.into = b
	}
	if e.Slicing != nil {
		for _, dc := range e.Slicing.Discriminator {
			if !knownDiscriminators[dc.Type] {
				r.warn(sd, fmt.Errorf("slicing of %s by a %q discriminator is not supported: no member is taken to be in its slices", e.Path, dc.Type))
				continue
			}
			dp, err := parseDiscPath(dc.Path)
			if err != nil {
				r.warn(sd, fmt.Errorf("slicing of %s by discriminator path %q is not supported (%v): no member is taken to be in its slices", e.Path, dc.Path, err))
				continue
			}
			if d.discPaths == nil {
				d.discPaths = map[string]*discPath{}
			}
			d.discPaths[dc.Path] = dp
		}
	}
	return d, nil
}

// knownDiscriminators are the discriminator types Check tells slices by.
var knownDiscriminators = map[string]bool{"value": true, "pattern": true, "type": true, "exists": true, "profile": true}

// newProfile builds the element tree from snapshot elements in order. An
// element is the child of the nearest open element whose path is its
// parent path; an element with a slice name and the same path as an open
// unsliced element starts a slice of it.
func (r *Registry) newProfile(sd *structureDefinition, elems []*elementDefinition) (*Profile, error) {
	if len(elems) == 0 {
		return nil, errors.New("no elements in snapshot or differential")
	}
	p := &Profile{
		URL: canonical(sd.URL), Name: sd.Name, Type: sd.Type, Kind: sd.Kind,
		BaseDefinition: sd.BaseDefinition, ContextType: sd.ContextType, Context: sd.Context,
		File: sd.from.where(), reg: r,
	}
	if p.Name == "" {
		p.Name = sd.ID
	}
	p.Modifier = elems[0].IsModifier
	if p.Type == "" {
		p.Type = strings.SplitN(elems[0].Path, ".", 2)[0]
	}
	var stack []*edef
	for _, e := range elems {
		d, err := r.newEdef(sd, e)
		if err != nil {
			return nil, err
		}
		placed := false
		for len(stack) > 0 && !placed {
			top := stack[len(stack)-1]
			switch {
			case d.sliceName != "" && d.path == top.path && top.sliceName == "",
				// A re-slice ("a/b") is a slice of slice a.
				d.path == top.path && top.sliceName != "" && strings.HasPrefix(d.sliceName, top.sliceName+"/"):
				d.parent = top.parent
				d.slicedFrom = top
				top.slices = append(top.slices, d)
				placed = true
			case d.sliceName != "" && d.path == top.path:
				stack = stack[:len(stack)-1] // a sibling slice ends
			case strings.HasPrefix(d.path, top.path+".") && !strings.Contains(d.path[len(top.path)+1:], "."):
				d.parent = top
				top.children = append(top.children, d)
				placed = true
			default:
				stack = stack[:len(stack)-1]
			}
		}
		if !placed {
			if p.root != nil {
				return nil, errors.New("element " + e.Path + " is outside " + p.root.path)
			}
			p.root = d
		}
		stack = append(stack, d)
	}
	p.root.index()
	return p, nil
}

// index fills the name lookups of the tree below d.
func (d *edef) index() {
	if len(d.children) > 0 {
		d.byName = make(map[string]*edef, len(d.children))
		for _, c := range d.children {
			if _, dup := d.byName[c.name]; !dup {
				d.byName[c.name] = c
			}
			if bn := lastSegment(c.basePath); strings.HasSuffix(bn, "[x]") && c.name != bn {
				if d.renamed == nil {
					d.renamed = map[string][]string{}
				}
				d.renamed[bn] = append(d.renamed[bn], c.name)
			}
			c.index()
		}
	}
	for _, s := range d.slices {
		s.index()
	}
}

// narrowed reports whether the profile tightened the cardinality of the
// base element: only then is a cardinality finding the profile's own.
func (d *edef) narrowedMin() bool { return !d.hasBase || d.min > d.baseMin }

func (d *edef) narrowedMax() bool {
	if !d.hasBase {
		return d.max != schemas.Unbounded
	}
	return d.max != schemas.Unbounded && (d.baseMax == schemas.Unbounded || d.max < d.baseMax)
}

// displayName is the element name for messages, without "[x]".
func (d *edef) displayName() string { return strings.TrimSuffix(d.name, "[x]") }

// label names the element in messages: its path, with the slice name.
func (d *edef) label() string {
	if d.sliceName != "" {
		return d.path + ":" + d.sliceName
	}
	return d.path
}
