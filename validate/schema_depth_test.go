package validate_test

import (
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
	"github.com/nemsfhir/nemsfhir/validate/schema"
)

// TestXMLNestingBeyondLibxml2 checks that with the schema audit on, a
// document nested deeper than libxml2 reads, but within the parser's
// limit, gets one schema issue that says so at the element's place, and
// one level less gets none. The limit is libxml2's, not FHIR's: without the
// audit the document is valid.
func TestXMLNestingBeyondLibxml2(t *testing.T) {
	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, Schema: true})
	if err != nil {
		t.Fatal(err)
	}
	doc := func(ext int) string {
		return "<Patient xmlns=\"http://hl7.org/fhir\">\n" + strings.Repeat(`<extension url="http://example.org/x">`, ext) +
			"\n  <valueString value=\"x\"/>" + strings.Repeat("</extension>", ext) + "</Patient>"
	}
	// The valueString has ext+1 ancestors.
	if res := v.Validate("deep", []byte(doc(255))); !res.Valid() {
		t.Fatalf("256 ancestors: want valid, got %v", res.Issues)
	}
	if res := validator(t).Validate("deeper", []byte(doc(256))); !res.Valid() {
		t.Fatalf("257 ancestors, no schema audit: want valid, got %v", res.Issues)
	}
	res := v.Validate("deeper", []byte(doc(256)))
	if !schema.XSDBuiltIn {
		// Only libxml2 stops at 256 levels; the parsers read 1,000.
		if !res.Valid() {
			t.Fatalf("257 ancestors, no XSD check built in: want valid, got %v", res.Issues)
		}
		return
	}
	// The example.org extension is accepted unchecked (an information
	// issue); the schema audit's is the one issue that matters here.
	found := issuesOf(res, validate.RuleSchema)
	if len(found) != 1 || res.Valid() {
		t.Fatalf("257 ancestors: want one schema issue, got %v", res.Issues)
	}
	is := found[0]
	if is.Rule != validate.RuleSchema || is.Line != 3 || is.Column != 3 ||
		!strings.Contains(is.Message, "more than 256 levels") || strings.Contains(is.Message, "well-formed") {
		t.Errorf("got %s at %d:%d", is, is.Line, is.Column)
	}
}

// TestSchemaAuditOnlyOnPasses checks that the audit runs after every other
// phase and only on what they all pass: the same 257-level document, which
// the audit alone fails, gets no schema issue once a later phase (here the
// extension phase, on a birth-time extension of the wrong type) has
// already failed it.
func TestSchemaAuditOnlyOnPasses(t *testing.T) {
	if !schema.XSDBuiltIn {
		t.Skip("no XSD check built in (build tag libxml2): the audit has nothing to add to this document")
	}
	v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true, Schema: true})
	if err != nil {
		t.Fatal(err)
	}
	deep := strings.Repeat(`<extension url="http://example.org/x">`, 256) + "\n  <valueString value=\"x\"/>" + strings.Repeat("</extension>", 256)
	wrong := `<extension url="http://hl7.org/fhir/StructureDefinition/patient-birthTime"><valueString value="x"/></extension>`
	passing := "<Patient xmlns=\"http://hl7.org/fhir\">\n" + deep + "</Patient>"
	failing := "<Patient xmlns=\"http://hl7.org/fhir\">\n" + wrong + deep + "</Patient>"
	if found := issuesOf(v.Validate("passing", []byte(passing)), validate.RuleSchema); len(found) != 1 {
		t.Fatalf("passing the other phases: want the audit's one issue, got %v", found)
	}
	res := v.Validate("failing", []byte(failing))
	if res.Valid() {
		t.Fatalf("a birth-time extension holding a string: want an error, got %v", res.Issues)
	}
	if found := issuesOf(res, validate.RuleSchema); len(found) != 0 {
		t.Errorf("failed by another phase: want no audit, got %v", found)
	}
}
