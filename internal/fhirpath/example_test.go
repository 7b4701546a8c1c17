package fhirpath_test

import (
	"context"
	"fmt"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
)

// elem is a minimal Node for the example: a named, typed element with an
// optional primitive value and children.
type elem struct {
	name, typ string
	value     *string
	kids      []*elem
}

func (e *elem) Name() string { return e.name }
func (e *elem) Type() string { return e.typ }
func (e *elem) Value() (string, bool) {
	if e.value == nil {
		return "", false
	}
	return *e.value, true
}
func (e *elem) Children(name string) []fhirpath.Node {
	var out []fhirpath.Node
	for _, k := range e.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}
func (e *elem) AllChildren() []fhirpath.Node {
	out := make([]fhirpath.Node, len(e.kids))
	for i, k := range e.kids {
		out[i] = k
	}
	return out
}

func prim(name, typ, v string) *elem { return &elem{name: name, typ: typ, value: &v} }

func Example() {
	// A message Bundle that wrongly carries a search total.
	bundle := &elem{name: "Bundle", typ: "Bundle", kids: []*elem{
		prim("type", "code", "message"),
		prim("total", "unsignedInt", "1"),
	}}
	bdl1 := fhirpath.MustCompile("total.empty() or (type = 'searchset') or (type = 'history')")
	res, err := bdl1.Evaluate(context.Background(), bundle, &fhirpath.Env{Resource: bundle})
	if err != nil {
		panic(err)
	}
	fmt.Println("bdl-1:", res.Truth())

	_, err = fhirpath.Compile("entry.where(fullUrl = 'x'")
	fmt.Println(err)
	fmt.Println(err.(*fhirpath.ParseError).Snippet())
	// Output:
	// bdl-1: false
	// fhirpath: 1:26: expected ',' or ')', found end of expression
	// entry.where(fullUrl = 'x'
	//                          ^
}
