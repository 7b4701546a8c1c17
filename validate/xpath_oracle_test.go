package validate_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/antchfx/xmlquery"
	"github.com/antchfx/xpath"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
)

// The XPath oracle: every STU3 constraint carries an XPath 1.0 form beside
// its FHIRPath expression. TestXPathOracle evaluates the XPath with
// xmlquery, an engine that shares nothing with nemsfhir, on the XML of the
// official examples and of their mutants, at every element the constraint
// applies to, and compares each verdict with the one the FHIRPath phase of
// the validator gives there.

// xpathNamespaces are the prefixes the STU3 XPaths use.
var xpathNamespaces = map[string]string{
	"f": tree.FHIRNamespace,
	"h": tree.XHTMLNamespace,
}

const xpathExceptionsFile = "testdata/xpath-oracle-exceptions.txt"

// The kinds of disagreement between the two forms of a constraint.
const (
	// The XPath does not compile in xmlquery (XPath 2 syntax, a function
	// XPath 1.0 lacks).
	kindXPathUnsupported = "xpath-unsupported"
	// The XPath failed while being evaluated.
	kindXPathError = "xpath-error"
	// The XPath is false where the FHIRPath phase passes the element.
	kindXPathFails = "xpath-fails"
	// The FHIRPath phase fails the element where the XPath is true.
	kindFHIRPathFails = "fhirpath-fails"
	// The constraint applies to the element, the XPath is false, and the
	// FHIRPath phase did not evaluate the constraint there at all.
	kindMissed = "missed"
	// The FHIRPath phase gave no verdict (budget, error, unsupported
	// function): Validate reports that as an error of its own.
	kindNoVerdict = "no-verdict"
)

var xpathKinds = []string{kindXPathUnsupported, kindXPathError, kindXPathFails, kindFHIRPathFails, kindMissed, kindNoVerdict}

// xpathException is one listed disagreement: every disagreement of the
// kind on the constraint is expected, for the reason given.
type xpathException struct {
	key, kind, reason string
	line              int
}

func readXPathExceptions(t *testing.T) map[[2]string]*xpathException {
	t.Helper()
	f, err := os.Open(xpathExceptionsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[[2]string]*xpathException{}
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 || parts[2] == "" {
			t.Fatalf("%s:%d: want key, TAB, kind, TAB, reason; got %q", xpathExceptionsFile, ln, line)
		}
		known := false
		for _, k := range xpathKinds {
			known = known || k == parts[1]
		}
		if !known {
			t.Fatalf("%s:%d: unknown kind %q (want one of %s)", xpathExceptionsFile, ln, parts[1], strings.Join(xpathKinds, ", "))
		}
		id := [2]string{parts[0], parts[1]}
		if out[id] != nil {
			t.Fatalf("%s:%d: %s %s is listed twice", xpathExceptionsFile, ln, parts[0], parts[1])
		}
		out[id] = &xpathException{key: parts[0], kind: parts[1], reason: parts[2], line: ln}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", xpathExceptionsFile, err)
	}
	return out
}

// reasonClass is the part of a reason before its first colon ("nemsfhir
// bug", "XPath wrong for STU3", ...), by which the counts are reported.
func reasonClass(reason string) string {
	if i := strings.Index(reason, ":"); i > 0 {
		return reason[:i]
	}
	return reason
}

// compiledXPath is a constraint's XPath as xmlquery compiled it.
type compiledXPath struct {
	expr *xpath.Expr
	err  error
}

// oracle holds what the comparison found so far.
type oracle struct {
	m        *schemas.Model
	v        *validate.Validator       // for the constraints checked in Go
	compiled map[string]*compiledXPath // by XPath text
	// counts
	docs, pairs, agree int
	// violated counts, per constraint, the agreements that the element
	// breaks it.
	violated map[string]int
	// notEvaluatedAgree counts, per constraint, the elements where the
	// FHIRPath phase did not evaluate an applicable constraint and the
	// XPath holds, so that the outcome is the same.
	notEvaluatedAgree map[string]int
	byKind            map[[2]string]int // (key, kind) -> disagreements
	examples          map[[2]string][]string
}

