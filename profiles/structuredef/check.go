package structuredef

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Rule kinds: the last part of a rule id "profile:<name>:<kind>".
const (
	KindCardinality = "cardinality"
	KindFixed       = "fixed"
	KindPattern     = "pattern"
	KindBinding     = "binding"
	KindType        = "type"
	KindReference   = "reference"
	KindSlice       = "slice"
	KindConstraint  = "constraint"
	KindContext     = "context"
	KindMaxLength   = "maxLength"
	KindModifier    = "modifier"
	KindMinValue    = "minValue"
	KindMaxValue    = "maxValue"
	// KindBindingOffline marks an information finding: codes bound to a
	// value set that cannot be expanded offline were not judged. Package
	// validate reports these once per run (unjudgedBinding reads them).
	KindBindingOffline = "binding-offline"
)

// RuleUnknownProfile is the rule of the warning given for a profile URL
// that no loaded definition has.
const RuleUnknownProfile = "profile:unknown"

func init() {
	bridge.CheckProfiles = func(ctx context.Context, reg any, root *tree.Node, extraProfiles []string) []issue.Issue {
		return reg.(*Registry).check(ctx, root, extraProfiles)
	}
	bridge.CheckExtensions = func(ctx context.Context, reg any, root *tree.Node, extensions []*tree.Node, skip func(url string) bool) []issue.Issue {
		return reg.(*Registry).checkExtensionNodes(ctx, root, extensions, skip)
	}
	bridge.Questionnaire = func(reg any, ref string) *tree.Node {
		return reg.(*Registry).questionnaire(ref)
	}
	bridge.UnjudgedBinding = unjudgedBinding
}

// check validates the resources in the tree rooted at root against the
// profiles they claim in meta.profile (the root and every nested resource:
// Bundle entries, contained resources, Parameters resources), and the root
// also against extraProfiles. Every extension whose definition is loaded is
// checked against it, whether or not a profile slices it. Profile URLs of
// the STU3 base types are skipped: package validate covers them. Findings
// are sorted by source position. Once ctx has ended the check stops at the
// next element (or FHIRPath's next look) and what it returns is partial:
// the caller must drop it.
func (r *Registry) check(ctx context.Context, root *tree.Node, extraProfiles []string) []issue.Issue {
	if root == nil {
		return nil
	}
	c := r.newChecker(ctx, root)
	root.Walk(func(n *tree.Node) bool {
		if c.stopped() {
			return false
		}
		if !n.Resource {
			return true
		}
		var claims []*tree.Node
		if meta := n.Child("meta"); meta != nil {
			claims = meta.ChildrenNamed("profile")
		}
		for _, pn := range claims {
			if pn.HasValue {
				c.claim(n, pn.Value, pn)
			}
		}
		if n == root {
			for _, u := range extraProfiles {
				c.claim(n, u, nil)
			}
		}
		return true
	})
	c.extensions(root, nil)
	sortFindings(c.out)
	return c.out
}

