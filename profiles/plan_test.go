package profiles

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// planPayloads reads the payloads the plan tests run on: the golden
// corpus (every rule's breaking and benign payloads, XML and JSON), the
// quick-start examples and, when present, the official NEMS examples.
func planPayloads(t *testing.T) map[string]*tree.Node {
	t.Helper()
	var files []string
	for _, pat := range []string{"../corpus/rules/*/*", "../corpus/rules/*/*/*", "../corpus/examples/*", "../corpus/invalid/*"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	files = append(files, sharedtest.Optional("corpus/nems-examples/*")...)
	out := map[string]*tree.Node{}
	for _, f := range files {
		var parse func([]byte, *schemas.Model) (*tree.Document, error)
		switch {
		case strings.HasSuffix(f, ".golden.json"):
			continue
		case strings.HasSuffix(f, ".xml"):
			parse = tree.ParseXML
		case strings.HasSuffix(f, ".json"):
			parse = tree.ParseJSON
		}
		switch filepath.Ext(f) {
		case ".xml":
			parse = tree.ParseXML
		case ".json":
			parse = tree.ParseJSON
		default:
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if doc, _ := parse(src, schemas.STU3()); doc != nil && doc.Root != nil {
			out[f] = doc.Root
		}
	}
	if len(out) < 600 {
		t.Fatalf("read %d payloads; the golden corpus alone has over 600", len(out))
	}
	return out
}

// TestPlansAgreeWithTheEvaluator runs the built-in packs over every payload
// with each plan's answer compared with the evaluator's on the same node,
// and the findings compared with a run that uses no plans: they must be
// the same, item for item and byte for byte.
func TestPlansAgreeWithTheEvaluator(t *testing.T) {
	payloads := planPayloads(t)
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	// Copies, as the default set is shared.
	withPlans, err := def.With()
	if err != nil {
		t.Fatal(err)
	}
	planned, total := map[string]bool{}, map[string]bool{}
	for _, r := range withPlans.active {
		for _, e := range [...]*fhirpath.Expression{r.ctxExpr, r.pathExpr, r.expr} {
			if e != nil {
				total[e.String()] = true
				if e.Plan() != nil {
					planned[e.String()] = true
				}
			}
		}
	}
	t.Logf("%d of the %d expressions of the rules are plans", len(planned), len(total))
	if len(planned) < len(total)/2 {
		t.Errorf("only %d of %d rule expressions are plans", len(planned), len(total))
	}
	ran := map[string]int{}
	var mismatches []string
	withPlans.comparePlans = func(e *fhirpath.Expression, at *tree.Node, plan, eval fhirpath.Collection, evalOK bool) {
		ran[e.String()]++
		if !evalOK || !sameItems(plan, eval) {
			if len(mismatches) < 20 {
				mismatches = append(mismatches, e.String()+" at "+at.Path()+": plan "+render(plan)+", evaluator "+render(eval))
			}
		}
	}
	without, err := def.With()
	if err != nil {
		t.Fatal(err)
	}
	without.noPlans = true
	in := Input{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for f, root := range payloads {
		if strings.Contains(f, "subscription") {
			in.Interaction = issue.SubscriptionCreate
		}
		a, b := withPlans.Check(root, in), without.Check(root, in)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: findings with plans differ from those without:\n%v\n%v", f, a, b)
		}
		// As validate runs them: paths that only navigate are checked on
		// the elements they find (checkNodes), without comparing.
		if c := def.Check(root, in); !reflect.DeepEqual(c, b) {
			t.Errorf("%s: findings of the default run differ from those without plans:\n%v\n%v", f, c, b)
		}
		in.Interaction = 0
	}
	for _, m := range mismatches {
		t.Error(m)
	}
	t.Logf("%d payloads; %d plans taken on them", len(payloads), len(ran))
	if len(ran) < len(planned)*3/4 {
		t.Errorf("only %d of %d plans were taken on the corpora", len(ran), len(planned))
	}
}

func sameItems(a, b fhirpath.Collection) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		na, nb := treepath.TreeNode(a[i]), treepath.TreeNode(b[i])
		if na != nb {
			return false
		}
		if na == nil {
			va, _ := a[i].Value()
			vb, _ := b[i].Value()
			if va == nil || vb == nil || va.String() != vb.String() || a[i].TypeName() != b[i].TypeName() {
				return false
			}
		}
	}
	return true
}

