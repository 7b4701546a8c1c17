package tree

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// TestBuilderRoundTrip: a tree built in code writes the same XML and JSON
// as the tree the parsers read back from that XML.
func TestBuilderRoundTrip(t *testing.T) {
	m := schemas.STU3()
	b := NewBuilder(m)
	p := b.Resource("Patient")
	b.Value(p, "id", "p1")
	text := b.Element(p, "text")
	b.Value(text, "status", "generated")
	b.Value(text, "div", `<div xmlns="http://www.w3.org/1999/xhtml"><p>Zoë &amp; "O'Brien"</p></div>`)
	b.Value(p, "active", "true")
	name := b.Element(p, "name")
	b.Value(name, "id", "n")
	b.Value(name, "given", "A")
	b.Value(name, "given", "B\tC")
	b.Value(b.Element(p, "name"), "family", `<&>"'`)
	if err := b.Err(); err != nil {
		t.Fatal(err)
	}
	if got := p.Children[3].Children[2].Path(); got != "Patient.name[0].given[1]" {
		t.Errorf("path %s", got)
	}
	x, err := WriteXML(p, true)
	if err != nil {
		t.Fatal(err)
	}
	j, err := WriteJSON(p, true)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ParseXML(x, m)
	if err != nil {
		t.Fatalf("%v\n%s", err, x)
	}
	x2, _ := WriteXML(doc.Root, true)
	j2, _ := WriteJSON(doc.Root, true)
	if string(x) != string(x2) || string(j) != string(j2) {
		t.Errorf("built and read back differ:\n%s\n%s\n%s\n%s", x, x2, j, j2)
	}
	if _, err := ParseJSON(j, m); err != nil {
		t.Errorf("JSON does not read back: %v\n%s", err, j)
	}
	e, err := AppendXMLElement(nil, p, false)
	if err != nil || !strings.HasPrefix(string(e), `<Patient xmlns="http://hl7.org/fhir"><id value="p1"/>`) {
		t.Errorf("element alone: %v %s", err, e)
	}
}

// TestBuilderRefuses: what the model does not allow is refused with the
// place and the reason, and nothing is added after it.
func TestBuilderRefuses(t *testing.T) {
	m := schemas.STU3()
	for _, tc := range []struct {
		name  string
		build func(b *Builder)
		want  string
	}{
		{"unknown resource", func(b *Builder) { b.Resource("Patience") }, "Patience: Patience is not a FHIR resource type"},
		{"abstract resource", func(b *Builder) { b.Resource("DomainResource") }, "DomainResource: DomainResource is not a FHIR resource type"},
		{"unknown element", func(b *Builder) { b.Value(b.Resource("Patient"), "sex", "x") }, "Patient.sex: unknown element sex in Patient"},
		{"twice where one is allowed", func(b *Builder) {
			p := b.Resource("Patient")
			b.Value(p, "active", "true")
			b.Value(p, "active", "false")
		}, "Patient.active: element occurs more than once, but allows at most one"},
		{"value on a complex element", func(b *Builder) { b.Value(b.Resource("Patient"), "name", "x") }, "Patient.name: is of type HumanName, which holds elements, not a value"},
		{"elements on a primitive", func(b *Builder) { b.Element(b.Resource("Patient"), "active") }, "Patient.active: is of type boolean, which holds a value"},
		{"narrative not a div", func(b *Builder) {
			b.Value(b.Element(b.Resource("Patient"), "text"), "div", "<p>x</p>")
		}, "Patient.text.div: narrative must be a <div> in the XHTML namespace"},
		{"a resource inside", func(b *Builder) {
			b.Element(b.Element(b.Resource("Bundle"), "entry"), "resource")
		}, "Bundle.entry[0].resource: holds a resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(m)
			tc.build(b)
			err := b.Err()
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if n := b.Value(b.Resource("Patient"), "active", "true"); n != nil {
				t.Error("the builder went on after a problem")
			}
		})
	}
}
