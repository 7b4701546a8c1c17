package profiles

import (
	"strings"
	"sync"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
)

// Most pack expressions are paths (source.name, identifier.where(system =
// '...').value, entry.resource.ofType(Patient)): runPlan takes them on the
// tree directly, as fhirpath.Plan describes, and leaves the rest, and any
// item a plan does not cover, to the evaluator. The pack run has no
// BaseType and a budget of at least 64 steps an element, which a plan of
// at most a couple of dozen steps cannot use up, so the answers are the
// evaluator's (TestPlansAgreeWithTheEvaluator).

// runPlan takes p from at; ok is false when the evaluator must answer.
func (r *run) runPlan(p *fhirpath.Plan, at *tree.Node) (fhirpath.Collection, bool) {
	if p.Test != nil {
		t, ok := r.cond(p.Test, at)
		switch {
		case !ok:
			return nil, false
		case t == fhirpath.Empty:
			return nil, true
		}
		return boolItem(t == fhirpath.True), true
	}
	var nodes []*tree.Node
	var ok bool
	if p.Union != nil {
		nodes, ok = r.union(p.Union, at)
	} else {
		nodes, ok = r.path(p, at)
	}
	if !ok {
		return nil, false
	}
	defer r.putBuf(nodes)
	switch {
	case p.Exists:
		return boolItem(len(nodes) > 0), true
	case p.Empty:
		return boolItem(len(nodes) == 0), true
	case len(nodes) == 0:
		return nil, true
	}
	out := r.items(len(nodes))
	for i, n := range nodes {
		out[i] = fhirpath.NodeItem(treepath.Of(n))
	}
	return out, true
}

// path takes the steps of p from at, or from the variable p names; the
// result is a scratch slice for putBuf.
func (r *run) path(p *fhirpath.Plan, at *tree.Node) ([]*tree.Node, bool) {
	start := r.planStart[:0]
	if p.Var == "" {
		start = append(start, at)
	} else {
		for _, it := range r.env.Vars[p.Var] {
			n := treepath.TreeNode(it)
			if n == nil {
				return nil, false
			}
			start = append(start, n)
		}
	}
	r.planStart = start
	return r.takeSteps(p.Steps, start)
}

// unionLinear is the largest union a plan takes; a larger one is left to
// the evaluator.
const unionLinear = 16

// union takes the operands of a union plan in turn and keeps each element
// once. | compares by = (FHIRPath 6.5.1): two distinct elements that are
// alike count once. The plan keeps an element when it is surely unlike
// every element kept (see unlike) and leaves the union to the evaluator,
// which compares values, when it cannot tell, when more than one element
// has a value, or when the union is large.
func (r *run) union(ops []*fhirpath.Plan, at *tree.Node) ([]*tree.Node, bool) {
	out := r.getBuf()
	valued := 0
	for _, op := range ops {
		nodes, ok := r.path(op, at)
		if !ok {
			r.putBuf(out)
			return nil, false
		}
	next:
		for _, n := range nodes {
			_, hasValue := nodeText(n)
			if hasValue {
				if valued++; valued > 1 {
					r.putBuf(nodes)
					r.putBuf(out)
					return nil, false
				}
			}
			for _, o := range out {
				if o == n {
					continue next
				}
				if !hasValue && !unlike(o, n, 0) {
					r.putBuf(nodes)
					r.putBuf(out)
					return nil, false
				}
			}
			if out = append(out, n); len(out) > unionLinear {
				r.putBuf(nodes)
				r.putBuf(out)
				return nil, false
			}
		}
		r.putBuf(nodes)
	}
	return out, true
}

// unlike reports whether a and b are surely not equal by =: their
// children differ in number or names, or two matching children are
// unlike. Two values are unlike only when they
// are texts (string, code, id, uri and the like) that differ, which =
// compares as written; any other pair of values may be equal in a
// different spelling (1.0 and 1.00), so unlike answers false and the
// union goes to the evaluator.
func unlike(a, b *tree.Node, depth int) bool {
	if depth > 32 {
		return false
	}
	at, aValued := nodeText(a)
	bt, bValued := nodeText(b)
	if aValued || bValued {
		return aValued && bValued && at != bt && writtenAsCompared(a.Type) && writtenAsCompared(b.Type)
	}
	if len(a.Children) != len(b.Children) {
		return true
	}
	for i, c := range a.Children {
		d := b.Children[i]
		if treepath.Name(c) != treepath.Name(d) || unlike(c, d, depth+1) {
			return true
		}
	}
	return false
}

