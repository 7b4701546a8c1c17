package validate

import (
	"context"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
)

// Most constraints test children that are usually missing: dom-1 to dom-4
// look only at Resource.contained, which few resources have. On an element
// without those children, such a constraint always gives the same answer,
// so it is evaluated once, on a probe element that records what the engine
// asks of it, and that answer is reused.
//
// The reuse is sound because the evaluation is deterministic: when the
// engine's only questions about the probe were "which children are called
// X?" (all answered "none"), an element that also has no child X leads it
// down the same path to the same answer. An expression that asks anything
// else (its name, type, value, all children, %resource, resolve(), the
// clock) gets no verdict and is always evaluated.

// absentVerdict is the answer of one constraint on elements that have none
// of the children in names.
type absentVerdict struct {
	names []string
	truth fhirpath.Truth
}

// applies reports whether n lacks every child the verdict depends on.
func (v *absentVerdict) applies(n *tree.Node) bool {
	var m childMemo
	return v.appliesTo(n, &m)
}

// appliesTo is applies with the look-ups already made on n kept in m:
// the four dom-* constraints of every resource all ask for "contained".
func (v *absentVerdict) appliesTo(n *tree.Node, m *childMemo) bool {
	for _, name := range v.names {
		if m.hasChild(n, name) {
			return false
		}
	}
	return true
}

// childMemo remembers, for one element, whether it has children of the
// names looked for so far.
type childMemo struct {
	n     *tree.Node
	k     int
	names [4]string
	has   [4]bool
}

func (m *childMemo) hasChild(n *tree.Node, name string) bool {
	if m.n != n {
		m.n, m.k = n, 0
	}
	for i := range m.k {
		if m.names[i] == name {
			return m.has[i]
		}
	}
	has := treepath.HasChild(n, name)
	if m.k < len(m.names) {
		m.names[m.k], m.has[m.k] = name, has
		m.k++
	}
	return has
}

// verdictWhenAbsent evaluates expr on an empty probe element. An
// expression that calls the clock or a function the engine cannot evaluate
// gets no verdict, as the compiled expression shows, however its source is
// spaced.
func verdictWhenAbsent(expr *fhirpath.Expression) *absentVerdict {
	if expr.UsesClock() || len(expr.UnsupportedCalls()) > 0 {
		return nil
	}
	log := &probeLog{}
	env := &fhirpath.Env{
		Resource: &probe{log: log},
		Resolver: fhirpath.ResolverFunc(func(string, fhirpath.Node) (fhirpath.Node, bool) {
			log.other = true
			return nil, false
		}),
		BaseType: func(string) string { log.other = true; return "" },
		Trace:    func(string, fhirpath.Collection) { log.other = true },
		MaxSteps: probeSteps,
	}
	r, err := expr.Evaluate(context.Background(), &probe{log: log, focus: true}, env)
	if err != nil || len(r.Unsupported) > 0 || log.other {
		return nil
	}
	return &absentVerdict{names: log.names, truth: r.Truth()}
}

// probeLog is what the engine asked of the probes of one evaluation.
type probeLog struct {
	names []string // children of the focus asked for by name
	other bool     // anything else was asked
}

// probe is an element with no children. Only the focus probe may be asked
// for children by name; every other question, and any question to the
// %resource probe, spoils the verdict.
type probe struct {
	log   *probeLog
	focus bool
}

func (p *probe) Name() string { p.log.other = true; return "" }
func (p *probe) Type() string { p.log.other = true; return "" }

func (p *probe) Children(name string) []fhirpath.Node {
	p.asked(name)
	return nil
}

func (p *probe) AllChildren() []fhirpath.Node { p.log.other = true; return nil }
func (p *probe) Value() (string, bool)        { p.log.other = true; return "", false }

func (p *probe) AppendChildren(dst fhirpath.Collection, name string) fhirpath.Collection {
	p.asked(name)
	return dst
}

func (p *probe) AppendAllChildren(dst fhirpath.Collection) fhirpath.Collection {
	p.log.other = true
	return dst
}

func (p *probe) AppendDescendants(dst fhirpath.Collection) fhirpath.Collection {
	p.log.other = true
	return dst
}

func (p *probe) asked(name string) {
	if !p.focus {
		p.log.other = true
		return
	}
	for _, n := range p.log.names {
		if n == name {
			return
		}
	}
	p.log.names = append(p.log.names, name)
}
