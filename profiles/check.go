package profiles

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/bridge"
	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// Extension and code-system URLs the engine reads itself.
const (
	ExtMessageEventType    = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-MessageEventType-1"
	ExtRoutingDemographics = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1"
	SystemMessageEventType = "https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1"
	SystemEventType        = "https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"
	legacyExtMessageEvent  = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-EMS-MessageEventType-1"
)

// input describes the payload being checked (bridge.Input): package
// validate fills it in from what it read.
type input = bridge.Input

// detectKind says what a payload is: an event message (a Bundle of type
// message, or any Bundle whose first entry is a MessageHeader), a
// subscription, or another resource. For an event message it also returns
// the event code (MessageHeader.event.code) and the lifecycle (the code of
// the messageEventType extension, the legacy EMS extension accepted too).
func detectKind(root *tree.Node) (kind, eventCode, lifecycle string) {
	if root == nil {
		return "", "", ""
	}
	switch root.Type {
	case "Subscription":
		return KindSubscription, "", ""
	case "Bundle":
		h := firstEntryResource(root)
		isMsg := valueOf(root.Child("type")) == "message"
		if h != nil && h.Type == "MessageHeader" {
			isMsg = true
		}
		if !isMsg {
			return KindResource, "", ""
		}
		h = findHeader(root)
		if h == nil {
			return KindEventMessage, "", ""
		}
		if ev := h.Child("event"); ev != nil {
			eventCode = valueOf(ev.Child("code"))
		}
		if c := lifecycleCoding(h); c != nil {
			lifecycle = valueOf(c.Child("code"))
		}
		return KindEventMessage, eventCode, lifecycle
	}
	return KindResource, "", ""
}