// writtenAsCompared reports whether = compares values of type t as they
// are written.
func writtenAsCompared(t string) bool {
	switch t {
	case "string", "code", "id", "uri", "oid", "uuid", "markdown", "url", "canonical":
		return true
	}
	return false
}

// scratch holds the slices plans work in. Nothing a run hands out keeps
// them (findings hold text, built-ins keep no nodes), so the next run may
// reuse them.
type scratch struct {
	// all lists the root and its descendants, dates and refs those that
	// temporals and references look for (see subtree).
	all, dates, refs []*tree.Node
	planStart        []*tree.Node
	bufs             [][]*tree.Node
	// urls lists the root Bundle's entries by fullUrl, urlSet holds them
	// when there are many, and urlMap is urlSet when it is in use (see
	// lookup).
	urls   []urlEntry
	urlSet map[string]*tree.Node
	urlMap map[string]*tree.Node
	// slab is carved into the results of plans.
	slab fhirpath.Collection
	// memo keeps the evaluations of expressions several rules share (ten
	// rules look at entry.resource.ofType(RelatedPerson).patient.resolve()).
	memo map[evalKey]evalResult
	// vars are the external constants of the run's evaluations, their
	// items kept in varItems (see fillVars).
	vars     map[string]fhirpath.Collection
	varItems [6]fhirpath.Item
	// event and lifecycle are the items of %event and %lifecycle.
	event, lifecycle textItem
	// root backs the targets of the rules that run on the root.
	root [1]*tree.Node
	// resources, entryRes, typed and entryTyped are the lists index
	// makes.
	resources, entryRes []*tree.Node
	nodeBuf             []*tree.Node // the items handed to a built-in check
	typed, entryTyped   [][]*tree.Node
	// run is the state of the Check call that holds this scratch.
	run run
}

// fillVars sets %bundle, %event, %lifecycle, %header, %focus and %patient
// for the run, in the map the scratch keeps (the last three empty when
// the payload has none).
func (r *run) fillVars() map[string]fhirpath.Collection {
	s := r.scratch
	if s.vars == nil {
		s.vars = make(map[string]fhirpath.Collection, 6)
	}
	one := func(i int, it fhirpath.Item) fhirpath.Collection {
		s.varItems[i] = it
		return s.varItems[i : i+1 : i+1]
	}
	node := func(i int, n *tree.Node) fhirpath.Collection {
		if n == nil {
			return nil
		}
		return one(i, fhirpath.NodeItem(treepath.Of(n)))
	}
	// The event and life cycle of the last run are mostly this run's:
	// their items are kept rather than made again.
	if s.event.text != r.in.Event || !s.event.set {
		s.event = textItem{r.in.Event, fhirpath.ValueItem(fhirpath.String(r.in.Event)), true}
	}
	if s.lifecycle.text != r.in.Lifecycle || !s.lifecycle.set {
		s.lifecycle = textItem{r.in.Lifecycle, fhirpath.ValueItem(fhirpath.String(r.in.Lifecycle)), true}
	}
	s.vars["bundle"] = node(0, r.root)
	s.vars["event"] = one(1, s.event.item)
	s.vars["lifecycle"] = one(2, s.lifecycle.item)
	s.vars["header"] = node(3, r.header)
	s.vars["focus"] = node(4, r.focus)
	s.vars["patient"] = node(5, r.patient)
	return s.vars
}

// textItem is a string item and its text.
type textItem struct {
	text string
	item fhirpath.Item
	set  bool
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratches.Get().(*scratch) }

