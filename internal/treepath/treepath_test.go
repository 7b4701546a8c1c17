package treepath

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// plain hides the ChildAppender methods, so the engine takes its general
// path; the adapter's fast paths must agree with it in results and in the
// steps they charge.
type plain struct{ n Node }

func (p plain) Name() string                         { return p.n.Name() }
func (p plain) Type() string                         { return p.n.Type() }
func (p plain) Value() (string, bool)                { return p.n.Value() }
func (p plain) Children(name string) []fhirpath.Node { return wrap(p.n.Children(name)) }
func (p plain) AllChildren() []fhirpath.Node         { return wrap(p.n.AllChildren()) }

func wrap(ns []fhirpath.Node) []fhirpath.Node {
	out := make([]fhirpath.Node, len(ns))
	for i, n := range ns {
		out[i] = plain{n.(Node)}
	}
	return out
}

func render(c fhirpath.Collection) string {
	s := ""
	for _, it := range c {
		var n *tree.Node
		switch x := it.Node().(type) {
		case Node:
			n = x.N
		case plain:
			n = x.n.N
		}
		if n != nil {
			s += n.Path() + ";"
		} else {
			s += it.String() + ";"
		}
	}
	return s
}

func TestFastPathsAgree(t *testing.T) {
	doc, err := tree.ParseXML([]byte(headerXML), schemas.STU3())
	if err != nil {
		t.Fatal(err)
	}
	fast, slow := Of(doc.Root), plain{Node{doc.Root}}
	ctx := context.Background()
	least := func(e *fhirpath.Expression, n fhirpath.Node) int {
		for steps := 1; ; steps++ {
			if _, err := e.Evaluate(ctx, n, &fhirpath.Env{MaxSteps: steps}); err == nil {
				return steps
			}
		}
	}
	for _, src := range []string{
		"descendants()", "descendants().ofType(Reference)", "descendants().ofType(uri).count()",
		"event.descendants()", "(event | source).descendants().ofType(string)",
		"source.name", "event.where(system.startsWith('https:')).code", "extension('x').exists()",
		"children().children()", "descendants().where($this is string).count()",
	} {
		e := fhirpath.MustCompile(src)
		a, errA := e.Evaluate(ctx, fast, nil)
		b, errB := e.Evaluate(ctx, slow, nil)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", src, errA, errB)
		}
		if render(a.Collection) != render(b.Collection) {
			t.Errorf("%s:\n fast %s\n slow %s", src, render(a.Collection), render(b.Collection))
		}
		if lf, ls := least(e, fast), least(e, slow); lf != ls {
			t.Errorf("%s: fast path needs %d steps, general path %d", src, lf, ls)
		}
	}
}

// FuzzFastPathsAgree evaluates arbitrary expressions through the adapter
// and through the engine's general path, under the same small budget:
// results and errors must be the same.
//
//	go test -run '^$' -fuzz FuzzFastPathsAgree -fuzztime 60s ./internal/treepath
func FuzzFastPathsAgree(f *testing.F) {
	for _, s := range []string{
		"descendants().ofType(Reference).reference", "source.name | event.code", "event.where(code.startsWith('pds')).display",
		"descendants().where($this is string).count() > 3", "extension('x') | focus.extension.url", "children().children().count()",
		"(event | source).descendants().ofType(uri).select($this.toString().length())", "repeat(children()).count()",
		"event.code.combine(event.system).distinct()", "descendants().descendants().count()", "focus.reference.resolve()",
	} {
		f.Add(s, 200)
	}
	doc, err := tree.ParseXML([]byte(headerXML), schemas.STU3())
	if err != nil {
		f.Fatal(err)
	}
	fast, slow := Of(doc.Root), plain{Node{doc.Root}}
	f.Fuzz(func(t *testing.T, src string, steps int) {
		e, err := fhirpath.Compile(src)
		if err != nil || steps <= 0 || steps > 5000 {
			return
		}
		ctx := context.Background()
		a, errA := e.Evaluate(ctx, fast, &fhirpath.Env{MaxSteps: steps, Now: fixedNow})
		b, errB := e.Evaluate(ctx, slow, &fhirpath.Env{MaxSteps: steps, Now: fixedNow})
		if fmt.Sprint(errA) != fmt.Sprint(errB) {
			t.Fatalf("%q with %d steps: fast path error %v, general path %v", src, steps, errA, errB)
		}
		if errA == nil && render(a.Collection) != render(b.Collection) {
			t.Fatalf("%q: fast %s, general %s", src, render(a.Collection), render(b.Collection))
		}
	})
}

var fixedNow = time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