// sortFindings orders findings by source position.
func sortFindings(out []issue.Issue) {
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

type visitKey struct {
	n *tree.Node
	p *Profile
}

type checker struct {
	reg     *Registry
	res     *treepath.Resolver
	out     []issue.Issue
	visited map[visitKey]bool
	// conformsMemo is shared with trial checkers: whether a resource
	// conforms to a profile, for targetProfile and profile discriminators.
	conformsMemo map[visitKey]bool
	// env is shared with trial checkers; read it through evalEnv, which
	// sizes its budget to the payload the first time an expression is
	// evaluated: most checks of extensions evaluate none, and counting
	// the payload's elements costs a walk of the whole tree.
	env  *fhirpath.Env
	root *tree.Node
	// unjudged holds the value sets already reported as not expandable
	// offline in this check, so each is said once a payload.
	unjudged map[string]bool
	// ctx ends the check; stop remembers that it has, so that the walks
	// unwind without asking again at every level.
	ctx  context.Context
	stop *bool
}

func (r *Registry) newChecker(ctx context.Context, root *tree.Node) *checker {
	res := treepath.NewResolver(root)
	return &checker{
		reg: r, res: res, visited: map[visitKey]bool{}, conformsMemo: map[visitKey]bool{},
		env: &fhirpath.Env{Resolver: res, BaseType: r.baseType}, root: root,
		ctx: ctx, stop: new(bool),
	}
}

// evalEnv returns a copy of the checker's Env for one evaluation, its
// budget sized to the payload.
func (c *checker) evalEnv() fhirpath.Env {
	if c.env.MaxSteps == 0 {
		c.env.MaxSteps = treepath.Budget(c.root)
	}
	return *c.env
}

// stopped reports whether the check must stop: its context has ended. It
// is asked once an element, as the validator's invariant walk does.
func (c *checker) stopped() bool {
	if !*c.stop && c.ctx.Err() != nil {
		*c.stop = true
	}
	return *c.stop
}

func (r *Registry) baseType(name string) string {
	if t := r.model.Type(name); t != nil {
		if t.Profile != "" {
			return t.Profile
		}
		return t.Base
	}
	return ""
}

// isBaseType reports whether u is the canonical URL of an STU3 type.
func (r *Registry) isBaseType(u string) bool {
	u = canonical(u)
	return strings.HasPrefix(u, coreBase) && r.model.Type(u[len(coreBase):]) != nil
}

func (c *checker) add(p *Profile, kind string, sev issue.Severity, issueType string, n *tree.Node, path, msg string) *issue.Issue {
	f := tree.IssueAt(issue.Issue{
		Rule: c.reg.ruleID(p, kind), Severity: sev, Code: issueType, Spine: issue.SpineInvalidResource, Message: msg,
	}, n)
	if path != "" {
		f.Path = path
	}
	c.out = append(c.out, f)
	return &c.out[len(c.out)-1]
}

// claim checks resource n against the profile at URL u, named in its
// meta.profile (at node at) or by the caller (at nil).
func (c *checker) claim(n *tree.Node, u string, at *tree.Node) {
	if c.reg.isBaseType(u) {
		return
	}
	p := c.reg.Profile(u)
	if p == nil {
		f := issue.Issue{
			Rule: RuleUnknownProfile, Severity: issue.SeverityWarning, Code: issue.TypeNotSupported, Spine: issue.SpineInvalidResource,
			Message: "profile " + u + " is not loaded: the resource was not checked against it",
		}
		if at != nil {
			f = tree.IssueAt(f, at)
		} else {
			f = tree.IssueAt(f, n)
		}
		c.out = append(c.out, f)
		return
	}
	if p.Type != n.Type && p.Type != "Resource" && p.Type != "DomainResource" {
		c.add(p, KindType, "error", "structure", n, "", "profile "+p.URL+" constrains "+p.Type+", not "+n.Type)
		return
	}
	c.conform(n, p)
}

// conform checks node n against the root of profile p, once per pair.
func (c *checker) conform(n *tree.Node, p *Profile) {
	k := visitKey{n, p}
	if c.visited[k] {
		return
	}
	c.visited[k] = true
	c.elem(n, p.root, p)
}

// conforms reports, without findings, whether n conforms to p (no errors).
func (c *checker) conforms(n *tree.Node, p *Profile) bool {
	k := visitKey{n, p}
	if v, ok := c.conformsMemo[k]; ok {
		return v
	}
	c.conformsMemo[k] = true // a reference cycle is presumed to conform
	sub := &checker{reg: c.reg, res: c.res, visited: map[visitKey]bool{}, conformsMemo: c.conformsMemo, env: c.env, root: c.root, ctx: c.ctx, stop: c.stop}
	sub.conform(n, p)
	ok := true
	for _, f := range sub.out {
		if f.Severity == "error" || f.Severity == "fatal" {
			ok = false
			break
		}
	}
	c.conformsMemo[k] = ok
	return ok
}

// elem checks instance node n against element definition d of profile p.
func (c *checker) elem(n *tree.Node, d *edef, p *Profile) {
	if c.stopped() {
		return
	}
	c.types(n, d, p)
	if d.fixed != nil && !matchValue(d.fixed.Value, n, true) {
		f := c.add(p, KindFixed, "error", "value", n, "",
			d.label()+" must be "+render(d.fixed)+" (fixed by "+p.Name+"), found "+describe(n))
		f.Spine = valueSpineCode(n)
	}
	if d.pattern != nil && !matchValue(d.pattern.Value, n, false) {
		f := c.add(p, KindPattern, "error", "value", n, "",
			d.label()+" must match the pattern "+render(d.pattern)+" of "+p.Name+", found "+describe(n))
		f.Spine = valueSpineCode(n)
	}
	if d.maxLength > 0 && n.HasValue && utf8.RuneCountInString(n.Value) > d.maxLength {
		c.add(p, KindMaxLength, "error", "value", n, "",
			d.label()+" is limited to "+strconv.Itoa(d.maxLength)+" characters by "+p.Name+", found "+strconv.Itoa(utf8.RuneCountInString(n.Value)))
	}
	c.bounds(n, d, p)
	c.binding(n, d, p)
	c.constraints(n, d, p)
	c.children(n, d, p)
}

// valueSpineCode picks the Spine code for a wrong fixed or pattern value:
// identifier and coding systems have codes of their own.
func valueSpineCode(n *tree.Node) issue.SpineCode {
	parent := ""
	if n.Parent != nil {
		parent = n.Parent.Type
	}
	switch {
	case n.Type == "Identifier" || n.Name == "system" && parent == "Identifier":
		return issue.SpineInvalidIdentifierSys
	case n.Name == "system" && parent == "Coding":
		return issue.SpineInvalidCodeSystem
	case n.Name == "code" && parent == "Coding", n.Type == "Coding", n.Type == "CodeableConcept":
		return issue.SpineInvalidCodeValue
	}
	return issue.SpineInvalidResource
}

func (c *checker) children(n *tree.Node, d *edef, p *Profile) {
	if len(d.children) == 0 {
		return
	}
	// The definition each child stands for, found once; every element of
	// every extension comes here, so the few children usual are kept on
	// the stack rather than grouped in a map.
	var defBuf [16]*edef
	defs := defBuf[:0]
	if len(n.Children) > len(defBuf) {
		defs = make([]*edef, 0, len(n.Children))
	}
	for _, ch := range n.Children {
		cd := d.byName[ch.Name]
		if cd == nil && ch.Elem != nil {
			cd = d.byName[ch.Elem.Name]
		}
		defs = append(defs, cd)
		if cd != nil {
			continue
		}
		if ch.Elem != nil && ch.Elem.IsChoice() && d.renamed[ch.Elem.Name] != nil {
			c.add(p, KindType, "error", "structure", ch, "",
				d.label()+"."+ch.Name+" is not allowed by "+p.Name+": "+ch.Elem.Name+" may only be "+strings.Join(d.renamed[ch.Elem.Name], " or "))
		}
	}
	var nodeBuf [8]*tree.Node
	for _, cd := range d.children {
		nodes := nodeBuf[:0]
		for i, ch := range n.Children {
			if defs[i] == cd {
				nodes = append(nodes, ch)
			}
		}
		if len(nodes) == 0 {
			nodes = nil
		}
		c.group(n, nodes, cd, p) // group keeps no reference to nodes
	}
}

func missingPath(parent *tree.Node, d *edef) string {
	return parent.Path() + "." + d.displayName()
}

// group checks the instance nodes that element definition cd stands for
// under parent: their number, their slices, then each of them.
func (c *checker) group(parent *tree.Node, nodes []*tree.Node, cd *edef, p *Profile) {
	switch {
	case cd.max == 0 && len(nodes) > 0:
		for _, nd := range nodes {
			c.add(p, KindCardinality, "error", "structure", nd, "",
				cd.label()+" is not allowed by "+p.Name+" (max 0)")
		}
		return
	case len(nodes) < cd.min && cd.narrowedMin():
		msg := cd.label() + " is required by " + p.Name + " (min " + strconv.Itoa(cd.min) + ") but "
		if len(nodes) == 0 {
			msg += "is absent"
		} else {
			msg += "occurs " + strconv.Itoa(len(nodes)) + " times"
		}
		c.add(p, KindCardinality, "error", "required", parent, missingPath(parent, cd), msg)
	case cd.max != schemas.Unbounded && len(nodes) > cd.max && cd.narrowedMax():
		c.add(p, KindCardinality, "error", "structure", nodes[cd.max], "",
			cd.label()+" may occur at most "+strconv.Itoa(cd.max)+" times under "+p.Name+", found "+strconv.Itoa(len(nodes)))
	}
	if len(cd.slices) > 0 {
		c.slices(parent, nodes, cd, p)
		return
	}
	for _, nd := range nodes {
		c.elem(nd, cd, p)
	}
}

// discriminator is one discriminator of a slicing; dp is its parsed path
// (nil for a path that could not be parsed, which matches nothing).
type discriminator struct {
	typ, path string
	dp        *discPath
}

func (cd *edef) discriminators() []discriminator {
	var out []discriminator
	if cd.slicing != nil {
		for _, d := range cd.slicing.Discriminator {
			dp := cd.discPaths[d.Path]
			if dp == nil {
				dp = unparsedPath
			}
			out = append(out, discriminator{d.Type, d.Path, dp})
		}
	}
	if len(out) == 0 && cd.slicing == nil && cd.slicedFrom != nil {
		// A slice re-sliced without slicing of its own keeps the
		// discriminators of the element it slices.
		return cd.slicedFrom.discriminators()
	}
	if len(out) == 0 && (cd.name == "extension" || cd.name == "modifierExtension") {
		return byURL // extensions are always sliced by url
	}
	if len(out) == 0 && strings.HasSuffix(cd.name, "[x]") {
		return byType // a choice is sliced by type
	}
	return out
}

// The implicit discriminators, shared: callers only read them.
var (
	byURL  = []discriminator{{"value", "url", nil}}
	byType = []discriminator{{"type", "$this", nil}}
)

// unparsedPath stands for a discriminator path that did not parse: it has
// a step no definition has, so no slice is found along it.
var unparsedPath = &discPath{steps: []pathStep{{name: "(unparsed)", fn: true}}}

// Slice membership of an instance node.
const (
	sliceOut = iota
	sliceIn
	sliceUnknown // cannot be told offline
)

func (c *checker) slices(parent *tree.Node, nodes []*tree.Node, cd *edef, p *Profile) {
	discs := cd.discriminators()
	// Every extension of a payload comes here (extensions are sliced by
	// url): the counts live on the stack when they are few.
	var assignedBuf, countBuf, mayBuf [16]int
	assigned := intsFor(assignedBuf[:], len(nodes))
	// maybe lists, per node left unassigned, the slices it may belong to
	// though that could not be judged; nil while there are none.
	var maybe [][]int
	for i, nd := range nodes {
		assigned[i] = -1
		for si, s := range cd.slices {
			state, why := c.inSlice(nd, s, cd, discs)
			if state == sliceIn {
				assigned[i] = si
				break
			}
			if state == sliceUnknown {
				if maybe == nil {
					maybe = make([][]int, len(nodes))
				}
				maybe[i] = append(maybe[i], si)
				c.add(p, KindSlice, "warning", "not-supported", nd, "",
					"whether this "+cd.displayName()+" belongs to slice "+s.label()+" of "+p.Name+" is not known: "+why+
						"; it is not checked against that slice")
			}
		}
	}
	counts := intsFor(countBuf[:], len(cd.slices))
	mayCount := intsFor(mayBuf[:], len(cd.slices))
	for i, a := range assigned {
		if a >= 0 {
			counts[a]++
			continue
		}
		if maybe != nil {
			for _, si := range maybe[i] {
				mayCount[si]++
			}
		}
	}
	for si, s := range cd.slices {
		switch {
		case counts[si] < s.min && counts[si]+mayCount[si] >= s.min:
			c.add(p, KindSlice, "warning", "incomplete", parent, missingPath(parent, cd),
				"slice "+s.label()+" of "+p.Name+" needs at least "+strconv.Itoa(s.min)+" "+cd.displayName()+
					" matching "+sliceWhat(s, discs)+": found "+strconv.Itoa(counts[si])+", and "+strconv.Itoa(mayCount[si])+
					" whose membership cannot be judged offline")
		case counts[si] < s.min:
			c.add(p, KindSlice, "error", "required", parent, missingPath(parent, cd),
				"slice "+s.label()+" of "+p.Name+" needs at least "+strconv.Itoa(s.min)+" "+cd.displayName()+
					" matching "+sliceWhat(s, discs)+", found "+strconv.Itoa(counts[si]))
		case s.max != schemas.Unbounded && counts[si] > s.max:
			seen := 0
			for i, a := range assigned {
				if a == si {
					seen++
					if seen == s.max+1 {
						c.add(p, KindSlice, "error", "structure", nodes[i], "",
							"slice "+s.label()+" of "+p.Name+" allows at most "+strconv.Itoa(s.max)+", found "+strconv.Itoa(counts[si]))
					}
				}
			}
		}
	}
	rules := "open"
	ordered := false
	if cd.slicing != nil {
		if cd.slicing.Rules != "" {
			rules = cd.slicing.Rules
		}
		ordered = cd.slicing.Ordered
	}
	last := -1
	seenOpen := false
	for i, nd := range nodes {
		a := assigned[i]
		switch {
		case a < 0 && maybe != nil && len(maybe[i]) > 0:
			// Already reported as not judged; neither in nor out.
		case a < 0 && rules == "closed":
			c.add(p, KindSlice, "error", "structure", nd, "",
				cd.label()+" is sliced closed by "+p.Name+" and this one matches no slice ("+sliceList(cd, discs)+")")
		case a < 0:
			seenOpen = true
		case rules == "openAtEnd" && seenOpen:
			c.add(p, KindSlice, "error", "structure", nd, "",
				cd.label()+": slice "+cd.slices[a].sliceName+" comes after an unsliced entry; "+p.Name+" puts other entries at the end")
		}
		if ordered && a >= 0 {
			if a < last {
				c.add(p, KindSlice, "error", "structure", nd, "",
					cd.label()+": slice "+cd.slices[a].sliceName+" is out of the order "+p.Name+" requires")
			}
			last = a
		}
	}
	for i, nd := range nodes {
		if assigned[i] < 0 {
			c.elem(nd, cd, p)
		}
	}
	for si, s := range cd.slices {
		if len(s.slices) > 0 {
			var members []*tree.Node
			for i, nd := range nodes {
				if assigned[i] == si {
					members = append(members, nd)
				}
			}
			c.slices(parent, members, s, p) // re-slices of s
			continue
		}
		if counts[si] == 0 {
			continue
		}
		for i, nd := range nodes {
			if assigned[i] == si {
				c.elem(nd, s, p)
			}
		}
	}
}

// intsFor returns n zeroed ints, in buf when it is long enough.
func intsFor(buf []int, n int) []int {
	if n <= len(buf) {
		clear(buf[:n])
		return buf[:n]
	}
	return make([]int, n)
}

// sliceWhat describes what places an entry in slice s, for messages.
func sliceWhat(s *edef, discs []discriminator) string {
	var parts []string
	for _, d := range discs {
		if d.typ != "value" && d.typ != "pattern" {
			continue
		}
		if v, _, ok := sliceValue(s, d.path); ok {
			parts = append(parts, d.path+" = "+render(v))
		} else if el := sliceElem(s, d.path); el != nil && el.binding != nil && el.binding.url() != "" {
			parts = append(parts, d.path+" in "+canonical(el.binding.url()))
		}
	}
	if len(parts) == 0 {
		return "its definition"
	}
	return strings.Join(parts, " and ")
}

func sliceList(cd *edef, discs []discriminator) string {
	var parts []string
	for _, s := range cd.slices {
		parts = append(parts, s.sliceName+": "+sliceWhat(s, discs))
	}
	return strings.Join(parts, "; ")
}

// sliceElem finds the element definition at a discriminator path within
// slice s, following into the profile of a type when the snapshot does not
// list the children.
func sliceElem(s *edef, path string) *edef {
	if path == "" || path == "$this" {
		return s
	}
	cur := s
	for rest, more := strings.TrimPrefix(path, "$this."), true; more; {
		var seg string
		seg, rest, more = strings.Cut(rest, ".")
		next := cur.byName[seg]
		if next == nil {
			next = cur.byName[seg+"[x]"]
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// sliceValue returns the fixed or pattern value that slice s requires at
// path, and whether it is fixed (exact). An extension slice without a fixed
// url takes its url from the extension definition it names.
func sliceValue(s *edef, path string) (*fhirValue, bool, bool) {
	if el := sliceElem(s, path); el != nil {
		if el.fixed != nil {
			return el.fixed, true, true
		}
		if el.pattern != nil {
			return el.pattern, false, true
		}
	}
	if path == "url" {
		for _, t := range s.types {
			if t.Code == "Extension" && len(t.Profile) == 1 {
				return &fhirValue{Type: "Uri", Value: canonical(t.Profile[0])}, true, true
			}
		}
	}
	return nil, false, false
}

// inSlice tells whether instance node nd belongs to slice s of the
// sliced element cd, and when that cannot be told offline, why. A slice
// whose discriminator values cannot be worked out matches nothing.
func (c *checker) inSlice(nd *tree.Node, s, cd *edef, discs []discriminator) (int, string) {
	if len(discs) == 0 {
		return sliceOut, ""
	}
	state, why := sliceIn, ""
	for _, d := range discs {
		got, unknown := c.instanceNodes(nd, d)
		el, types, ok := c.reg.sliceTarget(s, d)
		if !ok && d.typ != "value" && d.typ != "pattern" {
			return sliceOut, ""
		}
		if unknown != "" {
			state, why = sliceUnknown, unknown
			continue
		}
		switch d.typ {
		case "value", "pattern":
			want, exact, ok := sliceValue(s, d.path)
			if d.dp != nil && d.dp.expr != nil {
				// Through functions: the value the element found there fixes.
				want, exact, ok = nil, false, false
				if el != nil && el.fixed != nil {
					want, exact, ok = el.fixed, true, true
				} else if el != nil && el.pattern != nil {
					want, ok = el.pattern, true
				}
			}
			if !ok {
				// A slice told apart by a binding: its codes are in the
				// value set.
				base, _, _ := c.reg.sliceTarget(cd, d)
				u := bindingOf(el, base)
				if u == "" {
					return sliceOut, ""
				}
				in, unknown := c.reg.inValueSet(u, got)
				switch {
				case in:
				case unknown != "":
					state, why = sliceUnknown, unknown
				default:
					return sliceOut, ""
				}
				continue
			}
			hit := false
			for _, g := range got {
				if matchValue(want.Value, g, exact && d.typ == "value") {
					hit = true
					break
				}
			}
			if !hit {
				return sliceOut, ""
			}
		case "exists":
			if el == nil {
				return sliceOut, ""
			}
			if el.max == 0 && len(got) > 0 || el.min > 0 && len(got) == 0 {
				return sliceOut, ""
			}
		case "type":
			if len(types) == 0 {
				return sliceOut, ""
			}
			hit := false
			for _, g := range got {
				for _, t := range types {
					if t.Code == g.Type {
						hit = true
					}
				}
			}
			if !hit {
				return sliceOut, ""
			}
		case "profile":
			hit := false
			for _, g := range got {
				for _, t := range types {
					for _, u := range t.Profile {
						if pp := c.reg.Profile(u); pp != nil && c.conforms(g, pp) {
							hit = true
						}
					}
				}
			}
			if !hit {
				return sliceOut, ""
			}
		default:
			return sliceOut, ""
		}
	}
	return state, why
}

// types checks the type restrictions of d: the instance type of choice
// elements and nested resources, profiles on types, and target profiles
// of references that resolve within the payload.
func (c *checker) types(n *tree.Node, d *edef, p *Profile) {
	if len(d.types) == 0 || d == p.root {
		return
	}
	var allowed []string
	matched := false
	for _, t := range d.types {
		allowed = append(allowed, t.Code)
		if t.Code == n.Type || n.Resource && (t.Code == "Resource" || t.Code == "DomainResource") {
			matched = true
		}
	}
	restricted := n.Elem != nil && n.Elem.IsChoice() || n.Resource && n.Parent != nil
	if restricted && !matched {
		c.add(p, KindType, "error", "structure", n, "",
			d.label()+" has type "+n.Type+"; "+p.Name+" allows only "+strings.Join(dedupe(allowed), ", "))
		return
	}
	// Profiles on the type: the node must conform to one of them.
	var profs []*Profile
	var names []string
	for _, t := range d.types {
		if t.Code != n.Type && !(n.Resource && (t.Code == "Resource" || t.Code == "DomainResource")) {
			continue
		}
		for _, u := range t.Profile {
			if c.reg.isBaseType(u) {
				continue
			}
			if pp := c.reg.Profile(u); pp != nil {
				profs = append(profs, pp)
				names = append(names, pp.URL)
			}
		}
	}
	switch {
	case len(profs) == 1:
		c.conform(n, profs[0])
	case len(profs) > 1:
		ok := false
		for _, pp := range profs {
			if c.conforms(n, pp) {
				ok = true
				break
			}
		}
		if !ok {
			c.add(p, KindType, "error", "structure", n, "",
				d.label()+" conforms to none of the profiles "+p.Name+" allows: "+strings.Join(names, ", "))
		}
	}
	if n.Type == "Reference" {
		c.reference(n, d, p)
	}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func (c *checker) reference(n *tree.Node, d *edef, p *Profile) {
	var targets []string
	for _, t := range d.types {
		if t.Code == "Reference" {
			targets = append(targets, t.TargetProfile...)
		}
	}
	ref := n.Child("reference")
	if len(targets) == 0 || ref == nil || !ref.HasValue {
		return
	}
	tgt := c.res.Lookup(ref.Value, n)
	if tgt == nil {
		return // outside the payload: nothing to judge
	}
	for _, u := range targets {
		if c.reg.isBaseType(u) {
			typ := canonical(u)[len(coreBase):]
			if typ == tgt.Type || typ == "Resource" || typ == "DomainResource" {
				return
			}
			continue
		}
		tp := c.reg.Profile(u)
		if tp == nil {
			return // an unknown profile cannot be judged
		}
		if tp.Type != tgt.Type && tp.Type != "Resource" {
			continue
		}
		// A target that claims the profile (or one derived from it) is
		// judged on its own; its faults are not repeated at each reference.
		if c.claims(tgt, tp) || c.conforms(tgt, tp) {
			return
		}
	}
	c.add(p, KindReference, "error", "structure", ref, "",
		d.label()+" refers to "+tgt.Type+" "+tgt.Path()+", which is not one of the targets "+p.Name+" allows: "+strings.Join(dedupe(targets), ", "))
}

// binding checks coded values against the value set the profile binds,
// when the loaded packages (or the STU3 package) can expand it. Bindings the
// base definition already states are left to package validate.
func (c *checker) binding(n *tree.Node, d *edef, p *Profile) {
	b := d.binding
	if b == nil || b.Strength != "required" && b.Strength != "extensible" {
		return
	}
	u := canonical(b.url())
	if u == "" {
		return
	}
	// A binding the base definition states with the same strength is
	// judged by package validate already.
	if n.Elem != nil && n.Elem.Binding != nil && n.Elem.Binding.Strength == b.Strength &&
		canonical(n.Elem.Binding.ValueSet) == u {
		return
	}
	type coding struct{ system, code string }
	var codes []coding
	switch n.Type {
	case "code", "string", "uri":
		if n.HasValue {
			codes = append(codes, coding{"", n.Value})
		}
	case "Coding":
		codes = append(codes, codingOf(n))
	case "CodeableConcept":
		for _, cd := range n.ChildrenNamed("coding") {
			codes = append(codes, codingOf(cd))
		}
	default:
		return
	}
	if len(codes) == 0 {
		return
	}
	x := c.reg.expand(u)
	if !x.found {
		c.bindingNotJudged(p, n, u, b.Strength, "it is not loaded")
		return
	}
	otherSystem := true
	for _, cd := range codes {
		if cd.code == "" {
			continue
		}
		if cd.system == "" && x.byCode[cd.code] || x.codes[schemas.Code{System: cd.system, Code: cd.code}] {
			return
		}
		if cd.system == "" || x.systems[cd.system] {
			otherSystem = false
		}
	}
	wrongSystem := otherSystem && x.systemsKnown && len(x.systems) > 0
	if !x.complete && !wrongSystem {
		// Not every member is known: the code cannot be called wrong, and
		// is not called right either.
		c.bindingNotJudged(p, n, u, b.Strength, "not every member is known offline")
		return
	}
	sev := issue.SeverityError
	if b.Strength == "extensible" {
		sev = issue.SeverityWarning
	}
	var shown []string
	for _, cd := range codes {
		if cd.system != "" {
			shown = append(shown, cd.system+"|"+cd.code)
		} else {
			shown = append(shown, cd.code)
		}
	}
	msg := d.label() + " value " + strings.Join(shown, ", ") + " is not in the value set " + u +
		" (" + b.Strength + " binding of " + p.Name + ")"
	f := c.add(p, KindBinding, sev, "code-invalid", n, "", msg)
	f.Spine = issue.SpineInvalidCodeValue
	if wrongSystem {
		f.Spine = issue.SpineInvalidCodeSystem
	}
}

// unjudgedPrefix and unjudgedMid frame the value set URL in the message of
// a KindBindingOffline finding, which unjudgedBinding reads back.
const (
	unjudgedPrefix = "codes bound to the value set "
	unjudgedMid    = " not checked: "
)

// bindingNotJudged records that codes bound to value set u could not be
// judged, once per value set and check: never a silent pass.
func (c *checker) bindingNotJudged(p *Profile, n *tree.Node, u, strength, why string) {
	if c.unjudged[u] {
		return
	}
	if c.unjudged == nil {
		c.unjudged = map[string]bool{}
	}
	c.unjudged[u] = true
	c.add(p, KindBindingOffline, "information", "informational", n, "",
		unjudgedPrefix+u+unjudgedMid+why+"; "+strength+" binding of "+p.Name)
}

// unjudgedBinding tells whether f says that codes bound to a value set were
// not judged offline, and returns that value set and why.
func unjudgedBinding(f issue.Issue) (valueSet, why string, ok bool) {
	if !strings.HasSuffix(f.Rule, ":"+KindBindingOffline) {
		return "", "", false
	}
	rest, found := strings.CutPrefix(f.Message, unjudgedPrefix)
	if !found {
		return "", "", false
	}
	valueSet, why, found = strings.Cut(rest, unjudgedMid)
	return valueSet, why, found
}

func codingOf(n *tree.Node) (out struct{ system, code string }) {
	if s := n.Child("system"); s != nil {
		out.system = s.Value
	}
	if cd := n.Child("code"); cd != nil {
		out.code = cd.Value
	}
	return out
}

// constraints evaluates the profile's own FHIRPath constraints on n.
func (c *checker) constraints(n *tree.Node, d *edef, p *Profile) {
	if len(d.constraints) == 0 {
		return
	}
	res := n
	for res != nil && !(res.Resource && res.Name != "contained") {
		res = res.Parent
	}
	if res == nil {
		res = n
	}
	for _, cc := range d.constraints {
		if cc.expr == nil {
			continue
		}
		env := c.evalEnv()
		env.Resource = treepath.Of(res)
		r, err := cc.expr.Evaluate(c.ctx, treepath.Of(n), &env)
		sev := issue.SeverityError
		if cc.Severity == "warning" {
			sev = issue.SeverityWarning
		}
		if err != nil || len(r.Unsupported) > 0 {
			// No verdict is not a pass: say so, as severe as a breach.
			issueType, why := fhirpath.NoVerdict(env.MaxSteps, fhirpath.Verdict{Unsupported: r.Unsupported, Steps: r.Steps}, err)
			f := c.add(p, KindConstraint, sev, issueType, n, "",
				"constraint "+cc.Key+" of "+p.Name+" was not evaluated: "+why+"; the element is not known to meet it ("+cc.Expression+")")
			f.Rule += ":" + cc.Key
			continue
		}
		if r.Truth() == fhirpath.False {
			f := c.add(p, KindConstraint, sev, "invariant", n, "",
				"constraint "+cc.Key+" of "+p.Name+" failed: "+cc.Human+" ("+cc.Expression+")")
			f.Rule += ":" + cc.Key
		}
	}
}

// context checks that extension n is used where its definition allows.
// An extension inside the value an ElementDefinition gives (fixed[x],
// pattern[x], defaultValue[x], minValue[x], maxValue[x],
// example.value[x]) is part of that value: it will stand on the element
// being defined, so that is where its context is judged, not on
// ElementDefinition.fixed[x].
func (c *checker) context(n *tree.Node, p *Profile) {
	if len(p.Context) == 0 || n.Parent == nil {
		return
	}
	if p.ContextType == "mapping" {
		c.unjudgedContext(n, p)
		return
	}
	parent := n.Parent
	defined, inValue := definedPath(parent)
	for _, ctx := range p.Context {
		if c.contextMatches(parent, p.ContextType, ctx, defined, inValue) {
			return
		}
	}
	where := parent.Type
	switch {
	case inValue:
		where = defined + " (" + parent.Type + ", in the value " + valueHolder(parent).Path() + " gives)"
	case parent.Elem != nil && parent.Elem.Path != parent.Type:
		where = parent.Elem.Path + " (" + parent.Type + ")"
	}
	c.add(p, KindContext, "error", "structure", n, "",
		"extension "+p.URL+" is used on "+where+"; its definition allows it on "+strings.Join(p.Context, ", "))
}

// contextMatches reports whether an extension whose definition names ctx
// (of contextType ctxType) may stand on parent. defined is the path of the
// element parent stands for when it is inside a value an ElementDefinition
// gives (inValue).
func (c *checker) contextMatches(parent *tree.Node, ctxType, ctx, defined string, inValue bool) bool {
	switch ctx {
	case "*", "Element", "Base":
		return true
	case "Any":
		// ISO 21090's ANY, used by three STU3 core extensions with
		// contextType datatype: any datatype, not a resource.
		return ctxType != "datatype" || !parent.Resource
	case "Resource", "DomainResource":
		return parent.Resource
	}
	if ctx == parent.Type || parent.Elem != nil && parent.Elem.Path == ctx && !inValue {
		return true
	}
	for t := c.reg.baseType(parent.Type); t != ""; t = c.reg.baseType(t) {
		if t == ctx {
			return true
		}
	}
	if parent.Type == "Extension" {
		if u := parent.Child("url"); u != nil && canonical(u.Value) == canonical(ctx) {
			return true
		}
	}
	if inValue {
		return defined == ctx
	}
	// A path through the resource: "Patient.telecom", "Patient.name.given".
	return instancePath(parent) == ctx || definitionPath(parent, false) == ctx || definitionPath(parent, true) == ctx
}

// valueElements are the elements of ElementDefinition whose value has the
// type of the element being defined, with the number of steps from the
// value up to its ElementDefinition.
var valueElements = map[string]int{
	"ElementDefinition.defaultValue[x]":  1,
	"ElementDefinition.fixed[x]":         1,
	"ElementDefinition.pattern[x]":       1,
	"ElementDefinition.minValue[x]":      1,
	"ElementDefinition.maxValue[x]":      1,
	"ElementDefinition.example.value[x]": 2,
}

// valueHolder returns the node, at or above n, that is a value an
// ElementDefinition gives (fixedHumanName, example.valueString, ...), or
// nil.
func valueHolder(n *tree.Node) *tree.Node {
	for p := n; p != nil && !p.Resource; p = p.Parent {
		if p.Elem != nil {
			if _, ok := valueElements[p.Elem.Path]; ok {
				return p
			}
		}
	}
	return nil
}

// definedPath returns, for a node inside a value an ElementDefinition
// gives, the path of the element that node stands for: the
// ElementDefinition's path followed by the names below the value
// ("Patient.name.given" for fixedHumanName.given under the definition of
// Patient.name). ok is false outside such a value, or when the
// ElementDefinition has no path.
func definedPath(n *tree.Node) (path string, ok bool) {
	h := valueHolder(n)
	if h == nil {
		return "", false
	}
	ed := h
	for range valueElements[h.Elem.Path] {
		if ed = ed.Parent; ed == nil {
			return "", false
		}
	}
	pn := ed.Child("path")
	if pn == nil || !pn.HasValue || pn.Value == "" {
		return "", false
	}
	var segs []string
	for p := n; p != h; p = p.Parent {
		name := p.Name
		if p.Elem != nil && p.Elem.IsChoice() {
			name = p.Elem.Name
		}
		segs = append(segs, name)
	}
	slices.Reverse(segs)
	return strings.Join(append([]string{pn.Value}, segs...), "."), true
}

// instancePath is the path of n from its resource without indexes, with
// choice elements under their definition name ("Observation.value[x]").
func instancePath(n *tree.Node) string {
	var segs []string
	for p := n; p != nil; p = p.Parent {
		if p.Resource {
			segs = append(segs, p.Type)
			break
		}
		name := p.Name
		if p.Elem != nil && p.Elem.IsChoice() {
			name = p.Elem.Name
		}
		segs = append(segs, name)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return strings.Join(segs, ".")
}

// claims reports whether resource n names profile p, or a profile derived
// from p, in its meta.profile.
func (c *checker) claims(n *tree.Node, p *Profile) bool {
	meta := n.Child("meta")
	if meta == nil {
		return false
	}
	for _, pn := range meta.ChildrenNamed("profile") {
		for q, hops := c.reg.Profile(pn.Value), 0; q != nil && hops < 20; q, hops = c.reg.Profile(q.BaseDefinition), hops+1 {
			if q == p {
				return true
			}
		}
	}
	return false
}