func putScratch(s *scratch) {
	// Drop the pointers into this payload, so the pool keeps it alive no
	// longer.
	clear(s.slab)
	s.slab = s.slab[:0]
	for _, b := range s.bufs {
		clear(b[:cap(b)])
	}
	clear(s.planStart[:cap(s.planStart)])
	clear(s.all)
	s.all = s.all[:0]
	clear(s.dates)
	clear(s.refs)
	s.dates, s.refs = s.dates[:0], s.refs[:0]
	clear(s.memo)
	clear(s.urls)
	clear(s.urlSet)
	s.urlMap = nil
	clear(s.varItems[:])
	s.root[0] = nil
	clear(s.resources)
	clear(s.nodeBuf)
	clear(s.entryRes)
	for i := range s.typed {
		clear(s.typed[i])
		clear(s.entryTyped[i])
	}
	// The findings were copied out; their buffer is kept.
	out := s.run.out
	clear(out)
	s.run = run{out: out[:0]}
	scratches.Put(s)
}

// items carves a result of n items from the slab, which grows by chunks:
// results carved earlier keep the chunk they were carved from.
func (s *scratch) items(n int) fhirpath.Collection {
	if cap(s.slab)-len(s.slab) < n {
		s.slab = make(fhirpath.Collection, 0, max(256, n))
	}
	k := len(s.slab)
	s.slab = s.slab[:k+n]
	return s.slab[k : k+n : k+n]
}

var (
	trueItem  = fhirpath.Collection{fhirpath.ValueItem(fhirpath.Boolean(true))}
	falseItem = fhirpath.Collection{fhirpath.ValueItem(fhirpath.Boolean(false))}
)

// boolItem is a one-Boolean result; callers only read it.
func boolItem(b bool) fhirpath.Collection {
	if b {
		return trueItem[:1:1]
	}
	return falseItem[:1:1]
}

// getBuf and putBuf keep the scratch slices of the steps taken.
func (r *run) getBuf() []*tree.Node {
	if n := len(r.bufs); n > 0 {
		b := r.bufs[n-1]
		r.bufs = r.bufs[:n-1]
		return b[:0]
	}
	return make([]*tree.Node, 0, 8)
}

// The scratch dies with the run, so what it points to need not be
// cleared.
func (r *run) putBuf(b []*tree.Node) {
	if cap(b) > 0 {
		r.bufs = append(r.bufs, b[:0])
	}
}

// takeSteps takes steps from in, which it does not change; the result is
// a scratch slice the caller gives back with putBuf.
func (r *run) takeSteps(steps []fhirpath.Step, in []*tree.Node) ([]*tree.Node, bool) {
	// The first step reads in itself, which is not copied: in is the
	// run's planStart or condIn, which only path and condPath set, and a
	// where() step reads its single item before its condition sets condIn
	// again.
	cur, owned := in, false
	for i := 0; i < len(steps); i++ {
		s := &steps[i]
		next := r.getBuf()
		// entry.resource from the root, and entry.resource.ofType(T), the
		// start of many rules, come from the run's index.
		if i == 0 && len(cur) == 1 && cur[0] == r.root && len(steps) >= 2 &&
			steps[0].Kind == fhirpath.StepChild && steps[0].Name == "entry" &&
			steps[1].Kind == fhirpath.StepChild && steps[1].Name == "resource" {
			if len(steps) >= 3 && steps[2].Kind == fhirpath.StepOfType {
				next = append(next, r.entryResourcesOf(steps[2].Name)...)
				i = 2
			} else {
				next = append(next, r.entryResources()...)
				i = 1
			}
			if owned {
				r.putBuf(cur)
			}
			cur, owned = next, true
			continue
		}
		switch s.Kind {
		case fhirpath.StepChild:
			for _, n := range cur {
				next = treepath.AppendNamed(next, n, s.Name)
			}
		case fhirpath.StepOfType:
			for _, n := range cur {
				if n.Type == s.Name {
					next = append(next, n)
				}
			}
		case fhirpath.StepFirst:
			if len(cur) > 0 {
				next = append(next, cur[0])
			}
		case fhirpath.StepExtension:
			for _, n := range cur {
				for _, x := range n.Children {
					if x.Name == "extension" && hasURL(x, s.Name) {
						next = append(next, x)
					}
				}
			}
		case fhirpath.StepDescendantsOfType:
			if len(cur) != 1 {
				r.putBuf(next)
				if owned {
					r.putBuf(cur)
				}
				return nil, false
			}
			next = r.descendantsOfType(next, cur[0], s.Name)
		case fhirpath.StepResolve:
			for _, n := range cur {
				if res := r.resolve(n); res != nil {
					next = append(next, res)
				}
			}
		case fhirpath.StepWhere:
			for _, n := range cur {
				t, ok := r.cond(s.Cond, n)
				if !ok {
					r.putBuf(next)
					if owned {
						r.putBuf(cur)
					}
					return nil, false
				}
				if t == fhirpath.True {
					next = append(next, n)
				}
			}
		default:
			r.putBuf(next)
			if owned {
				r.putBuf(cur)
			}
			return nil, false
		}
		if owned {
			r.putBuf(cur)
		}
		cur, owned = next, true
	}
	if !owned {
		cur = append(r.getBuf(), in...)
	}
	return cur, true
}

