package validate

import (
	"context"
	"fmt"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// containedPatient is a Patient with n contained Practitioners, referenced
// from generalPractitioner, all but the one at index unreferenced (none
// when unreferenced is negative).
func containedPatient(n, unreferenced int) []byte {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","id":"x","contained":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"resourceType":"Practitioner","id":"p%d","name":[{"family":"Doc%d"}]}`, i, i)
	}
	b.WriteString(`],"generalPractitioner":[`)
	first := true
	for i := range n {
		if i == unreferenced {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		fmt.Fprintf(&b, `{"reference":"#p%d"}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func newBaseValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := New(Options{NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func issuesOf(res *Result, rule string) []Issue {
	var out []Issue
	for _, is := range res.Issues {
		if is.Rule == rule {
			out = append(out, is)
		}
	}
	return out
}

// TestDom3ManyContained: a Patient with hundreds of contained resources,
// one of them referenced from nowhere, breaks dom-3. With a fixed budget
// and dom-3 quadratic in the contained resources, 200 of them used to run
// out of budget and the payload came out valid.
func TestDom3ManyContained(t *testing.T) {
	v := newBaseValidator(t)
	dom3 := fhirpath.MustCompile("contained.where(('#'+id in %resource.descendants().reference).not()).empty()")
	for _, n := range []int{100, 200, 1000} {
		src := containedPatient(n, n/2)
		res := v.Validate("patient.json", src)
		if res.Valid() {
			t.Errorf("%d contained, one unreferenced: valid, want dom-3 to fail", n)
		}
		got := issuesOf(res, "fhir:invariant:dom-3")
		if len(got) != 1 || got[0].Code != "invariant" || got[0].Severity != SeverityError || got[0].Path != "Patient" {
			t.Errorf("%d contained: dom-3 issues %v, want one failure on Patient", n, got)
		}
		if all := v.Validate("patient.json", containedPatient(n, -1)); !all.Valid() {
			t.Errorf("%d contained, all referenced: %v", n, all.Issues)
		}
		// The work stays within the least budget, linear in the payload.
		doc, err := tree.ParseJSON(src, v.model)
		if err != nil {
			t.Fatal(err)
		}
		root := treepath.Of(doc.Root)
		verdict, err := dom3.Judge(context.Background(), root, &fhirpath.Env{Resource: root, Resolver: treepath.NewResolver(doc.Root), MaxSteps: treepath.Budget(doc.Root)})
		if err != nil || verdict.Truth != fhirpath.False {
			t.Fatalf("%d contained: dom-3 %v, %v", n, verdict.Truth, err)
		}
		if perNode := verdict.Steps / countNodes(doc.Root); perNode > 8 {
			t.Errorf("%d contained: dom-3 took %d steps, %d per element", n, verdict.Steps, perNode)
		}
	}
}

func countNodes(root *tree.Node) int {
	n := 0
	root.Walk(func(*tree.Node) bool { n++; return true })
	return n
}

// TestBudgetExhaustedIsNotAPass: a base constraint whose evaluation runs
// out of budget is reported as not evaluated, an error, and the payload is
// not valid.
func TestBudgetExhaustedIsNotAPass(t *testing.T) {
	v := newBaseValidator(t)
	src := containedPatient(30, -1)
	if res := v.Validate("patient.json", src); !res.Valid() {
		t.Fatalf("valid payload: %v", res.Issues)
	}
	v.inv.maxSteps = 50
	res := v.Validate("patient.json", src)
	if res.Valid() {
		t.Fatal("constraints that ran out of budget passed the payload")
	}
	got := issuesOf(res, "fhir:invariant:dom-3")
	if len(got) != 1 {
		t.Fatalf("dom-3: %v, want one not-evaluated issue", res.Issues)
	}
	is := got[0]
	if is.Severity != SeverityError || is.Code != "too-costly" || is.Spine != SpineInvalidResource ||
		!strings.Contains(is.Message, "dom-3 was not evaluated") || !strings.Contains(is.Message, "50 steps") {
		t.Errorf("dom-3 not evaluated: %+v", is)
	}
}

// TestEvaluationErrorIsNotAPass: a Period with two starts makes per-1's
// start <= end an error (a comparison of several items); the constraint is
// reported as not evaluated, not passed.
func TestEvaluationErrorIsNotAPass(t *testing.T) {
	v := newBaseValidator(t)
	src := []byte(`<Patient xmlns="http://hl7.org/fhir"><name><family value="A"/><period>` +
		`<start value="2020-01-01"/><start value="2020-02-01"/><end value="2021-01-01"/></period></name></Patient>`)
	res := v.Validate("patient.xml", src)
	got := issuesOf(res, "fhir:invariant:per-1")
	if len(got) != 1 {
		t.Fatalf("per-1: %v, want one not-evaluated issue", res.Issues)
	}
	is := got[0]
	if is.Severity != SeverityError || is.Code != "processing" || is.Path != "Patient.name[0].period" ||
		!strings.Contains(is.Message, "per-1 was not evaluated: its evaluation failed") {
		t.Errorf("per-1 not evaluated: %+v", is)
	}
}

// TestNoVerdictReasons covers the three reasons an evaluation gives no
// verdict.
func TestNoVerdictReasons(t *testing.T) {
	cases := []struct {
		v         fhirpath.Verdict
		err       error
		code, has string
	}{
		{fhirpath.Verdict{Steps: 1001}, fhirpath.ErrBudget, "too-costly", "more than the 1000 steps"},
		{fhirpath.Verdict{Steps: 10}, fhirpath.ErrBudget, "too-costly", "nested deeper"},
		{fhirpath.Verdict{}, &fhirpath.EvalError{Msg: "single() found 2 items"}, "processing", "failed: single() found 2 items"},
		{fhirpath.Verdict{Unsupported: []string{"memberOf"}}, nil, "not-supported", "reached memberOf()"},
	}
	for _, c := range cases {
		code, why := fhirpath.NoVerdict(1000, c.v, c.err)
		if code != c.code || !strings.Contains(why, c.has) {
			t.Errorf("%+v %v: %s %q, want %s and %q", c.v, c.err, code, why, c.code, c.has)
		}
	}
}

// TestEveryBaseConstraintReachesAVerdict evaluates every base constraint
// evaluated through FHIRPath on every element of every official STU3
// example, XML and JSON, and of the NEMS examples, in full (no reused
// verdict), with the budget the validator gives the payload: each must
// reach a verdict.
func TestEveryBaseConstraintReachesAVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates every constraint on every official example")
	}
	var files []string
	for _, pat := range []string{"fhir/stu3/examples/xml/*.xml", "fhir/stu3/examples/json/*.json", "corpus/nems-examples/*.xml"} {
		files = append(files, sharedtest.Optional(pat)...)
	}
	if len(files) == 0 {
		t.Skip("official examples not available: keep ../shared beside the repository")
	}
	m := schemas.STU3()
	inv := newInvariants(m)
	ctx := context.Background()
	evaluations, examples := 0, 0
	maxSteps, maxAt := 0, ""
	maxShare, shareAt := 0.0, ""
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc *tree.Document
		if strings.HasSuffix(f, ".json") {
			doc, _ = tree.ParseJSON(src, m)
		} else {
			doc, _ = tree.ParseXML(src, m)
		}
		if doc == nil || doc.Root == nil {
			continue
		}
		examples++
		budget := treepath.Budget(doc.Root)
		env := &fhirpath.Env{Resolver: treepath.NewResolver(doc.Root), BaseType: inv.baseType, MaxSteps: budget}
		var walk func(n, resource *tree.Node)
		walk = func(n, resource *tree.Node) {
			if n.Resource && n.Name != "contained" {
				resource = n
			}
			for _, ck := range inv.checkablesFor(n) {
				env.Resource = treepath.Of(resource)
				v, err := ck.expr.Judge(ctx, treepath.Of(n), env)
				evaluations++
				if err != nil || len(v.Unsupported) > 0 {
					_, why := fhirpath.NoVerdict(budget, v, err)
					t.Errorf("%s: %s at %s: %s", filepath.Base(f), ck.c.Key, n.Path(), why)
					continue
				}
				if v.Steps > maxSteps {
					maxSteps, maxAt = v.Steps, fmt.Sprintf("%s %s at %s, budget %d", filepath.Base(f), ck.c.Key, n.Path(), budget)
				}
				if share := float64(v.Steps) / float64(budget); share > maxShare {
					maxShare, shareAt = share, fmt.Sprintf("%s %s at %s: %d of %d steps", filepath.Base(f), ck.c.Key, n.Path(), v.Steps, budget)
				}
			}
			for _, c := range n.Children {
				walk(c, resource)
			}
		}
		walk(doc.Root, doc.Root)
	}
	if examples < 1000 {
		t.Errorf("only %d examples read", examples)
	}
	t.Logf("%d constraint evaluations over %d examples reached a verdict; most steps %d (%s); largest share of the budget %.3f (%s)",
		evaluations, examples, maxSteps, maxAt, maxShare, shareAt)
}
