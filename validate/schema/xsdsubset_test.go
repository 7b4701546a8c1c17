//go:build libxml2

package schema

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lestrrat-go/libxml2/xsd"

	"github.com/nemsfhir/nemsfhir/schemas"
)

// The XSD subset chosen for a payload's resource types must judge it
// exactly as the whole XSD does, with the same messages: every official
// example and NEMS example, and every mutant of the NEMS examples, is
// validated with both.
func TestXSDSubsetsAgreeWithWholeXSD(t *testing.T) {
	x, err := splitSTU3XSD()
	if err != nil {
		t.Fatal(err)
	}
	libxmlOnce.Do(initLibxml2)
	whole, err := compileXSD(schemas.STU3XSD())
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Free()
	files := glob(t, "fhir/stu3/examples/xml/*.xml")
	nems := glob(t, "corpus/nems-examples/*.xml")
	files = append(files, nems...)
	done := map[string]bool{}
	docs, mutantsChecked := 0, 0
	for _, f := range files {
		doc := mustRead(t, f)
		names := x.resourceNames(doc)
		keep := map[string]bool{}
		for _, n := range names {
			keep[n] = true
		}
		sub, err := compileXSD([]byte(x.subset(keep)))
		if err != nil {
			t.Fatalf("%s: subset for %v: %v", filepath.Base(f), names, err)
		}
		check := func(what string, d []byte) {
			if got, want := validateWith(sub, d), validateWith(whole, d); !reflect.DeepEqual(got, want) {
				t.Errorf("%s%s: the subset for %v gives\n  %v\nthe whole XSD\n  %v", filepath.Base(f), what, names, got, want)
			}
		}
		check("", doc)
		docs++
		if strings.Contains(f, "nems-examples") {
			ms, err := mutants(doc, done)
			if err == nil {
				for what, m := range ms {
					check(" ("+what+")", m)
					mutantsChecked++
				}
			}
		}
		sub.Free()
	}
	t.Logf("%d documents and %d mutants: same problems from their subset and from the whole XSD", docs, mutantsChecked)
}

// validateWith is ValidateXML with a given schema.
func validateWith(s *xsd.Schema, doc []byte) []string {
	d, err := xmlParser.Parse(doc)
	if err != nil {
		return []string{"not well-formed"}
	}
	defer d.Free()
	err = s.Validate(d)
	if err == nil {
		return nil
	}
	verr, ok := err.(xsd.SchemaValidationError)
	if !ok {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range verr.Errors() {
		out = append(out, e.Error())
	}
	return out
}

func TestXSDSplitKeepsEveryLine(t *testing.T) {
	x, err := splitSTU3XSD()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(x.head)
	for _, p := range x.parts {
		b.WriteString(p.text)
	}
	b.WriteString(x.tail)
	if b.String() != string(schemas.STU3XSD()) {
		t.Error("the declarations put back together differ from the XSD")
	}
	for _, p := range x.parts {
		for _, r := range typeRefs(p.text) {
			if _, ok := x.byName[r]; !ok {
				t.Errorf("%s refers to %s, which is not declared", p.name, r)
			}
		}
	}
	if len(x.resources) != 117 {
		t.Errorf("%d resources, want 117", len(x.resources))
	}
	all := map[string]bool{}
	for r := range x.resources {
		all[r] = true
	}
	// All resources kept: every declaration but the comments.
	if got, want := len(x.subset(all)), len(schemas.STU3XSD()); got >= want || got < want*9/10 {
		t.Errorf("subset of everything: %d bytes of %d", got, want)
	}
}

func TestResourceNames(t *testing.T) {
	x, err := splitSTU3XSD()
	if err != nil {
		t.Fatal(err)
	}
	doc := `<?xml version="1.0"?><!-- <Account> --><f:Bundle xmlns:f="http://hl7.org/fhir"><f:entry><f:resource><Patient xmlns="http://hl7.org/fhir"><contained><Organization/></contained><text><div xmlns="http://www.w3.org/1999/xhtml"><Foo/><![CDATA[<Basic>]]><?pi <Claim>?><p title="a>b"/></div></text></Patient></f:resource></f:entry><Bundle/></f:Bundle>`
	// Account, Basic and Claim are in a comment, CDATA and a processing
	// instruction only: not elements, so not wanted.
	got := fmt.Sprint(x.resourceNames([]byte(doc)))
	if want := "[Bundle Organization Patient]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