// entryResources is entry.resource from the root (see index).
func (r *run) entryResources() []*tree.Node {
	r.index()
	return r.entryRes
}

// entryResourcesOf is entry.resource.ofType(typ) from the root.
func (r *run) entryResourcesOf(typ string) []*tree.Node {
	r.index()
	if id, ok := r.rs.typeIDs[typ]; ok {
		return r.entryTyped[id]
	}
	var out []*tree.Node
	for _, n := range r.entryRes {
		if n.Type == typ {
			out = append(out, n)
		}
	}
	return out
}

// resolve is resolve() of one item (see fhirpath.StepResolve).
func (r *run) resolve(n *tree.Node) *tree.Node {
	ref, ok := nodeText(n)
	var from *tree.Node
	if !ok {
		ref = ""
		var one [2]*tree.Node
		if rs := treepath.AppendNamed(one[:0], n, "reference"); len(rs) == 1 {
			ref, from = rs[0].Value, n
		}
	}
	if ref == "" {
		return nil
	}
	return r.lookup(ref, from)
}

// lookup is r.ix.Lookup(ref, from), with the common case found in the
// run's list of the root Bundle's entries by fullUrl: a reference with no
// slash, held in an entry of the root Bundle, can only name an entry by
// its fullUrl (the other names an entry answers to, Type/id and the end
// of a RESTful fullUrl, have a slash), the first entry with a resource
// that has it.
func (r *run) lookup(ref string, from *tree.Node) *tree.Node {
	if ref == "" || ref[0] == '#' || strings.IndexByte(ref, '/') >= 0 || r.ix.Scope(from) != r.root {
		return r.ix.Lookup(ref, from)
	}
	if !r.urlsIndexed {
		r.indexURLs()
	}
	if r.urlMap != nil {
		return r.urlMap[ref]
	}
	for _, u := range r.urls {
		if u.url == ref {
			return u.res
		}
	}
	return nil
}

// lookupReference is r.ix.LookupReference through lookup.
func (r *run) lookupReference(refElem *tree.Node) *tree.Node {
	if ref, ok := treepath.ReferenceOf(refElem); ok {
		return r.lookup(ref, refElem)
	}
	return nil
}

// urlEntry is an entry's fullUrl and resource.
type urlEntry struct {
	url string
	res *tree.Node
}

// urlsLinear is the number of entries up to which lookup reads the list
// rather than a map.
const urlsLinear = 32

// indexURLs lists the root Bundle's entries that have a resource and a
// fullUrl with a value, in order, keeping the first of a fullUrl.
func (r *run) indexURLs() {
	r.urlsIndexed = true
	s := r.scratch
	s.urls = s.urls[:0]
	for _, e := range r.root.Children {
		if e.Name != "entry" {
			continue
		}
		res := e.Child("resource")
		if res == nil {
			continue
		}
		if fu := e.Child("fullUrl"); fu != nil && fu.HasValue {
			s.urls = append(s.urls, urlEntry{fu.Value, res})
		}
	}
	if len(s.urls) <= urlsLinear {
		s.urlMap = nil
		return
	}
	if s.urlSet == nil {
		s.urlSet = make(map[string]*tree.Node, len(s.urls))
	}
	for _, u := range s.urls {
		if _, dup := s.urlSet[u.url]; !dup {
			s.urlSet[u.url] = u.res
		}
	}
	s.urlMap = s.urlSet
}

// runResolver is the run's resolve() for the evaluator, through lookup.
type runResolver struct{ r *run }