func newOracle(t testing.TB, m *schemas.Model) *oracle {
	return &oracle{m: m, v: validator(t), compiled: map[string]*compiledXPath{}, notEvaluatedAgree: map[string]int{}, violated: map[string]int{}, byKind: map[[2]string]int{}, examples: map[[2]string][]string{}}
}

func (o *oracle) compile(x string) *compiledXPath {
	if c, ok := o.compiled[x]; ok {
		return c
	}
	c := &compiledXPath{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				c.err = fmt.Errorf("xpath compiler panicked: %v", r)
			}
		}()
		c.expr, c.err = xpath.CompileWithNS(xpath10(x), xpathNamespaces)
	}()
	o.compiled[x] = c
	return c
}

// xpath10 rewrites two things the STU3 XPaths use and xmlquery lacks into
// their XPath 1.0 equivalents. The XPath 2 function exists(), in most of
// them, becomes boolean(): every STU3 use passes it a node-set, and for a
// node-set both are true exactly when it is not empty. The name test f:*
// (any element in the FHIR namespace), which xmlquery v1.5.2 matches to
// nothing, becomes *[namespace-uri()='http://hl7.org/fhir']. Text inside
// string literals is left alone.
func xpath10(x string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(x); i++ {
		ch := x[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case strings.HasPrefix(x[i:], "exists(") && (i == 0 || !isNameChar(x[i-1])):
			b.WriteString("boolean(")
			i += len("exists(") - 1
			continue
		case strings.HasPrefix(x[i:], "f:*") && (i == 0 || !isNameChar(x[i-1]) || x[i-1] == ':' || x[i-1] == '/'):
			b.WriteString("*[namespace-uri()='" + tree.FHIRNamespace + "']")
			i += len("f:*") - 1
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

func isNameChar(c byte) bool {
	return c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// disagree records one disagreement, keeping a few places for the report.
func (o *oracle) disagree(cid, kind, where string) {
	id := [2]string{cid, kind}
	o.byKind[id]++
	if len(o.examples[id]) < 3 {
		o.examples[id] = append(o.examples[id], where)
	}
}

// constraintID names a constraint by the type that declares it and its key
// ("Task/inv-1"): a few keys are used by more than one resource.
func constraintID(owner *schemas.Type, c *schemas.Constraint) string {
	if c.Source != "" {
		return path.Base(c.Source) + "/" + c.Key
	}
	return owner.Name + "/" + c.Key
}

type scopedConstraint struct {
	c  *schemas.Constraint
	id string
}

// applicable lists the constraints that apply to n, worked out from the
// model without the validator's own lookup: those of its definition, those
// of the root of its type and, for an element defined by contentReference
// that states no rule of its own but ele-1, those of the element it refers
// to (where the package restates them, as for TestScript.test.action under
// other keys, the restatements stand alone). Each key counts once.
func applicable(m *schemas.Model, n *tree.Node) []scopedConstraint {
	var out []scopedConstraint
	seen := map[string]bool{}
	add := func(e *schemas.Element) {
		if e == nil {
			return
		}
		for _, c := range e.Constraints() {
			if !seen[c.Key] {
				seen[c.Key] = true
				out = append(out, scopedConstraint{c, constraintID(e.Owner, c)})
			}
		}
	}
	if n.Elem != nil {
		add(n.Elem)
		if ref := n.Elem.ContentReference; ref != "" && (len(out) == 0 || len(out) == 1 && out[0].c.Key == "ele-1") {
			add(n.Elem.Owner.Element(strings.TrimPrefix(ref, "#")))
		}
	}
	if t := m.Type(n.Type); t != nil {
		add(t.Root())
	}
	return out
}

// pairXML finds the XML element of every tree node but attributes: the
// resource element itself (not its <contained> or <resource> wrapper) for
// a resource. Children are matched by name in order, so an unknown element
// the tree left out, or one the tree put back in definition order, does
// not shift the others.
func pairXML(n *tree.Node, x *xmlquery.Node, out map[*tree.Node]*xmlquery.Node) error {
	if n.Resource && n.Parent != nil {
		inner := firstElement(x)
		if inner == nil || inner.Data != n.Type {
			return fmt.Errorf("%s: no <%s> inside <%s>", n.Path(), n.Type, x.Data)
		}
		x = inner
	}
	if x.Data != n.Type && x.Data != n.Name {
		return fmt.Errorf("%s: paired with <%s>", n.Path(), x.Data)
	}
	out[n] = x
	if n.Type == "xhtml" {
		return nil // the div's content is the node's value
	}
	queue := map[string][]*xmlquery.Node{}
	for c := x.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xmlquery.ElementNode {
			queue[c.Data] = append(queue[c.Data], c)
		}
	}
	for _, c := range n.Children {
		if c.IsAttr() {
			continue
		}
		q := queue[c.Name]
		if len(q) == 0 {
			return fmt.Errorf("%s: no XML element <%s> left in <%s>", c.Path(), c.Name, x.Data)
		}
		queue[c.Name] = q[1:]
		if err := pairXML(c, q[0], out); err != nil {
			return err
		}
	}
	return nil
}

func firstElement(x *xmlquery.Node) *xmlquery.Node {
	for c := x.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xmlquery.ElementNode {
			return c
		}
	}
	return nil
}

// navigatorAt is a navigator on the whole document positioned at x, so
// that "/" and the ancestor axes see the document, not a subtree rooted at
// the context element.
func navigatorAt(doc, x *xmlquery.Node) *xmlquery.NodeNavigator {
	var chain []*xmlquery.Node
	for p := x; p != nil && p != doc; p = p.Parent {
		chain = append(chain, p)
	}
	nav := xmlquery.CreateXPathNavigator(doc)
	for i := len(chain) - 1; i >= 0; i-- {
		if !nav.MoveToChild() {
			return nil
		}
		for nav.Current() != chain[i] {
			if !nav.MoveToNext() {
				return nil
			}
		}
	}
	return nav
}

// truthOf reads an XPath result as boolean() does.
func truthOf(v interface{}) (bool, error) {
	switch r := v.(type) {
	case bool:
		return r, nil
	case float64:
		return r != 0 && r == r, nil
	case string:
		return r != "", nil
	case *xpath.NodeIterator:
		return r.MoveNext(), nil
	}
	return false, fmt.Errorf("result of type %T", v)
}

// evaluate runs a compiled XPath at x.
func evaluate(expr *xpath.Expr, doc, x *xmlquery.Node) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("xpath evaluation panicked: %v", r)
		}
	}()
	nav := navigatorAt(doc, x)
	if nav == nil {
		return false, fmt.Errorf("cannot reach <%s> from the document root", x.Data)
	}
	return truthOf(expr.Evaluate(nav))
}

