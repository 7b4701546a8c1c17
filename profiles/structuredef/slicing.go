package structuredef

import (
	"errors"
	"strings"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
)

// pathStep is one step of a discriminator path: an element name, or one of
// the functions STU3 allows there (extension('url'), resolve(),
// ofType(Type)).
type pathStep struct {
	name string // element name, or the function name when fn is true
	arg  string // the url of extension(), the type of ofType()
	fn   bool
}

// discPath is a parsed discriminator path, with the FHIRPath expression
// that finds its nodes in an instance when it uses functions.
type discPath struct {
	steps []pathStep
	expr  *fhirpath.Expression
	// before is the part ahead of the first resolve(), to tell a reference
	// that does not resolve within the payload from an absent one.
	before *fhirpath.Expression
}

// parseDiscPath reads a discriminator path. Only the forms STU3 allows are
// accepted: names joined by dots, $this, extension('url'), resolve() and
// ofType(Type).
func parseDiscPath(path string) (*discPath, error) {
	dp := &discPath{}
	rest := strings.TrimSpace(path)
	if rest == "" || rest == "$this" {
		return dp, nil
	}
	rest = strings.TrimPrefix(rest, "$this.")
	hasFn := false
	for rest != "" {
		seg := rest
		// A dot inside extension('...') does not end the step.
		if strings.HasPrefix(seg, "extension(") {
			end := strings.Index(seg, ")")
			if end < 0 {
				return nil, errors.New("unclosed extension(")
			}
			seg = seg[:end+1]
		} else if i := strings.IndexByte(seg, '.'); i >= 0 {
			seg = seg[:i]
		}
		rest = strings.TrimPrefix(rest[len(seg):], ".")
		switch {
		case strings.HasPrefix(seg, "extension(") && strings.HasSuffix(seg, ")"):
			arg := strings.TrimSpace(seg[len("extension(") : len(seg)-1])
			if len(arg) < 2 || arg[0] != '\'' || arg[len(arg)-1] != '\'' || strings.ContainsAny(arg[1:len(arg)-1], "'\\") {
				return nil, errors.New("extension() needs one quoted url")
			}
			dp.steps = append(dp.steps, pathStep{name: "extension", arg: arg[1 : len(arg)-1], fn: true})
			hasFn = true
		case seg == "resolve()":
			dp.steps = append(dp.steps, pathStep{name: "resolve", fn: true})
			hasFn = true
		case strings.HasPrefix(seg, "ofType(") && strings.HasSuffix(seg, ")"):
			arg := strings.TrimSpace(seg[len("ofType(") : len(seg)-1])
			if !isName(arg) {
				return nil, errors.New("ofType() needs a type name")
			}
			dp.steps = append(dp.steps, pathStep{name: "ofType", arg: arg, fn: true})
			hasFn = true
		case isName(strings.TrimSuffix(seg, "[x]")):
			dp.steps = append(dp.steps, pathStep{name: seg})
		default:
			return nil, errors.New("step " + seg + " is not an element name, extension('url'), resolve() or ofType(Type)")
		}
	}
	if !hasFn {
		return dp, nil
	}
	x, err := fhirpath.Compile(path)
	if err != nil {
		return nil, err
	}
	dp.expr = x
	if i := strings.Index(path, "resolve()"); i >= 0 {
		pre := strings.TrimSuffix(path[:i], ".")
		if pre == "" {
			pre = "$this"
		}
		if dp.before, err = fhirpath.Compile(pre); err != nil {
			return nil, err
		}
	}
	return dp, nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// instanceNodes finds the nodes at discriminator path dp in instance node
// nd. unknown is non-empty when the path could not be followed offline (a
// reference that does not resolve within the payload, an evaluation that
// gave no verdict).
func (c *checker) instanceNodes(nd *tree.Node, d discriminator) (got []*tree.Node, unknown string) {
	if d.dp == nil || d.dp.expr == nil {
		g, _ := nodesAt(nd, d.path)
		return g, ""
	}
	env := c.evalEnv()
	res := nd
	for res != nil && !(res.Resource && res.Name != "contained") {
		res = res.Parent
	}
	if res != nil {
		env.Resource = treepath.Of(res)
	}
	r, err := d.dp.expr.Evaluate(c.ctx, treepath.Of(nd), &env)
	if err != nil || len(r.Unsupported) > 0 {
		_, why := fhirpath.NoVerdict(env.MaxSteps, fhirpath.Verdict{Unsupported: r.Unsupported, Steps: r.Steps}, err)
		return nil, "its discriminator path " + d.path + " was not evaluated: " + why
	}
	for _, it := range r.Collection {
		if n := treepath.TreeNode(it); n != nil {
			got = append(got, n)
		}
	}
	if len(got) == 0 && d.dp.before != nil {
		pre, err := d.dp.before.Evaluate(c.ctx, treepath.Of(nd), &env)
		if err == nil && len(pre.Collection) > 0 {
			return nil, "its reference does not resolve within the payload (discriminator path " + d.path + ")"
		}
	}
	return got, ""
}

// sliceTarget finds what slice s defines at a discriminator path: the
// element definition there (nil after resolve() when the target is not
// one loaded profile) and the types allowed there. ok is false when the
// path cannot be followed in the definitions.
func (r *Registry) sliceTarget(s *edef, d discriminator) (el *edef, types []typeRef, ok bool) {
	if d.dp == nil {
		el = sliceElem(s, d.path)
		if el == nil {
			return nil, nil, false
		}
		return el, el.types, true
	}
	el, types = s, s.types
	for _, st := range d.dp.steps {
		if el == nil && !(st.fn && st.name == "ofType") {
			return nil, nil, false
		}
		switch {
		case !st.fn:
			next := el.byName[st.name]
			if next == nil {
				next = el.byName[st.name+"[x]"]
			}
			if next == nil {
				// Children the snapshot leaves out: those of the profile
				// the element's type names.
				if pr := r.typeProfile(types); pr != nil && pr.root != nil {
					next = pr.root.byName[st.name]
					if next == nil {
						next = pr.root.byName[st.name+"[x]"]
					}
				}
			}
			if next == nil {
				return nil, nil, false
			}
			el, types = next, next.types
		case st.name == "extension":
			var next *edef
			if ext := el.byName["extension"]; ext != nil {
				for _, sl := range ext.slices {
					if v, _, ok := sliceValue(sl, "url"); ok {
						if u, _ := v.Value.(string); canonical(u) == canonical(st.arg) {
							next = sl
							break
						}
					}
				}
			}
			if next == nil {
				if pr := r.Profile(st.arg); pr != nil && pr.Type == "Extension" {
					next = pr.root
				}
			}
			if next == nil {
				return nil, nil, false
			}
			el, types = next, next.types
			if pr := r.typeProfile(types); pr != nil && len(el.children) == 0 {
				el = pr.root
			}
		case st.name == "resolve":
			var targets []typeRef
			var loaded []*Profile
			for _, t := range types {
				if t.Code != "Reference" {
					continue
				}
				for _, u := range t.TargetProfile {
					if r.isBaseType(u) {
						targets = append(targets, typeRef{Code: canonical(u)[len(coreBase):]})
					} else if pr := r.Profile(u); pr != nil {
						targets = append(targets, typeRef{Code: pr.Type, Profile: []string{pr.URL}})
						loaded = append(loaded, pr)
					} else {
						return nil, nil, false // a target that cannot be judged
					}
				}
			}
			if len(targets) == 0 {
				return nil, nil, false
			}
			el, types = nil, targets
			if len(loaded) == 1 && len(targets) == 1 {
				el = loaded[0].root
			}
		case st.name == "ofType":
			var kept []typeRef
			for _, t := range types {
				if t.Code == st.arg {
					kept = append(kept, t)
				}
			}
			if len(kept) == 0 {
				return nil, nil, false
			}
			types = kept
		}
	}
	return el, types, true
}

// typeProfile is the one loaded (non-base) profile that types names, or
// nil.
func (r *Registry) typeProfile(types []typeRef) *Profile {
	var found *Profile
	for _, t := range types {
		for _, u := range t.Profile {
			if r.isBaseType(u) {
				continue
			}
			pr := r.Profile(u)
			if pr == nil || found != nil && found != pr {
				return nil
			}
			found = pr
		}
	}
	return found
}

// bindingOf returns the value set that slice element el is bound to when
// that binding sets the slice apart: the element the slices share (base,
// at the same path) is not bound to the same value set.
func bindingOf(el, base *edef) string {
	if el == nil || el.binding == nil || el.fixed != nil || el.pattern != nil {
		return ""
	}
	u := canonical(el.binding.url())
	if u == "" {
		return ""
	}
	if base != nil && base.binding != nil && canonical(base.binding.url()) == u {
		return ""
	}
	return u
}

// codesOf lists the codes an instance node carries: a code (with the
// system of its Coding when it is Coding.code), a Coding, or the codings of
// a CodeableConcept.
func codesOf(n *tree.Node) []struct{ system, code string } {
	var out []struct{ system, code string }
	switch n.Type {
	case "Coding":
		out = append(out, codingOf(n))
	case "CodeableConcept":
		for _, cd := range n.ChildrenNamed("coding") {
			out = append(out, codingOf(cd))
		}
	case "code", "string", "uri":
		if !n.HasValue {
			break
		}
		sys := ""
		if n.Name == "code" && n.Parent != nil && n.Parent.Type == "Coding" {
			if s := n.Parent.Child("system"); s != nil {
				sys = s.Value
			}
		}
		out = append(out, struct{ system, code string }{sys, n.Value})
	}
	return out
}

// inValueSet reports whether one of the codes the nodes carry is in value
// set u; unknown says why that cannot be told offline when none is known
// to be in it and some could be.
func (r *Registry) inValueSet(u string, got []*tree.Node) (in bool, unknown string) {
	for _, g := range got {
		for _, cd := range codesOf(g) {
			if cd.code == "" {
				continue
			}
			hit, judged := r.InValueSet(u, cd.system, cd.code)
			if hit {
				return true, ""
			}
			if !judged {
				shown := cd.code
				if cd.system != "" {
					shown = cd.system + "|" + cd.code
				}
				unknown = "membership of " + shown + " in the value set " + u + " cannot be judged offline"
			}
		}
	}
	return false, unknown
}