func render(c fhirpath.Collection) string {
	var parts []string
	for _, it := range c {
		if n := treepath.TreeNode(it); n != nil {
			parts = append(parts, n.Path())
		} else {
			parts = append(parts, it.String())
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// planKindsMessage is a message whose header names one Organization as
// both receiver and author, through two alike Reference elements, and
// whose Patient has two alike names: what tells identity from value in a
// union.
const planKindsMessage = `{"resourceType":"Bundle","type":"message","entry":[
 {"fullUrl":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000001","resource":{"resourceType":"MessageHeader",
  "id":"1b7d1c1e-0000-4000-8000-000000000001",
  "extension":[{"url":"https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1",
   "extension":[{"url":"nhsNumber","valueIdentifier":{"value":"9000000009"}},{"url":"name","valueHumanName":{"family":"A"}},{"url":"birthDateTime","valueDateTime":"2020-01-01"}]}],
  "event":{"system":"https://fhir.nhs.uk/STU3/CodeSystem/EventType-1","code":"pds-change-of-gp-1"},
  "receiver":{"reference":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000002"},
  "author":{"reference":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000002"},
  "timestamp":"2020-01-01T00:00:00+00:00",
  "source":{"endpoint":"x"},
  "focus":[{"reference":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000003"}]}},
 {"fullUrl":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000002","resource":{"resourceType":"Organization","name":"O"}},
 {"fullUrl":"urn:uuid:1b7d1c1e-0000-4000-8000-000000000003","resource":{"resourceType":"Patient",
  "name":[{"family":"A","given":["B","C"]},{"family":"A","given":["B","C"]}],"gender":"male"}}]}`

// TestPlanKindsAgreeWithTheEvaluator takes unions, all() and is as plans
// on a payload made to tell their cases apart, and checks each answer
// with the evaluator's; those the plan must leave to the evaluator (two
// valued elements in a union, is on several items) are left to it.
func TestPlanKindsAgreeWithTheEvaluator(t *testing.T) {
	doc, err := tree.ParseJSON([]byte(planKindsMessage), schemas.STU3())
	if err != nil || doc == nil || doc.Root == nil {
		t.Fatalf("payload not parsed: %v", err)
	}
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	r := rs.start(context.Background(), doc.Root, in)
	defer putScratch(r.scratch)
	if r.header == nil || r.focus == nil || r.focus.Type != "Patient" {
		t.Fatalf("header %v, focus %v", r.header, r.focus)
	}
	cases := []struct {
		at      *tree.Node
		expr    string
		planned bool // the plan answers (else it hands over)
		want    int  // items, when planned
	}{
		{r.header, "receiver.resolve() | author.resolve()", true, 1},
		// receiver and author are alike, and so are the Patient's two
		// names: = merges them, which the plan leaves to the evaluator.
		{r.header, "receiver | author | reason | response | event.userSelected", false, 0},
		{r.header, "source | receiver", true, 2},
		{r.header, "receiver | receiver", true, 1},
		{r.header, "%focus.name | %focus.name.first() | source", false, 0},
		{r.header, "%focus.name.first() | source | %focus.name.first()", true, 2},
		{r.header, "timestamp | source.endpoint", false, 0},
		{r.header, "timestamp | reason", true, 1},
		{r.focus, "name | name", false, 0},
		{r.header, "extension.extension.all(value is Identifier)", true, 1},
		{r.header, "extension('x').all(value is Identifier)", true, 1},
		{r.header, "extension.where(url = 'https://fhir.nhs.uk/STU3/StructureDefinition/Extension-RoutingDemographics-1').all(extension('nhsNumber').all(value is Identifier) and extension('name').all(value is HumanName) and extension('birthDateTime').all(value is dateTime) and value.empty())", true, 1},
		{r.focus, "name.all($this is HumanName)", true, 1},
		{r.focus, "name.all(given is HumanName)", false, 0},
		{r.focus, "(gender is code) and (name.first() is HumanName)", true, 1},
		{r.focus, "(gender is Coding) or (birthDate is date)", true, 0},
		{r.focus, "gender is Coding", true, 1},
	}
	for _, c := range cases {
		e, err := fhirpath.Compile(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		p := e.Plan()
		if p == nil {
			t.Errorf("%s: not a plan", c.expr)
			continue
		}
		col, ok := r.runPlan(p, c.at)
		m := r.evalWith(e, c.at, c.at)
		if ok != c.planned {
			t.Errorf("%s: plan answered %v, want %v", c.expr, ok, c.planned)
			continue
		}
		if !ok {
			continue
		}
		if !m.ok || !sameItems(col, m.col) {
			t.Errorf("%s: plan %s, evaluator %s (ok %v)", c.expr, render(col), render(m.col), m.ok)
		}
		if len(col) != c.want {
			t.Errorf("%s: %d items %s, want %d", c.expr, len(col), render(col), c.want)
		}
	}
}

// TestLookupAgreesWithTheResolver checks the run's look-up of references
// (the root Bundle's entries by fullUrl, see run.lookup) against the
// payload's treepath.Resolver: every reference and fullUrl of the corpora
// from where it is written and from nowhere, and a Bundle past
// urlsLinear entries with a fullUrl twice, an entry without a resource
// and a nested Bundle.
func TestLookupAgreesWithTheResolver(t *testing.T) {
	payloads := planPayloads(t)
	var b strings.Builder
	b.WriteString(`{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:x-1"},`)
	for i := range urlsLinear + 8 {
		fmt.Fprintf(&b, `{"fullUrl":"urn:uuid:x-%d","resource":{"resourceType":"Basic","id":"b%d","code":{"text":"x"},"author":{"reference":"urn:uuid:x-%d"}}},`, i%(urlsLinear+2), i, (i*7)%(urlsLinear+12))
	}
	b.WriteString(`{"fullUrl":"urn:uuid:nested","resource":{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:x-3","resource":{"resourceType":"Basic","code":{"text":"y"},"author":{"reference":"urn:uuid:x-3"}}}]}}]}`)
	doc, err := tree.ParseJSON([]byte(b.String()), schemas.STU3())
	if doc == nil || doc.Root == nil {
		t.Fatalf("synthetic Bundle not parsed: %v", err)
	}
	payloads["synthetic"] = doc.Root
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	looked, fast := 0, 0
	for f, root := range payloads {
		r := rs.start(context.Background(), root, Input{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		root.Walk(func(n *tree.Node) bool {
			if (n.Name == "reference" || n.Name == "fullUrl") && n.HasValue {
				for _, from := range []*tree.Node{n.Parent, nil} {
					looked++
					if r.ix.Scope(from) == root && !strings.Contains(n.Value, "/") {
						fast++
					}
					if got, want := r.lookup(n.Value, from), r.ix.Lookup(n.Value, from); got != want {
						t.Errorf("%s: %s from %s: found %s, the resolver %s", f, n.Value, from.Path(), got.Path(), want.Path())
					}
				}
			}
			return true
		})
		putScratch(r.scratch)
	}
	t.Logf("%d look-ups, %d through the fullUrl list", looked, fast)
	if fast < looked/4 {
		t.Errorf("only %d of %d look-ups took the fullUrl list", fast, looked)
	}
}
