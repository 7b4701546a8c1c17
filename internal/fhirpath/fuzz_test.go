package fhirpath

import (
	"context"
	"strings"
	"testing"
	"time"
)

// FuzzCompile feeds arbitrary text to the parser and, when it compiles,
// evaluates it on a small tree under a tight budget. Neither may panic or
// run away; panics inside Evaluate are not recovered while fuzzing.
//
//	go test -run '^$' -fuzz FuzzCompile -fuzztime 60s ./internal/fhirpath
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		ele1, dom3, bdl7, ref1, eld16, sdf19, obs7, ras2, con4, que1, nemsG07, nemsBdl, nemsSub,
		"1 + 2 * 3 div 4 mod 5 - -6", "'a' & 'b' | 'c' ~ 'C'", "@2014-01-25T14:30:14.559Z + 1 day",
		"@T14:30 < @T15", "5 'mg' = 5.0 'mg'", "name.given[0].substring(1, 2).upper()",
		"descendants().repeat(children()).count()", "%\"vs-x\" | %`ext-y` | %resource | %context",
		"iif(true, 1, 2).toString().toInteger().toDecimal()", "a.b.c.where($this = $index).select($total)",
		"x is FHIR.Patient and y as System.String", "'\\u0041\\n' // c", "/* */ {} = {}",
		"'x'.replaceMatches('(x)', '$1$1')", "text.div.htmlchecks()",
		"4 'g' ~ 4040 'mg'", "1 'Cel' + 1 '[degF]' < 2 'K'", "2.0 'cm' * 2.0 'm' / 3 '[in_i]'",
		"7 days = 1 'wk' and 1 year ~ 1 'a'", "(1 'g' | 1000 'mg').distinct()",
	} {
		f.Add(s)
	}
	root := fromJSON(f, patientJSON)
	recoverPanics = false
	f.Cleanup(func() { recoverPanics = true })
	f.Fuzz(func(t *testing.T, src string) {
		// The strict compile accepts a subset of what Compile accepts.
		_, serr := CompileStrict(src, toyModel{}, "Patient")
		if _, ok := serr.(*ParseError); serr != nil && !ok {
			t.Fatalf("%q: strict error of type %T", src, serr)
		}
		e, err := Compile(src)
		if serr == nil && err != nil {
			t.Fatalf("%q: strict compile accepts, plain compile does not: %v", src, err)
		}
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("%q: error of type %T", src, err)
			}
			return
		}
		if e.String() != src {
			t.Fatalf("String() changed the source")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, _ = e.Evaluate(ctx, root, &Env{Now: fixedNow, MaxSteps: 20000})
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("%q took %v", src, d)
		}
	})
}

// toyModel is a small model for strict compiles inside the package (the
// STU3 one lives in treepath, which imports this package).
type toyModel struct{}

var toyTypes = map[string]map[string][]string{
	"Patient":         {"id": {"id"}, "name": {"HumanName"}, "gender": {"code"}, "contact": {"Patient.contact"}, "multipleBirth": {"boolean", "integer"}},
	"Patient.contact": {"name": {"HumanName"}},
	"HumanName":       {"given": {"string"}, "family": {"string"}, "use": {"code"}},
	"string":          {"extension": {"Extension"}}, "code": {"extension": {"Extension"}}, "id": {},
	"boolean": {}, "integer": {}, "Extension": {"url": {"uri"}}, "uri": {},
}

func (toyModel) HasType(name string) bool {
	_, ok := toyTypes[name]
	return ok && !strings.Contains(name, ".")
}
func (toyModel) BaseType(name string) string {
	return map[string]string{"Patient": "DomainResource", "code": "string", "id": "string"}[name]
}
func (toyModel) Child(owner, name string) ([]string, bool) {
	ts, ok := toyTypes[owner][name]
	return ts, ok
}