type verdict struct {
	truth     fhirpath.Truth
	noVerdict bool
}

type nodeKey struct {
	n   *tree.Node
	key string
}

// compare runs both forms of every constraint over one document. It
// returns an error when the document cannot be paired with its XML.
func (o *oracle) compare(name string, src []byte) error { return o.compareWith(name, src, true) }

// compareWith is compare; natives says whether to compare the constraints
// checked in Go too, which costs a whole Validate.
func (o *oracle) compareWith(name string, src []byte, natives bool) error {
	doc, err := tree.ParseXML(src, o.m)
	if err != nil || doc.Root == nil {
		return errSkip
	}
	xdoc, err := xmlquery.Parse(bytes.NewReader(src))
	if err != nil {
		return fmt.Errorf("xmlquery cannot parse what nemsfhir read: %v", err)
	}
	top := firstElement(xdoc)
	if top == nil {
		return fmt.Errorf("xmlquery found no root element")
	}
	xmlOf := map[*tree.Node]*xmlquery.Node{}
	if err := pairXML(doc.Root, top, xmlOf); err != nil {
		return err
	}
	fp := map[nodeKey]verdict{}
	validate.EachConstraintVerdict(doc.Root, func(n *tree.Node, c *schemas.Constraint, truth fhirpath.Truth, noVerdict *validate.Issue) {
		fp[nodeKey{n, c.Key}] = verdict{truth, noVerdict != nil}
	})
	var issues map[string]bool
	nativeIssues := func() map[string]bool {
		if issues == nil {
			issues = map[string]bool{}
			for _, is := range o.v.Validate(name, src).Issues {
				if key, ok := strings.CutPrefix(is.Rule, "fhir:invariant:"); ok {
					issues[key+"\x00"+is.Path] = true
				}
			}
		}
		return issues
	}
	o.docs++
	doc.Root.Walk(func(n *tree.Node) bool {
		x := xmlOf[n]
		if x == nil {
			return true // an attribute: its constraints are ele-1 alone
		}
		for _, sc := range applicable(o.m, n) {
			c, id := sc.c, sc.id
			if _, native := validate.NativeInvariant(c.Key); c.XPath == "" || native && !natives {
				continue
			}
			cx := o.compile(c.XPath)
			if cx.err != nil {
				continue // counted once per constraint, not per element
			}
			where := fmt.Sprintf("%s %s line %d", name, n.Path(), n.Line)
			xok, err := evaluate(cx.expr, xdoc, x)
			if err != nil {
				o.disagree(id, kindXPathError, where+": "+err.Error())
				continue
			}
			o.pairs++
			v, evaluated := fp[nodeKey{n, c.Key}]
			if _, native := validate.NativeInvariant(c.Key); native {
				// Checked in Go: the verdict is whether Validate reports
				// the rule at the element.
				v, evaluated = verdict{truth: fhirpath.True}, true
				if nativeIssues()[c.Key+"\x00"+n.Path()] {
					v.truth = fhirpath.False
				}
			}
			switch {
			case !evaluated && !xok:
				o.disagree(id, kindMissed, where)
			case !evaluated:
				o.notEvaluatedAgree[id]++
			case v.noVerdict:
				o.disagree(id, kindNoVerdict, where)
			case xok == (v.truth != fhirpath.False):
				o.agree++
				if !xok {
					o.violated[id]++
				}
			case xok:
				o.disagree(id, kindFHIRPathFails, where)
			default:
				o.disagree(id, kindXPathFails, where+" (FHIRPath "+v.truth.String()+")")
			}
		}
		return true
	})
	return nil
}

