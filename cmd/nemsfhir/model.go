package main

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate"
)

func init() {
	register(&command{
		name:    "model",
		summary: "print the STU3 definition of a type or element (elements, cardinality, types, bindings, constraints)",
		run:     runModel,
	})
}

func runModel(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("model", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	list := fs.Bool("list", false, "list the types of the model by kind")
	noConstraints := fs.Bool("no-constraints", false, "leave out the constraints section")
	coverage := fs.Bool("constraints", false, "report how the validator covers the STU3 constraints: evaluated through FHIRPath, checked in Go, or not evaluated and why")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: nemsfhir model [flags] TYPE[.PATH]
       nemsfhir model --list
       nemsfhir model --constraints

Prints the FHIR STU3 (3.0.2) definition of a type or element from the
model embedded in nemsfhir: its elements in definition order with
cardinality, types (Reference targets in parentheses), summary (Σ) and
modifier (?!) flags and bindings, then the constraints that apply, with
their FHIRPath and XPath forms. A path follows element types into other
types: Observation.valueQuantity shows Quantity.

Examples:
  nemsfhir model MessageHeader
  nemsfhir model Bundle.entry
  nemsfhir model --list

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	m := schemas.STU3()
	if *coverage {
		if fs.NArg() != 0 {
			return usageError(stderr, "model", "--constraints takes no arguments")
		}
		printCoverage(stdout, m)
		return exitOK
	}
	if *list {
		if fs.NArg() != 0 {
			return usageError(stderr, "model", "--list takes no arguments")
		}
		printTypeList(stdout, m)
		return exitOK
	}
	if fs.NArg() != 1 {
		return usageError(stderr, "model", "give one TYPE or TYPE.PATH")
	}
	target := fs.Arg(0)
	mem, err := m.Resolve(target)
	if err != nil {
		fmt.Fprintf(stderr, "nemsfhir model: %v\n", err)
		return exitUsage
	}
	w := &modelPrinter{m: m, out: &strings.Builder{}, constraints: map[*schemas.Constraint]bool{}}
	if mem.Element.Index == 0 && !strings.Contains(target, ".") {
		w.typeHeader(mem.Element.Owner)
		w.elements(m.Children(mem.Element, mem.Type), 1)
		w.collect(mem.Element)
	} else {
		w.line(mem.Element, mem.Element.Path, 0)
		if mem.Type != "" && !mem.Element.IsBackbone() && mem.Element.ContentReference == "" {
			fmt.Fprintf(w.out, "  (elements of %s)\n", mem.Type)
		}
		w.elements(m.Children(mem.Element, mem.Type), 1)
		w.collect(mem.Element)
	}
	if !*noConstraints {
		w.constraintSection()
	}
	io.WriteString(stdout, w.out.String())
	return exitOK
}

func printCoverage(w io.Writer, m *schemas.Model) {
	cov := validate.Coverage(m)
	fmt.Fprintf(w, "STU3 constraints declared by the %d types of the model: %d\n", len(m.TypeNames()), cov.Total)
	fmt.Fprintf(w, "  evaluated through their FHIRPath expression: %d\n", cov.FHIRPath)
	fmt.Fprintf(w, "  checked by Go code instead:                  %d\n", cov.Native)
	fmt.Fprintf(w, "  not evaluated:                               %d\n", len(cov.NotEvaluated))
	for _, u := range cov.NotEvaluated {
		fmt.Fprintf(w, "    %s %s: %s\n      %s\n", u.Type, u.Key, u.Reason, u.Expression)
	}
}

func printTypeList(w io.Writer, m *schemas.Model) {
	byKind := map[schemas.Kind][]string{}
	for _, n := range m.TypeNames() {
		t := m.Type(n)
		byKind[t.Kind] = append(byKind[t.Kind], n)
	}
	for _, k := range []schemas.Kind{schemas.KindResource, schemas.KindComplex, schemas.KindPrimitive} {
		fmt.Fprintf(w, "%s (%d):\n", k, len(byKind[k]))
		for _, n := range byKind[k] {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
}

type modelPrinter struct {
	m           *schemas.Model
	out         *strings.Builder
	constraints map[*schemas.Constraint]bool
	order       []*schemas.Constraint
}

func (p *modelPrinter) typeHeader(t *schemas.Type) {
	fmt.Fprintf(p.out, "%s: %s", t.Name, t.Kind)
	if t.Abstract {
		p.out.WriteString(", abstract")
	}
	if t.Base != "" {
		fmt.Fprintf(p.out, ", base %s", t.Base)
	}
	if t.Profile != "" {
		fmt.Fprintf(p.out, ", profile of %s", t.Profile)
	}
	fmt.Fprintf(p.out, "\n  %s\n", t.URL)
	if pr := t.Primitive; pr != nil {
		fmt.Fprintf(p.out, "  value: JSON %s, XML %s", pr.JSON, pr.XML)
		if pr.Regex != "" {
			fmt.Fprintf(p.out, ", regex %s", pr.Regex)
		}
		if pr.MaxLength > 0 {
			fmt.Fprintf(p.out, ", max length %d", pr.MaxLength)
		}
		p.out.WriteString("\n")
	}
	if short := t.Root().Short; short != "" {
		fmt.Fprintf(p.out, "  %s\n", short)
	}
	p.out.WriteString("\n")
}

// elements prints a list of elements and, below each backbone element, its
// own children, indented.
func (p *modelPrinter) elements(list []*schemas.Element, depth int) {
	for _, e := range list {
		p.line(e, e.Name, depth)
		p.collect(e)
		if e.IsBackbone() {
			p.elements(p.m.Children(e, ""), depth+1)
		}
	}
}

func (p *modelPrinter) line(e *schemas.Element, name string, depth int) {
	var b strings.Builder
	b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&b, "%s %s %s", name, e.Cardinality(), typeText(e))
	if e.IsSummary {
		b.WriteString(" Σ")
	}
	if e.IsModifier {
		b.WriteString(" ?!")
	}
	if e.Representation == "xmlAttr" {
		b.WriteString(" (XML attribute)")
	}
	if bd := e.Binding; bd != nil && bd.ValueSet != "" {
		fmt.Fprintf(&b, " · %s binding %s", bd.Strength, bd.ValueSet)
		if vs := p.m.ValueSet(bd.ValueSet); vs != nil && bd.Strength == "required" {
			b.WriteString(" " + codeList(vs))
		}
	}
	if e.Fixed != nil {
		fmt.Fprintf(&b, " · fixed %s", e.Fixed.Value)
	}
	if e.Pattern != nil {
		fmt.Fprintf(&b, " · pattern %s", e.Pattern.Value)
	}
	if keys := constraintKeys(e); keys != "" {
		fmt.Fprintf(&b, " · %s", keys)
	}
	if e.Short != "" {
		fmt.Fprintf(&b, " — %s", e.Short)
	}
	b.WriteString("\n")
	p.out.WriteString(b.String())
}

func (p *modelPrinter) collect(e *schemas.Element) {
	for _, c := range e.Constraints() {
		if !p.constraints[c] {
			p.constraints[c] = true
			p.order = append(p.order, c)
		}
	}
}

func (p *modelPrinter) constraintSection() {
	if len(p.order) == 0 {
		return
	}
	sort.SliceStable(p.order, func(i, j int) bool { return p.order[i].Key < p.order[j].Key })
	fmt.Fprintf(p.out, "\nConstraints (%d):\n", len(p.order))
	for _, c := range p.order {
		fmt.Fprintf(p.out, "  %s %s: %s\n", c.Key, c.Severity, c.Human)
		if c.Expression != "" {
			fmt.Fprintf(p.out, "      fhirpath: %s\n", c.Expression)
		}
		if c.XPath != "" {
			fmt.Fprintf(p.out, "      xpath:    %s\n", c.XPath)
		}
	}
}

// typeText renders the types of an element: "Coding",
// "Reference(Patient|Group)", "Quantity|CodeableConcept|..." or "see
// #Questionnaire.item".
func typeText(e *schemas.Element) string {
	if e.ContentReference != "" {
		return "see " + e.ContentReference
	}
	parts := make([]string, 0, len(e.Types))
	for _, t := range e.Types {
		s := t.Code
		if len(t.TargetProfiles) > 0 {
			names := make([]string, len(t.TargetProfiles))
			for i, tp := range t.TargetProfiles {
				names[i] = path.Base(tp)
			}
			s += "(" + strings.Join(names, "|") + ")"
		}
		for _, pr := range t.Profiles {
			s += "{" + path.Base(pr) + "}"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "(primitive value)"
	}
	return strings.Join(parts, "|")
}

func constraintKeys(e *schemas.Element) string {
	var keys []string
	for _, c := range e.Constraints() {
		if c.Key != "ele-1" { // on every element; listed once below
			keys = append(keys, c.Key)
		}
	}
	return strings.Join(keys, " ")
}

// codeList shows a required value set's codes when they are few enough to
// read on one line.
func codeList(vs *schemas.ValueSet) string {
	if len(vs.Codes) == 0 || len(vs.Codes) > 12 {
		if !vs.Complete {
			return "(not expandable: " + vs.Reason + ")"
		}
		return fmt.Sprintf("(%d codes)", len(vs.Codes))
	}
	codes := make([]string, len(vs.Codes))
	for i, c := range vs.Codes {
		codes[i] = c.Code
	}
	return "{" + strings.Join(codes, " ") + "}"
}