func valueOf(n *tree.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func firstEntryResource(bundle *tree.Node) *tree.Node {
	if e := bundle.Child("entry"); e != nil {
		return e.Child("resource")
	}
	return nil
}

// findHeader returns the MessageHeader of a message Bundle: the first
// entry's resource when it is one, else the first MessageHeader entry (so
// that a misplaced header is still judged, G03 reporting its place).
func findHeader(bundle *tree.Node) *tree.Node {
	if h := firstEntryResource(bundle); h != nil && h.Type == "MessageHeader" {
		return h
	}
	for _, e := range bundle.Children {
		if e.Name != "entry" {
			continue
		}
		if r := e.Child("resource"); r != nil && r.Type == "MessageHeader" {
			return r
		}
	}
	return nil
}

// lifecycleCoding returns the coding of the messageEventType extension.
func lifecycleCoding(h *tree.Node) *tree.Node {
	ext := firstExtension(h, ExtMessageEventType)
	if ext == nil {
		ext = firstExtension(h, legacyExtMessageEvent)
	}
	if ext == nil {
		return nil
	}
	if cc := ext.Child("valueCodeableConcept"); cc != nil {
		return cc.Child("coding")
	}
	return nil
}

// extensionCount returns the first two extensions of n with the given
// url and how many there are, without listing them.
func extensionCount(n *tree.Node, url string) (first, second *tree.Node, count int) {
	for _, e := range n.Children {
		if e.Name == "extension" && valueOf(e.Child("url")) == url {
			switch count {
			case 0:
				first = e
			case 1:
				second = e
			}
			count++
		}
	}
	return first, second, count
}

// firstExtension is the first extension of n with the given url.
func firstExtension(n *tree.Node, url string) *tree.Node {
	for _, e := range n.Children {
		if e.Name == "extension" && valueOf(e.Child("url")) == url {
			return e
		}
	}
	return nil
}

// run is the state of one Check call.
type run struct {
	rs      *RuleSet
	ctx     context.Context
	root    *tree.Node
	in      input
	ix      *treepath.Resolver
	header  *tree.Node
	focus   *tree.Node
	patient *tree.Node
	env     fhirpath.Env
	out     []issue.Issue

	rootOnly []*tree.Node   // the targets of a rule with no resource type
	cur      applicableRule // the rule being applied
	// unjudged remembers the rules already reported as not evaluated at
	// a node, so that a rule says it once there.
	unjudged map[unjudgedKey]bool
	// indexed says that resources, entryRes and the typed lists of the
	// scratch are filled for this payload (see index).
	indexed bool
	// urlsIndexed says that the scratch lists the root's entries by
	// fullUrl (see lookup).
	urlsIndexed bool
	// scratch is what the plans work in (see runPlan), kept from one
	// run to the next.
	*scratch
	condIn [1]*tree.Node
}

type unjudgedKey struct {
	rule string
	at   *tree.Node
}

// evalKey identifies an evaluation within one Check: the same expression
// text (numbered by RuleSet.memoize) at the same node with the same
// %resource has the same answer, as all else it sees is fixed for the run.
type evalKey struct {
	expr         int
	at, resource *tree.Node
}

type evalResult struct {
	col fhirpath.Collection
	ok  bool
	// issueType and why say why there is no result when !ok.
	issueType, why string
}

func init() {
	bridge.CheckRules = func(ctx context.Context, rules any, root *tree.Node, in bridge.Input) []issue.Issue {
		return rules.(*RuleSet).check(ctx, root, in)
	}
	bridge.DetectKind = detectKind
}

// check runs every active rule that applies to the payload and returns the
// findings, ordered by position in the source; ctx can cancel a long
// evaluation. A rule that cannot be judged on this payload (an expression
// that runs out of budget, fails or reaches an unsupported function) is
// not guessed: it gets a finding that says so (see notEvaluated). Package
// validate reaches it through bridge.CheckRules.
func (rs *RuleSet) check(ctx context.Context, root *tree.Node, in input) []issue.Issue {
	if root == nil {
		return nil
	}
	if !in.Detected {
		k, ev, lc := detectKind(root)
		if in.Kind == "" {
			in.Kind = k
		}
		if in.Event == "" {
			in.Event = ev
		}
		if in.Lifecycle == "" {
			in.Lifecycle = lc
		}
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	r := rs.start(ctx, root, in)
	defer putScratch(r.scratch)
	for _, a := range rs.applicable(in) {
		if ctx.Err() != nil {
			break
		}
		r.cur = a
		for _, target := range r.targets(a) {
			r.apply(a.Rule, target)
		}
	}
	// The findings are the caller's: copied out of the scratch.
	var out []issue.Issue
	if len(r.out) > 0 {
		out = make([]issue.Issue, 0, len(r.out))
	}
	for _, f := range r.out {
		if _, off := rs.disabled[f.Rule]; !off {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b issue.Issue) int {
		if a.Line != b.Line {
			return cmp.Compare(a.Line, b.Line)
		}
		if a.Column != b.Column {
			return cmp.Compare(a.Column, b.Column)
		}
		return strings.Compare(a.Rule, b.Rule)
	})
	return out
}

// start makes the run of one check on root, in a scratch from the pool
// that the caller gives back (putScratch(r.scratch)).
func (rs *RuleSet) start(ctx context.Context, root *tree.Node, in input) *run {
	sc := getScratch()
	sc.root[0] = root
	r := &sc.run
	*r = run{rs: rs, ctx: ctx, root: root, in: in, ix: treepath.NewResolver(root), rootOnly: sc.root[:1:1], scratch: sc, out: r.out[:0]}
	if root.Type == "Bundle" {
		r.header = findHeader(root)
		if r.header != nil {
			r.focus = r.lookupReference(r.header.Child("focus"))
		}
	}
	r.patient = r.subjectPatient()
	// The budget sized to the payload is worked out on the first
	// evaluation that needs it (see evalShared): plans need none.
	r.env = fhirpath.Env{Resolver: runResolver{r}, Vars: r.fillVars(), MaxSteps: rs.maxSteps, Now: in.Now}
	return r
}

// targets returns the resources a rule runs on.
func (r *run) targets(rule applicableRule) []*tree.Node {
	a := &rule.AppliesTo
	if a.ResourceType == "" && a.Profile == "" {
		return r.rootOnly
	}
	r.index()
	if rule.typeID >= 0 {
		return r.typed[rule.typeID]
	}
	// Profiles are rare in packs: their targets are not kept.
	var out []*tree.Node
	for _, n := range r.resources {
		if a.ResourceType != "" && n.Type != a.ResourceType {
			continue
		}
		if a.Profile != "" && !hasProfile(n, a.Profile) {
			continue
		}
		out = append(out, n)
	}
	return out
}

// index lists, once a run, the resources rules run on (the root and, in
// a Bundle, each entry's resource) and entry.resource of the root, each
// also by the resource types the rule set names (RuleSet.typeIDs), so
// that a rule or path finds its resources without a search or a map of
// its own.
func (r *run) index() {
	if r.indexed {
		return
	}
	r.indexed = true
	s := r.scratch
	n := len(r.rs.typeNames)
	if cap(s.typed) < n {
		s.typed = make([][]*tree.Node, n)
		s.entryTyped = make([][]*tree.Node, n)
	}
	s.typed, s.entryTyped = s.typed[:n], s.entryTyped[:n]
	for i := range n {
		s.typed[i], s.entryTyped[i] = s.typed[i][:0], s.entryTyped[i][:0]
	}
	s.resources = append(s.resources[:0], r.root)
	if r.root.Type == "Bundle" {
		for _, c := range r.root.Children {
			if c.Name == "entry" {
				if res := c.Child("resource"); res != nil {
					s.resources = append(s.resources, res)
				}
			}
		}
	}
	for _, n := range s.resources {
		if id, ok := r.rs.typeIDs[n.Type]; ok {
			s.typed[id] = append(s.typed[id], n)
		}
	}
	// entry.resource as FHIRPath navigates it, which for a Bundle comes to
	// the same resources.
	entries := treepath.AppendNamed(r.getBuf(), r.root, "entry")
	s.entryRes = s.entryRes[:0]
	for _, e := range entries {
		s.entryRes = treepath.AppendNamed(s.entryRes, e, "resource")
	}
	r.putBuf(entries)
	for _, n := range s.entryRes {
		if id, ok := r.rs.typeIDs[n.Type]; ok {
			s.entryTyped[id] = append(s.entryTyped[id], n)
		}
	}
}

func hasProfile(n *tree.Node, url string) bool {
	if m := n.Child("meta"); m != nil {
		for _, p := range m.ChildrenNamed("profile") {
			if p.Value == url {
				return true
			}
		}
	}
	return false
}

// eval evaluates an expression of rule at a node; ok is false when the
// evaluation gave no result, which is then reported as a finding of the
// rule (notEvaluated).
func (r *run) eval(rule *Rule, e *fhirpath.Expression, at, resource *tree.Node) (fhirpath.Collection, bool) {
	m := r.evalShared(e, at, resource)
	if !m.ok {
		r.notEvaluated(rule, at, m)
	}
	return m.col, m.ok
}

func (r *run) evalShared(e *fhirpath.Expression, at, resource *tree.Node) evalResult {
	if p := e.Plan(); p != nil && r.rs.maxSteps <= 0 && !r.rs.noPlans {
		// A plan that filters or resolves, shared by several rules, is
		// taken once a node.
		k := evalKey{r.memoID(e), at, resource}
		if k.expr != 0 && !p.Simple() && r.rs.comparePlans == nil {
			if m, ok := r.memo[k]; ok {
				return m
			}
		}
		if col, ok := r.runPlan(p, at); ok {
			if r.rs.comparePlans != nil {
				m := r.evalWith(e, at, resource)
				r.rs.comparePlans(e, at, col, m.col, m.ok)
			}
			m := evalResult{col: col, ok: true}
			if k.expr != 0 && !p.Simple() {
				r.remember(k, m)
			}
			return m
		}
	}
	return r.evalWith(e, at, resource)
}

// memoID is RuleSet.memoize's number for e, read from the rule being
// applied: only the expressions of rules are numbered.
func (r *run) memoID(e *fhirpath.Expression) int {
	if r.cur.Rule == nil {
		return 0
	}
	switch e {
	case r.cur.ctxExpr:
		return r.cur.memo[0]
	case r.cur.pathExpr:
		return r.cur.memo[1]
	case r.cur.expr:
		return r.cur.memo[2]
	}
	return 0
}

func (r *run) remember(k evalKey, m evalResult) {
	if r.memo == nil {
		r.memo = make(map[evalKey]evalResult, 16)
	}
	r.memo[k] = m
}

// evalWith evaluates e with the evaluator, or takes its answer from the
// memo when other rules share its text.
func (r *run) evalWith(e *fhirpath.Expression, at, resource *tree.Node) evalResult {
	k := evalKey{r.memoID(e), at, resource}
	if k.expr != 0 {
		if m, ok := r.memo[k]; ok {
			return m
		}
	}
	if r.env.MaxSteps <= 0 {
		r.env.MaxSteps = treepath.BudgetFor(len(r.subtree(r.root)))
	}
	r.env.Resource = treepath.Of(resource)
	res, err := e.Evaluate(r.ctx, treepath.Of(at), &r.env)
	m := evalResult{col: res.Collection, ok: err == nil && len(res.Unsupported) == 0}
	if !m.ok {
		m.col = nil
		m.issueType, m.why = fhirpath.NoVerdict(r.env.MaxSteps, fhirpath.Verdict{Unsupported: res.Unsupported, Steps: res.Steps}, err)
	}
	if k.expr != 0 {
		r.remember(k, m)
	}
	return m
}

// notEvaluated reports that rule could not be judged at n. An error rule
// that cannot be judged is an error, so that the payload is not passed
// unjudged; a rule of lesser severity gives a warning.
func (r *run) notEvaluated(rule *Rule, n *tree.Node, m evalResult) {
	k := unjudgedKey{rule.ID, n}
	if r.unjudged[k] {
		return
	}
	if r.unjudged == nil {
		r.unjudged = map[unjudgedKey]bool{}
	}
	r.unjudged[k] = true
	sev := issue.SeverityWarning
	if rule.Severity.IsError() {
		sev = issue.SeverityError
	}
	msg := "rule " + rule.ID + " was not evaluated: " + m.why + "; the payload is not known to meet it"
	if rule.Summary != "" {
		msg += " (" + rule.Summary + ")"
	}
	f := issue.Issue{Rule: rule.ID, Severity: sev, Code: m.issueType, Spine: issue.SpineInvalidResource, Message: msg}
	r.out = append(r.out, tree.IssueAt(f, n))
}

// apply runs a rule on one target resource.
func (r *run) apply(rule *Rule, target *tree.Node) {
	if rule.ctxExpr == nil {
		r.checkAt(rule, target, target)
		return
	}
	if nodes, ok := r.simplePath(rule.ctxExpr, target); ok {
		for _, n := range nodes { // a scratch slice no one else has meanwhile
			r.checkAt(rule, n, target)
		}
		r.putBuf(nodes)
		return
	}
	col, ok := r.eval(rule, rule.ctxExpr, target, target)
	if !ok {
		return
	}
	for _, it := range col { // never rewritten, though checkAt evaluates more
		if n := treepath.TreeNode(it); n != nil {
			r.checkAt(rule, n, target)
		}
	}
}

// simplePath takes e from at when it is a plan of steps whose answer is
// not shared with other rules (see evalShared) and every plan may be
// taken directly, with the nodes it finds in a scratch slice for putBuf;
// ok is false when e must go through eval.
func (r *run) simplePath(e *fhirpath.Expression, at *tree.Node) ([]*tree.Node, bool) {
	p := e.Plan()
	if p == nil || p.Test != nil || p.Union != nil || p.Exists || p.Empty || r.rs.maxSteps > 0 || r.rs.noPlans || r.rs.comparePlans != nil {
		return nil, false
	}
	if !p.Simple() && r.memoID(e) != 0 {
		return nil, false
	}
	return r.path(p, at)
}

// checkNodes is checkAt's check for a path that found the elements
// nodes, without making them a collection.
func (r *run) checkNodes(rule *Rule, at *tree.Node, nodes []*tree.Node) {
	ch := &rule.Check
	switch ch.Type {
	case CheckCardinality:
		n := len(nodes)
		min := 0
		if ch.Min != nil {
			min = *ch.Min
		}
		switch {
		case n < min:
			r.report(rule, at, strconv.Itoa(n), ch.expected(min), n)
		case ch.max >= 0 && n > ch.max:
			r.report(rule, nodes[ch.max], strconv.Itoa(n), ch.expected(min), n)
		}
	case CheckFixed:
		for _, n := range nodes {
			if n.Value != ch.Value {
				r.report(rule, n, quote(n.Value), quote(ch.Value), len(nodes))
			}
		}
	case CheckPattern:
		for _, n := range nodes {
			if !rule.re.MatchString(n.Value) {
				r.report(rule, n, quote(n.Value), "/"+ch.Regex+"/", len(nodes))
			}
		}
	case CheckCode:
		for _, n := range nodes {
			if found, ok := codeMatchesNode(n, ch); !ok {
				r.report(rule, n, found, codeExpected(ch), len(nodes))
			}
		}
	case CheckBuiltin:
		rule.builtin.run(r, rule, at, nodes)
	}
}

// expected is the range of a cardinality check, for a finding.
func (ch *Check) expected(min int) string {
	if ch.Max == "" {
		return strconv.Itoa(min) + "..*"
	}
	return strconv.Itoa(min) + ".." + ch.Max
}

func (r *run) checkAt(rule *Rule, at, target *tree.Node) {
	ch := &rule.Check
	if rule.pathExpr != nil && ch.Type != CheckExpression {
		if nodes, ok := r.simplePath(rule.pathExpr, at); ok {
			r.checkNodes(rule, at, nodes)
			r.putBuf(nodes)
			return
		}
	}
	var items fhirpath.Collection
	if rule.pathExpr != nil {
		col, ok := r.eval(rule, rule.pathExpr, at, target)
		if !ok {
			return
		}
		items = col
	}
	switch ch.Type {
	case CheckCardinality:
		n := len(items)
		min := 0
		if ch.Min != nil {
			min = *ch.Min
		}
		// The expected range is spelled out only for a finding.
		exp := func() string {
			if ch.Max == "" {
				return strconv.Itoa(min) + "..*"
			}
			return strconv.Itoa(min) + ".." + ch.Max
		}
		switch {
		case n < min:
			r.report(rule, at, strconv.Itoa(n), exp(), n)
		case ch.max >= 0 && n > ch.max:
			where := treepath.TreeNode(items[ch.max])
			if where == nil {
				where = at
			}
			r.report(rule, where, strconv.Itoa(n), exp(), n)
		}
	case CheckFixed:
		for _, it := range items {
			if v := itemText(it); v != ch.Value {
				r.report(rule, nodeOr(it, at), quote(v), quote(ch.Value), len(items))
			}
		}
	case CheckPattern:
		for _, it := range items {
			if v := itemText(it); !rule.re.MatchString(v) {
				r.report(rule, nodeOr(it, at), quote(v), "/"+ch.Regex+"/", len(items))
			}
		}
	case CheckCode:
		for _, it := range items {
			if found, ok := codeMatches(it, ch); !ok {
				r.report(rule, nodeOr(it, at), found, codeExpected(ch), len(items))
			}
		}
	case CheckExpression:
		col, ok := r.eval(rule, rule.expr, at, target)
		if !ok {
			return
		}
		t := col.Truth()
		if t == fhirpath.False || (t == fhirpath.Empty && ch.EmptyFails) {
			r.report(rule, at, t.String(), "true", 0)
		}
	case CheckBuiltin:
		// Built-ins read the nodes and keep none, so one buffer serves all.
		nodes := r.nodeBuf[:0]
		for _, it := range items {
			if n := treepath.TreeNode(it); n != nil {
				nodes = append(nodes, n)
			}
		}
		r.nodeBuf = nodes
		rule.builtin.run(r, rule, at, nodes)
	}
}

func nodeOr(it fhirpath.Item, def *tree.Node) *tree.Node {
	if n := treepath.TreeNode(it); n != nil {
		return n
	}
	return def
}

func quote(s string) string { return strconv.Quote(s) }

// itemText is the text of an item: a primitive's value as written, or a
// computed value rendered.
func itemText(it fhirpath.Item) string {
	if n := treepath.TreeNode(it); n != nil {
		return n.Value
	}
	if v, ok := it.Value(); ok {
		return v.String()
	}
	return ""
}

// codeMatches checks a code, Coding or CodeableConcept item against the
// codes (and system) of a check; when it does not match, it returns what
// was found.
func codeMatches(it fhirpath.Item, ch *Check) (string, bool) {
	n := treepath.TreeNode(it)
	if n == nil {
		v := itemText(it)
		if ch.hasCode(v) {
			return "", true
		}
		return quote(v), false
	}
	return codeMatchesNode(n, ch)
}

// codeMatchesNode is codeMatches of an element.
func codeMatchesNode(n *tree.Node, ch *Check) (string, bool) {
	if n.Primitive != nil || n.HasValue {
		if ch.hasCode(n.Value) {
			return "", true
		}
		return quote(n.Value), false
	}
	if n.Type != "CodeableConcept" {
		if codingMatches(n, ch) {
			return "", true
		}
		return codingFound(n, ch), false
	}
	for _, c := range n.Children {
		if c.Name == "coding" && codingMatches(c, ch) {
			return "", true
		}
	}
	var founds []string
	for _, c := range n.Children {
		if c.Name == "coding" {
			founds = append(founds, codingFound(c, ch))
		}
	}
	if len(founds) == 0 {
		return "no coding", false
	}
	return strings.Join(founds, ", "), false
}

func (ch *Check) hasCode(code string) bool {
	for _, c := range ch.Codes {
		if c == code {
			return true
		}
	}
	return false
}

// codingMatches reports whether a Coding carries one of the check's
// codes, in its system when it names one.
func codingMatches(c *tree.Node, ch *Check) bool {
	return ch.hasCode(valueOf(c.Child("code"))) && (ch.System == "" || valueOf(c.Child("system")) == ch.System)
}

// codingFound is how a finding shows a Coding that does not match.
func codingFound(c *tree.Node, ch *Check) string {
	sys, code := valueOf(c.Child("system")), valueOf(c.Child("code"))
	if sys != "" || ch.System != "" {
		return sys + "|" + code
	}
	return quote(code)
}

func codeExpected(ch *Check) string {
	s := "one of " + strings.Join(ch.Codes, ", ")
	if ch.System != "" {
		s += " in " + ch.System
	}
	return s
}

// report adds a finding of rule at n with the message's placeholders
// filled in.
func (r *run) report(rule *Rule, n *tree.Node, found, expected string, count int) {
	path := n.Path()
	msg := expandMessage(rule.Message, func(name string) (string, bool) {
		switch name {
		case "found":
			return found, true
		case "expected":
			return expected, true
		case "count":
			return strconv.Itoa(count), true
		case "path":
			return path, true
		case "event":
			return r.in.Event, true
		case "lifecycle":
			return r.in.Lifecycle, true
		}
		return "", false
	})
	r.addFinding(rule, n, path, msg)
}

// addFinding records a finding at n, whose path the caller has made.
func (r *run) addFinding(rule *Rule, n *tree.Node, path, msg string) {
	r.out = append(r.out, finding(rule, n, path, msg))
}

// expandMessage replaces {name} placeholders with what value says; those
// it does not know stay as written.
func expandMessage(msg string, value func(name string) (string, bool)) string {
	if !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(msg[:i])
		if v, ok := value(msg[i+1 : i+j]); ok {
			b.WriteString(v)
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
	b.WriteString(msg)
	return b.String()
}