// dropPerPlace bounds the drop-child mutants made, over all the files, for
// one child of one element definition.
const dropPerPlace = 2

// dropMutants makes the oracle's own mutants of an example: for an element
// that carries a constraint both engines can evaluate, the example with one
// of its children removed, which is what most constraints are about (this
// only when that, that not without the other). Only children written on a
// line of their own are removed, so the XML stays well formed. made counts
// what was made per definition and child, across files.
func (o *oracle) dropMutants(src []byte, root *tree.Node, made map[string]int) []mutant {
	lines := strings.Split(string(src), "\n")
	var out []mutant
	root.Walk(func(n *tree.Node) bool {
		if n.Elem == nil || !o.hasEvaluable(n) {
			return true
		}
		for _, c := range n.Children {
			if c.IsAttr() || c.Resource || c.Line < 1 || c.Line > len(lines) {
				continue
			}
			l := strings.TrimSpace(lines[c.Line-1])
			if !strings.HasPrefix(l, "<"+c.Name+" ") || !strings.HasSuffix(l, "/>") || strings.Count(l, "<") != 1 {
				continue
			}
			place := n.Elem.Path + "/" + n.Type + "/" + c.Name
			if made[place] >= dropPerPlace {
				continue
			}
			made[place]++
			cp := append(append([]string(nil), lines[:c.Line-1]...), lines[c.Line:]...)
			out = append(out, mutant{op: "drop " + c.Name, src: []byte(strings.Join(cp, "\n"))})
		}
		return true
	})
	return out
}

// hasEvaluable reports whether a constraint applies to n that is evaluated
// through FHIRPath and that xmlquery can evaluate.
func (o *oracle) hasEvaluable(n *tree.Node) bool {
	for _, sc := range applicable(o.m, n) {
		if _, native := validate.NativeInvariant(sc.c.Key); native || sc.c.XPath == "" {
			continue
		}
		if o.compile(sc.c.XPath).err == nil {
			return true
		}
	}
	return false
}

var errSkip = fmt.Errorf("not read by nemsfhir")

