package fhirpath

import (
	"context"
	"testing"
)

func BenchmarkCompileDom3(b *testing.B) {
	for b.Loop() {
		if _, err := Compile(dom3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEle1 is the invariant evaluated on every element of every
// payload, so its cost per element matters most.
func BenchmarkEle1(b *testing.B) {
	root := fromJSON(b, patientJSON)
	n := root.Children("name")[0]
	e := MustCompile(ele1)
	env := &Env{Resource: root}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, n, env); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDom3(b *testing.B) {
	root := fromJSON(b, patientJSON)
	e := MustCompile(dom3)
	env := &Env{Resource: root}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, root, env); err != nil {
			b.Fatal(err)
		}
	}
}