// Resolve implements fhirpath.Resolver as treepath.Resolver does.
func (rr runResolver) Resolve(ref string, from fhirpath.Node) (fhirpath.Node, bool) {
	var fn *tree.Node
	if f, ok := from.(treepath.Node); ok {
		fn = f.N
	}
	if n := rr.r.lookup(ref, fn); n != nil {
		return treepath.Of(n), true
	}
	return nil, false
}

// hasURL reports whether extension x has a url child of the given value,
// as extension(url) asks.
func hasURL(x *tree.Node, url string) bool {
	for _, u := range x.Children {
		if u.Name == "url" {
			if t, ok := nodeText(u); ok && t == url {
				return true
			}
		}
	}
	return false
}

// nodeText is the text FHIRPath compares for an element: its value, which
// the narrative div always has.
func nodeText(n *tree.Node) (string, bool) {
	if n.Type == "xhtml" {
		return n.Value, true
	}
	return n.Value, n.HasValue
}

// descendantsOfType appends the descendants of n of type typ in document
// order.
func (r *run) descendantsOfType(dst []*tree.Node, n *tree.Node, typ string) []*tree.Node {
	if n == r.root {
		for _, c := range r.subtree(n)[1:] {
			if c.Type == typ {
				dst = append(dst, c)
			}
		}
		return dst
	}
	return appendOfType(dst, n, typ)
}

// appendOfType appends the descendants of n of type typ in document
// order, walking rather than listing them.
func appendOfType(dst []*tree.Node, n *tree.Node, typ string) []*tree.Node {
	for _, c := range n.Children {
		if c.Type == typ {
			dst = append(dst, c)
		}
		dst = appendOfType(dst, c, typ)
	}
	return dst
}

// subtree returns n and its descendants in document order (the order of
// tree.Node.Walk). The root's is listed once a run and serves every check
// that reads the whole payload (dates, element order, references,
// descendants(), the budget), so that each element is visited once.
func (r *run) subtree(n *tree.Node) []*tree.Node {
	if n == r.root {
		if len(r.all) == 0 {
			r.all, r.dates, r.refs = r.all[:0], r.dates[:0], r.refs[:0]
			r.scratch.list(n)
		}
		return r.all
	}
	return appendSubtree(nil, n)
}

// list appends n and its descendants to all in document order, and
// those with a value that temporals and references look for to dates and
// refs, in the same walk.
func (s *scratch) list(n *tree.Node) {
	s.all = append(s.all, n)
	if n.HasValue {
		if n.Type == "dateTime" || n.Type == "instant" || n.Type == "date" {
			s.dates = append(s.dates, n)
		}
		if n.Name == "reference" && n.Parent != nil && n.Parent.Type == "Reference" {
			s.refs = append(s.refs, n)
		}
	}
	for _, c := range n.Children {
		s.list(c)
	}
}

// temporals are the elements of type date, dateTime or instant that
// have a value, at or below n, in document order.
func (r *run) temporals(n *tree.Node) []*tree.Node {
	if n == r.root {
		r.subtree(n)
		return r.dates
	}
	var out []*tree.Node
	for _, c := range r.subtree(n) {
		if c.HasValue && (c.Type == "dateTime" || c.Type == "instant" || c.Type == "date") {
			out = append(out, c)
		}
	}
	return out
}

// references are the reference elements of Reference elements that have
// a value, at or below n, in document order.
func (r *run) references(n *tree.Node) []*tree.Node {
	if n == r.root {
		r.subtree(n)
		return r.refs
	}
	var out []*tree.Node
	for _, c := range r.subtree(n) {
		if c.HasValue && c.Name == "reference" && c.Parent != nil && c.Parent.Type == "Reference" {
			out = append(out, c)
		}
	}
	return out
}

func appendSubtree(dst []*tree.Node, n *tree.Node) []*tree.Node {
	dst = append(dst, n)
	for _, c := range n.Children {
		dst = appendSubtree(dst, c)
	}
	return dst
}