// TestXPathOracle compares the XPath and FHIRPath forms of every STU3
// constraint on the official XML examples, the NEMS examples, the mutants
// TestMutantsAreCaught makes of them and mutants of its own that remove one
// child of a constrained element (the examples are valid, so without those
// few constraints would ever be seen broken). Every disagreement must be
// listed, with its reason, in testdata/xpath-oracle-exceptions.txt, and
// every listed one must occur. -short compares the mutants of one example
// in eight only, and then does not look for stale entries.
func TestXPathOracle(t *testing.T) {
	files := sharedtest.Glob(t, "fhir/stu3/examples/xml/*.xml")
	nems := sharedtest.Optional("corpus/nems-examples/*.xml")
	files = append(files, nems...)
	m := schemas.STU3()
	exceptions := readXPathExceptions(t)
	o := newOracle(t, m)

	// The constraints that carry an XPath, each where it is declared.
	declared := map[string]*schemas.Constraint{}
	all := map[string]bool{}
	for _, name := range m.TypeNames() {
		typ := m.Type(name)
		for _, c := range typ.Constraints {
			id := constraintID(typ, c)
			all[id] = true
			if prev, ok := declared[id]; ok {
				if prev.XPath != c.XPath {
					t.Errorf("constraint %s is declared twice with different XPaths: %q and %q", id, prev.XPath, c.XPath)
				}
				continue
			}
			if c.XPath != "" {
				declared[id] = c
			}
		}
	}
	total := len(all)
	ids := make([]string, 0, len(declared))
	for id := range declared {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	evaluable, native := 0, 0
	for _, id := range ids {
		c := declared[id]
		if _, ok := validate.NativeInvariant(c.Key); ok {
			native++
		}
		if cx := o.compile(c.XPath); cx.err != nil {
			o.disagree(id, kindXPathUnsupported, cx.err.Error())
			continue
		}
		evaluable++
	}

	mutantsOf, dropMade := 0, 0
	dropped := map[string]int{}
	for i, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(f)
		err = o.compare(base, src)
		if err == errSkip {
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if testing.Short() && i%8 != 0 {
			continue
		}
		doc, err := tree.ParseXML(src, m)
		if err != nil || doc.Root == nil {
			continue
		}
		mutantsOf++
		for _, mu := range mutate(src, doc.Root) {
			err := o.compare(base+" ("+mu.op+" mutant)", mu.src)
			if err != nil && err != errSkip {
				t.Errorf("%s, %s mutant: %v", f, mu.op, err)
			}
		}
		for _, mu := range o.dropMutants(src, doc.Root, dropped) {
			dropMade++
			err := o.compareWith(base+" ("+mu.op+" mutant)", mu.src, false)
			if err != nil && err != errSkip {
				t.Errorf("%s, %s mutant: %v", f, mu.op, err)
			}
		}
	}

	// Every disagreement listed, every listed one seen.
	seen := map[[2]string]bool{}
	var found [][2]string
	for id := range o.byKind {
		found = append(found, id)
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i][0] != found[j][0] {
			return found[i][0] < found[j][0]
		}
		return found[i][1] < found[j][1]
	})
	listedPairs, byReason, unsupported := 0, map[string]int{}, map[string]int{}
	for _, id := range found {
		n := o.byKind[id]
		if ex := exceptions[id]; ex != nil {
			seen[id] = true
			if id[1] == kindXPathUnsupported {
				unsupported[reasonClass(ex.reason)]++
			} else {
				byReason[reasonClass(ex.reason)] += n
				listedPairs += n
			}
			continue
		}
		c := declared[id[0]]
		var expr, xp string
		if c != nil {
			expr, xp = c.Expression, c.XPath
		}
		t.Errorf("%s %s: %d unlisted disagreement(s), e.g. %s\n  FHIRPath: %s\n  XPath:    %s",
			id[0], id[1], n, strings.Join(o.examples[id], "; "), expr, xp)
	}
	if !testing.Short() {
		for id, ex := range exceptions {
			if !seen[id] {
				t.Errorf("%s:%d: %s %s is listed but did not occur (stale entry)", xpathExceptionsFile, ex.line, id[0], id[1])
			}
		}
	}

	t.Logf("%d constraints, %d with an XPath (%d of them checked in Go, compared through the issues Validate reports), %d evaluable by xmlquery",
		total, len(declared), native, evaluable)
	notEval, notEvalIDs := 0, []string{}
	for id, n := range o.notEvaluatedAgree {
		notEval += n
		notEvalIDs = append(notEvalIDs, fmt.Sprintf("%s %d", id, n))
	}
	sort.Strings(notEvalIDs)
	t.Logf("%d drop-child mutants", dropMade)
	t.Logf("%d documents (%d files, mutants of %d), %d (constraint, element) pairs compared: %d agree, %d agree where the FHIRPath phase did not evaluate the constraint, %d listed disagreements",
		o.docs, len(files), mutantsOf, o.pairs, o.agree, notEval, listedPairs)
	var breached []string
	for id, n := range o.violated {
		breached = append(breached, fmt.Sprintf("%s %d", id, n))
	}
	sort.Strings(breached)
	t.Logf("breaches both forms find: %s", strings.Join(breached, ", "))
	t.Logf("applicable but not evaluated by the FHIRPath phase, where the XPath holds: %s", strings.Join(notEvalIDs, ", "))
	t.Logf("listed disagreements by reason: %s", countsByClass(byReason))
	t.Logf("constraints xmlquery cannot compile, by reason: %s", countsByClass(unsupported))
	if o.pairs == 0 {
		t.Error("no (constraint, element) pair was compared")
	}
}

