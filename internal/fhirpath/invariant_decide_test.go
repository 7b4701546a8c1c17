package fhirpath

import (
	"context"
	"testing"
)

// TestDecisionAgreesWithEvaluate: a decision either stands down or gives
// the truth the evaluator gives, on trees that have, lack, repeat or
// leave without a value the children the expressions read; and it does
// decide the shapes it is meant for.
func TestDecisionAgreesWithEvaluate(t *testing.T) {
	trees := []string{
		`{}`,
		`{"reference":"Patient/1"}`,
		`{"reference":"#p1"}`,
		`{"_reference":{"extension":[{"url":"x"}]}}`,
		`{"fullUrl":"http://a/b/_history/2","resource":{"resourceType":"Patient"}}`,
		`{"fullUrl":"urn:uuid:1","request":{"method":"GET"}}`,
		`{"url":"u","valueString":"v"}`,
		`{"url":"u","extension":[{"url":"a","valueString":"b"}]}`,
		`{"url":"u","extension":[{"url":"a"}],"valueCode":"c"}`,
		`{"type":"searchset","entry":[{"search":{"mode":"match"}}]}`,
		`{"type":"document","entry":[{"search":{"mode":"match"}},{"search":{"mode":"include"}}]}`,
		`{"given":["a","b"],"family":"F"}`,
		`{"Patient":{"id":"x"}}`,
	}
	type want struct {
		expr    string
		decides bool // on at least one tree
	}
	exprs := []want{
		{"reference.startsWith('#').not() or (reference.substring(1) in %resource.contained.id)", true},
		{"resource.exists() or request.exists() or response.exists()", true},
		{"fullUrl.contains('/_history/').not()", true},
		{"extension.exists() != value.exists()", true},
		{"entry.search.empty() or (type = 'searchset')", true},
		{"type = 'document' implies entry.search.exists()", true},
		{"given.startsWith('a')", true},
		{"given.exists() and family = 'F'", true},
		{"family.endsWith('F') xor given.exists()", false},
		{"Patient.id.exists()", false},
		{"children().exists()", false},
		{"given.count() > 1", true},
		{"(identifier.count() + given.count()) > 0", true},
		{"entry.count() = 2 or given.count() <= 1", true},
		{"given.count() >= 1.5", false},
		{"given.count() * 2 > 1", false},
	}
	d := NewDecider()
	for _, w := range exprs {
		e, err := Compile(w.expr)
		if err != nil {
			t.Fatalf("%s: %v", w.expr, err)
		}
		dec := e.Decision()
		decided := 0
		for _, src := range trees {
			focus := fromJSON(t, src)
			truth, ok := d.Run(dec, focus)
			if t2, ok2 := e.Decide(focus); t2 != truth || ok2 != ok {
				t.Errorf("%s on %s: Decide gives %v %v, Run %v %v", w.expr, src, t2, ok2, truth, ok)
			}
			if !ok {
				continue
			}
			decided++
			r, err := e.Evaluate(context.Background(), focus, &Env{Resource: focus, MaxSteps: 1 << 20})
			if err != nil || len(r.Unsupported) > 0 {
				t.Errorf("%s on %s: decided %v, the evaluator gives no verdict (%v %v)", w.expr, src, truth, err, r.Unsupported)
			} else if got := r.Truth(); got != truth {
				t.Errorf("%s on %s: decided %v, evaluated %v", w.expr, src, truth, got)
			}
		}
		if (decided > 0) != w.decides {
			t.Errorf("%s: decided on %d trees, want decided: %v", w.expr, decided, w.decides)
		}
	}
}
