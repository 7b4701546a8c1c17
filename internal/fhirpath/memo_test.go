package fhirpath

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// containedPatient is a Patient with n contained Practitioners, all but
// the last referenced from generalPractitioner (all of them when
// allReferenced).
func containedPatient(n int, allReferenced bool) string {
	var b strings.Builder
	b.WriteString(`{"resourceType":"Patient","id":"x","contained":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"resourceType":"Practitioner","id":"p%d","name":[{"family":"Doc%d"}]}`, i, i)
	}
	b.WriteString(`],"generalPractitioner":[`)
	refs := n - 1
	if allReferenced {
		refs = n
	}
	for i := range refs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"reference":"#p%d"}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// TestDom3IsLinear: the part of dom-3 that does not depend on the
// contained resource at hand is computed once per evaluation, and the
// membership test is a look-up, so the work grows with the size of the
// resource, not with its square. Before, 200 contained resources took
// more than 200,000 steps and the constraint was never judged.
func TestDom3IsLinear(t *testing.T) {
	e := MustCompile(dom3)
	steps := map[int]int{}
	for _, n := range []int{200, 800} {
		for _, all := range []bool{false, true} {
			root := fromJSON(t, containedPatient(n, all))
			v, err := e.Judge(context.Background(), root, &Env{Resource: root, MaxSteps: 200_000})
			if err != nil {
				t.Fatalf("%d contained: %v", n, err)
			}
			want := False
			if all {
				want = True
			}
			if v.Truth != want {
				t.Errorf("%d contained, all referenced %v: dom-3 is %v, want %v", n, all, v.Truth, want)
			}
			steps[n] = v.Steps
		}
	}
	// Four times the contained resources: about four times the work.
	if r := float64(steps[800]) / float64(steps[200]); r > 5 {
		t.Errorf("dom-3 took %d steps for 200 contained, %d for 800: grows %.1f times, not linearly", steps[200], steps[800], r)
	}
	t.Logf("dom-3 steps: 200 contained %d, 800 contained %d", steps[200], steps[800])
}

// compileUnshared compiles src without remembering anything across
// iterations: the reference the shared evaluation must agree with.
func compileUnshared(t *testing.T, src string) *Expression {
	t.Helper()
	root, err := parse(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return &Expression{src: src, root: root}
}

// TestRememberedPartsAgree evaluates expressions whose iterations share an
// independent part both ways: the answers, errors and unsupported
// functions must be the same.
func TestRememberedPartsAgree(t *testing.T) {
	exprs := []string{
		dom3,
		"name.where(family in %resource.descendants().family).count()",
		"name.where(use in ('official' | 'usual' | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g')).count()",
		"name.where(('official' | 'usual' | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g') contains use).count()",
		// Items without text, numbers and booleans are compared in full.
		"name.where($this in %resource.name).count()",
		"telecom.where(1 in (1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9)).count()",
		"telecom.where('true' in %resource.descendants()).count()",
		"telecom.where('2' in %resource.descendants()).count()",
		"name.given.select($this & '/' & %resource.id & '/' & $index.toString())",
		"name.select(given.where($this = %resource.name.given.first()))",
		"telecom.where(%resource.telecom.count() = 2 and value.exists()).system",
		"telecom.all(%resource.birthDate < today())",
		"telecom.select(%resource.managingOrganization.resolve().name)",
		"name.where(given.exists(%resource.name.given.last() = $this)).use",
		"contained.repeat(%resource.contained).id",
		"name.where(%resource.gender.single() = 'male').use",
		"name.where(%resource.name.single().exists()).use", // error: single() of two
		"telecom.where(memberOf('x').exists() or %resource.id.exists()).count()",
		"name.where(%resource.name[1].given = given).use",
		"name.where(-(%resource.multipleBirthInteger) < 0).use",
		"name.where((%resource.active as Boolean) = true).count()",
	}
	for _, doc := range []string{patientJSON, observationJSON, containedPatient(20, false)} {
		root := fromJSON(t, doc)
		for _, src := range exprs {
			env := testEnv()
			env.Resource = root
			env.Resolver = ResolverFunc(func(ref string, _ Node) (Node, bool) {
				if ref == "#o1" {
					return root.kids[len(root.kids)-3], true
				}
				return nil, false
			})
			shared, err1 := MustCompile(src).Evaluate(context.Background(), root, env)
			plain, err2 := compileUnshared(t, src).Evaluate(context.Background(), root, env)
			if (err1 == nil) != (err2 == nil) || render(shared.Collection) != render(plain.Collection) ||
				fmt.Sprint(shared.Unsupported) != fmt.Sprint(plain.Unsupported) {
				t.Errorf("%s: shared parts give %s %v %v, unshared %s %v %v", src,
					render(shared.Collection), shared.Unsupported, err1, render(plain.Collection), plain.Unsupported, err2)
			}
		}
	}
}

// TestFunctionCallsFromTheCompiledExpression: whether an expression reads
// the clock or calls an unsupported function is read from its parse tree,
// so spacing does not hide a call and a name in a string is not one.
func TestFunctionCallsFromTheCompiledExpression(t *testing.T) {
	cases := []struct {
		src         string
		clock       bool
		unsupported string
	}{
		{"start <= now ()", true, ""},
		{"start <= now\n(\t)", true, ""},
		{"start.empty() or start < timeOfDay()", true, ""},
		{"birthDate <= today( )", true, ""},
		{"a.where(b.exists()).select(iif(c, today(), d))", true, ""},
		{"'now()' = text and nowhere.exists() and `today`.exists()", false, ""},
		{"code.memberOf ('http://x') or conformsTo('y')", false, "conformsTo memberOf"},
		{"'memberOf(' = text", false, ""},
	}
	for _, c := range cases {
		e := MustCompile(c.src)
		if got := e.UsesClock(); got != c.clock {
			t.Errorf("%q: UsesClock %v, want %v (calls %v)", c.src, got, c.clock, e.FunctionCalls())
		}
		if got := strings.Join(e.UnsupportedCalls(), " "); got != c.unsupported {
			t.Errorf("%q: UnsupportedCalls %q, want %q", c.src, got, c.unsupported)
		}
	}
}

// TestJudgeSaysWhy: Judge reports the work done and the unsupported
// functions reached, and the budget error, so that callers can say why an
// evaluation gave no verdict.
func TestJudgeSaysWhy(t *testing.T) {
	root := fromJSON(t, containedPatient(50, false))
	v, err := MustCompile("descendants().descendants().count() > 0").Judge(context.Background(), root, &Env{MaxSteps: 1000})
	if !errors.Is(err, ErrBudget) || v.Steps <= 1000 {
		t.Errorf("over budget: got %v after %d steps, want ErrBudget after more than 1000", err, v.Steps)
	}
	v, err = MustCompile("id.memberOf('http://x').empty()").Judge(context.Background(), root, nil)
	if err != nil || fmt.Sprint(v.Unsupported) != "[memberOf]" || v.Steps == 0 {
		t.Errorf("memberOf: got %+v %v", v, err)
	}
}