func countsByClass(m map[string]int) string {
	var out []string
	for r, n := range m {
		out = append(out, fmt.Sprintf("%s: %d", r, n))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// TestXPathOracleOwnPayload runs the oracle, without the reference data, on
// a Patient of our own that breaks pat-1 in one contact and ext-1 in one
// extension, and holds a contained Practitioner: both forms must see the
// two breaches, and agree everywhere else.
func TestXPathOracleOwnPayload(t *testing.T) {
	src := []byte(`<Patient xmlns="http://hl7.org/fhir">
  <id value="p1"/>
  <contained>
    <Practitioner><id value="pr1"/><name><family value="Jones"/></name></Practitioner>
  </contained>
  <extension url="http://example.org/fhir/a">
    <extension url="http://example.org/fhir/b"><valueString value="b"/></extension>
    <valueString value="a"/>
  </extension>
  <contact><gender value="male"/></contact>
  <contact><name><family value="Doe"/></name></contact>
  <generalPractitioner><reference value="#pr1"/></generalPractitioner>
</Patient>`)
	o := newOracle(t, schemas.STU3())
	if err := o.compare("own", src); err != nil {
		t.Fatal(err)
	}
	for id, n := range o.byKind {
		t.Errorf("%s %s: %d disagreement(s), e.g. %s", id[0], id[1], n, strings.Join(o.examples[id], "; "))
	}
	for _, id := range []string{"Patient/pat-1", "Extension/ext-1"} {
		if o.violated[id] != 1 {
			t.Errorf("%s: both forms should see one breach, saw %d", id, o.violated[id])
		}
	}
	if o.pairs < 10 || o.agree != o.pairs {
		t.Errorf("%d pairs compared, %d agree", o.pairs, o.agree)
	}
}

func TestXPath10Rewrite(t *testing.T) {
	for in, want := range map[string]string{
		"not(exists(f:a)) or exists(f:b)":          "not(boolean(f:a)) or boolean(f:b)",
		"f:*[starts-with(local-name(.), 'value')]": "*[namespace-uri()='http://hl7.org/fhir'][starts-with(local-name(.), 'value')]",
		"f:x/f:*": "f:x/*[namespace-uri()='http://hl7.org/fhir']",
		"f:a/@value='exists(f:b)' and f:c/@value=\"f:*\"": "f:a/@value='exists(f:b)' and f:c/@value=\"f:*\"",
		"f:notexists(f:a)": "f:notexists(f:a)",
	} {
		if got := xpath10(in); got != want {
			t.Errorf("xpath10(%q) = %q, want %q", in, got, want)
		}
	}
}