// cond reads a where() condition on item x.
func (r *run) cond(c *fhirpath.Cond, x *tree.Node) (fhirpath.Truth, bool) {
	switch c.Kind {
	case fhirpath.CondImplies:
		l, ok := r.cond(c.L, x)
		if !ok {
			return fhirpath.Empty, false
		}
		if l == fhirpath.False {
			return fhirpath.True, true
		}
		rt, ok := r.cond(c.R, x)
		switch {
		case !ok:
			return fhirpath.Empty, false
		case rt == fhirpath.True:
			return fhirpath.True, true
		case l == fhirpath.True:
			return rt, true
		}
		return fhirpath.Empty, true
	case fhirpath.CondAnd, fhirpath.CondOr:
		l, ok := r.cond(c.L, x)
		if !ok {
			return fhirpath.Empty, false
		}
		// The evaluator does not read the right side once the left
		// decides.
		if c.Kind == fhirpath.CondAnd && l == fhirpath.False {
			return fhirpath.False, true
		}
		if c.Kind == fhirpath.CondOr && l == fhirpath.True {
			return fhirpath.True, true
		}
		rt, ok := r.cond(c.R, x)
		if !ok {
			return fhirpath.Empty, false
		}
		if c.Kind == fhirpath.CondAnd {
			switch {
			case rt == fhirpath.False:
				return fhirpath.False, true
			case l == fhirpath.True && rt == fhirpath.True:
				return fhirpath.True, true
			}
			return fhirpath.Empty, true
		}
		switch {
		case rt == fhirpath.True:
			return fhirpath.True, true
		case l == fhirpath.False && rt == fhirpath.False:
			return fhirpath.False, true
		}
		return fhirpath.Empty, true
	case fhirpath.CondAll:
		found, ok := r.condPath(c, x)
		if !ok {
			return fhirpath.Empty, false
		}
		defer r.putBuf(found)
		for _, y := range found {
			t, ok := r.cond(c.L, y)
			if !ok {
				return fhirpath.Empty, false
			}
			if t != fhirpath.True {
				return fhirpath.False, true
			}
		}
		return fhirpath.True, true
	case fhirpath.CondIs:
		found, ok := r.condPath(c, x)
		if !ok {
			return fhirpath.Empty, false
		}
		defer r.putBuf(found)
		switch len(found) {
		case 0:
			return fhirpath.Empty, true
		case 1:
			return truth(found[0].Type == c.Text), true
		}
		return fhirpath.Empty, false // an evaluation error
	case fhirpath.CondStartsWith:
		t, ok := nodeText(x)
		if !ok {
			return fhirpath.Empty, false
		}
		return truth(strings.HasPrefix(t, c.Text)), true
	case fhirpath.CondEquals, fhirpath.CondExists, fhirpath.CondEmpty, fhirpath.CondMatches:
		found, ok := r.condPath(c, x)
		if !ok {
			return fhirpath.Empty, false
		}
		defer r.putBuf(found)
		switch c.Kind {
		case fhirpath.CondExists:
			return truth(len(found) > 0), true
		case fhirpath.CondEmpty:
			return truth(len(found) == 0), true
		}
		switch len(found) {
		case 0:
			return fhirpath.Empty, true
		case 1:
			t, ok := nodeText(found[0])
			if !ok {
				return fhirpath.Empty, false
			}
			if c.Kind == fhirpath.CondMatches {
				return truth(c.Re.MatchString(t)), true
			}
			return truth(t == c.Text), true
		}
		if c.Kind == fhirpath.CondMatches {
			return fhirpath.Empty, false // an evaluation error
		}
		return fhirpath.False, true
	}
	return fhirpath.Empty, false
}

// condPath takes the path of c from x ($this when it has none); the
// result is a scratch slice for putBuf.
func (r *run) condPath(c *fhirpath.Cond, x *tree.Node) ([]*tree.Node, bool) {
	switch {
	case len(c.Path) == 0:
		return append(r.getBuf(), x), true
	case len(c.Path) == 1 && c.Path[0].Kind == fhirpath.StepChild:
		return treepath.AppendNamed(r.getBuf(), x, c.Path[0].Name), true
	}
	r.condIn[0] = x
	return r.takeSteps(c.Path, r.condIn[:1])
}

func truth(b bool) fhirpath.Truth {
	if b {
		return fhirpath.True
	}
	return fhirpath.False
}
