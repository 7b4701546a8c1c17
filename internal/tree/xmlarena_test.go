package tree

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// dump is the whole of a parse: every node with its place, then the
// errors and warnings.
func dump(doc *Document, err error) string {
	var b strings.Builder
	if doc.Root != nil {
		doc.Root.Walk(func(n *Node) bool {
			fmt.Fprintf(&b, "%s %s %d:%d %v %q %v %d\n", n.Path(), n.Type, n.Line, n.Col, n.Resource, n.Value, n.HasValue, len(n.Children))
			return true
		})
	}
	fmt.Fprintf(&b, "comments %d\n", doc.Comments)
	for _, w := range doc.Warnings {
		fmt.Fprintln(&b, "warning", w)
	}
	fmt.Fprintln(&b, "error", err)
	return b.String()
}

// Trees read with pooled memory match those of ParseXML, document after
// document, whatever the sizes and errors of the documents before.
func TestParseXMLScratchReuse(t *testing.T) {
	m := schemas.STU3()
	docs := []string{
		bundleXML,
		`<Patient xmlns="http://hl7.org/fhir"><id value="p"/><unknown/><active value="yes"/></Patient>`,
		strings.Repeat("<a>", 1200),
		`<Patient xmlns="http://hl7.org/fhir"><!-- c --><name><given value="A"/>`,
		`<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>x &amp; y</p></div></text></Patient>`,
	}
	// Some real documents too, when the reference data is there.
	files := sharedtest.Optional("corpus/nems-examples/*.xml")
	for _, f := range files[:min(len(files), 6)] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	// Forwards, backwards, and each twice: every pooled reader meets
	// documents larger and smaller than its last.
	order := slices.Concat(docs, docs)
	slices.Reverse(docs)
	order = append(order, docs...)
	for i, src := range order {
		want := dump(ParseXML([]byte(src), m))
		buf := []byte(src)
		doc, release, err := ParseXMLScratch(buf, m)
		if got := dump(doc, err); got != want {
			t.Errorf("document %d: scratch tree differs:\n%s\nwant:\n%s", i, got, want)
		}
		release()
		release() // harmless
	}
}

// Trees read with ParseXMLPooled match those of ParseXML, document after
// document; neither shares memory with the bytes it was read from, and the
// strings taken from a pooled tree stay as they were after release, when
// its nodes are reused.
func TestParseXMLPooledReuse(t *testing.T) {
	m := schemas.STU3()
	docs := []string{
		bundleXML,
		`<Patient xmlns="http://hl7.org/fhir"><id value="p"/><unknown/><active value="yes"/></Patient>`,
		strings.Repeat("<a>", 1200),
		`<Patient xmlns="http://hl7.org/fhir"><!-- c --><name><given value="A"/>`,
		`<Patient xmlns="http://hl7.org/fhir"><text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>x &amp; y</p></div></text><name><family value="O&apos;Brien&#10;"/><given value="` + strings.Repeat("long ", 1000) + `"/></name></Patient>`,
		"<Patient xmlns=\"http://hl7.org/fhir\">\r\n<text><status value=\"generated\"/><div xmlns=\"http://www.w3.org/1999/xhtml\">a\r\nb</div></text></Patient>",
	}
	files := sharedtest.Optional("corpus/nems-examples/*.xml")
	for _, f := range files[:min(len(files), 6)] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	order := slices.Concat(docs, docs)
	slices.Reverse(docs)
	order = append(order, docs...)
	type kept struct{ strs, want []string }
	var all []kept
	scribble := func(b []byte) {
		for i := range b {
			b[i] = 'x'
		}
	}
	for i, src := range order {
		plainSrc := []byte(src)
		plain, perr := ParseXML(plainSrc, m)
		want := dump(plain, perr)
		scribble(plainSrc)
		if got := dump(plain, perr); got != want {
			t.Fatalf("document %d: a ParseXML tree changed with the bytes it was read from", i)
		}
		buf := []byte(src)
		doc, release, err := ParseXMLPooled(buf, m)
		if got := dump(doc, err); got != want {
			t.Errorf("document %d: pooled tree differs:\n%s\nwant:\n%s", i, got, want)
		}
		var k kept
		if doc.Root != nil {
			doc.Root.Walk(func(n *Node) bool {
				k.strs = append(k.strs, n.Name, n.Value)
				return true
			})
		}
		k.want = slices.Clone(k.strs)
		for j := range k.want {
			k.want[j] = strings.Clone(k.want[j])
		}
		all = append(all, k)
		scribble(buf)
		release()
		release() // harmless
	}
	for i, k := range all {
		if !slices.Equal(k.strs, k.want) {
			t.Errorf("document %d: strings taken from a pooled tree changed after release and later parses", i)
		}
	}
}

// A hostile document's large stacks do not stay in the pool: the scanner
// stacks each element of a skipped one, however deep.
func TestPooledReaderDropsLargeStacks(t *testing.T) {
	m := schemas.STU3()
	src := `<Patient xmlns="http://hl7.org/fhir"><unknown>` + strings.Repeat("<a>", 50_000) + strings.Repeat("</a>", 50_000) + `</unknown></Patient>`
	r := getXMLReader()
	r.init([]byte(src), m, false)
	r.document()
	if cap(r.sc.stack) < 50_000 {
		t.Fatalf("the scanner stacked %d elements, expected the 50,000 nested ones", cap(r.sc.stack))
	}
	if r.errs.err() == nil {
		t.Error("no error for an unknown element")
	}
	r.doc = nil
	r.release()
	if cap(r.sc.stack) > maxPooledStack {
		t.Errorf("a released reader keeps a scanner stack of %d entries", cap(r.sc.stack))
	}
}
