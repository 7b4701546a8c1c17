package fhirpath_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

func TestCompileStrictRejectsPathsThatCannotExist(t *testing.T) {
	m := treepath.StrictModel(schemas.STU3())
	for _, tc := range []struct {
		context, src string
		at           string // line:col of the error
		msg          string // in the error
	}{
		{"Patient", "name.given1", "1:6", "'given1'"},
		{"Patient", "Patient.name.given1.exists()", "1:14", "an element of HumanName"},
		{"Patient", "Encounter.name.given", "1:1", "not on Encounter"},
		{"Patient", "name.where(given1 = 'x')", "1:12", "'given1'"},
		{"Patient", "contact.name.family1", "1:14", "'family1'"},
		{"Patient", "contact.nmae", "1:9", "an element of Patient.contact"},
		{"Patient", "gender.as(string1)", "1:11", "a type of the model"},
		{"Patient", "gender.ofType(FHIR.String)", "1:15", "a type of the model"},
		{"Patient", "(birthDate is System.Dates)", "1:12", "'System.Dates'"},
		{"Observation", "Observation.valueQuantity.unit", "1:13", "value.ofType(Quantity)"},
		{"Observation", "value.ofType(Quantity).unitt", "1:24", "an element of Quantity"},
		{"Questionnaire", "item.item.item.linkid", "1:16", "an element of Questionnaire.item"},
		{"Bundle", "entry.resource.ofType(Patient).nmae", "1:32", "an element of Patient"},
		{"Bundle", "entry.select(request).methodd", "1:23", "an element of Bundle.entry.request"},
		{"Patient", "name.given1\n  .exists()", "1:6", "given1"},
		{"Patient", "name.trace('n', given1)", "1:17", "'given1'"},
		{"Patient", "iif('x', 1, 2)", "1:5", "a Boolean criterion"},
		{"Patient", "gender.is(System.Strin)", "1:11", "'System.Strin'"},
	} {
		_, err := fhirpath.CompileStrict(tc.src, m, tc.context)
		var pe *fhirpath.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s on %s: want a compile error, got %v", tc.src, tc.context, err)
			continue
		}
		if at := fmt.Sprintf("%d:%d", pe.Line, pe.Column); at != tc.at || !strings.Contains(pe.Error(), tc.msg) {
			t.Errorf("%s on %s: %v; want it at %s saying %q", tc.src, tc.context, err, tc.at, tc.msg)
		}
		// The plain compile accepts it: only the model can tell.
		if _, err := fhirpath.Compile(tc.src); err != nil {
			t.Errorf("%s: plain compile fails too: %v", tc.src, err)
		}
	}
}

func TestCompileStrictOnLongPaths(t *testing.T) {
	m := treepath.StrictModel(schemas.STU3())
	long := "name" + strings.Repeat(".extension", 20000) + ".url"
	if _, err := fhirpath.CompileStrict(long, m, "Patient"); err != nil {
		t.Errorf("a long valid path: %v", err)
	}
	_, err := fhirpath.CompileStrict(long+".nope", m, "Patient")
	var pe *fhirpath.ParseError
	if !errors.As(err, &pe) || pe.Offset != len(long)+1 {
		t.Errorf("a long path with a bad last step: %v", err)
	}
}

func TestCompileStrictAcceptsWhatCanExist(t *testing.T) {
	m := treepath.StrictModel(schemas.STU3())
	for _, tc := range []struct{ context, src string }{
		{"Patient", "name.given"},
		{"Patient", "Patient.name.where(use = 'official').given.first()"},
		{"Patient", "DomainResource.text.div"},
		{"Patient", "contact.name.family | name.family"},
		{"Patient", "multipleBirth.ofType(integer) > 1"},
		{"Patient", "birthDate.extension('http://example.org/x').value"},
		{"Patient", "name.select(given.first() & ' ' & family)"},
		{"Patient", "iif(active, name, contact.name).family"},
		{"Patient", "gender is code and gender.as(string).length() > 1"},
		{"Patient", "link.other.resolve().name"},
		{"Patient", "children().foo"}, // children() of any type: not judged
		{"Patient", "%resource.anything"},
		{"Patient", "(1 | 2).foo.exists().not()"},
		{"Observation", "value.ofType(Quantity).unit"},
		{"Observation", "(value as Quantity).code"},
		{"Observation", "component.value.ofType(CodeableConcept).coding.code"},
		{"Questionnaire", "item.item.item.linkId"},
		{"Bundle", "entry.resource.id"},
		{"Bundle", "entry.resource.name"}, // a resource of any type: not judged
		{"Bundle", "entry.where(resource is Patient).fullUrl"},
		{"Patient.contact", "name.family"},
		{"HumanName", "given.exists() or family.exists()"},
	} {
		if _, err := fhirpath.CompileStrict(tc.src, m, tc.context); err != nil {
			t.Errorf("%s on %s: %v", tc.src, tc.context, err)
		}
	}
}

// wrongContext lists the STU3 invariants written for another element than
// the one they are declared on, which the strict compile rightly rejects.
var wrongContext = map[string]string{
	"StructureDefinition sdf-15": "declared on StructureDefinition.snapshot but written for StructureDefinition (kind, snapshot.element): on the snapshot it is always empty, so it never fails",
}

// TestCompileStrictAcceptsEverySTU3Invariant compiles every constraint of
// the model strictly on the element it is declared on: a check that
// rejected the specification's own invariants would be of no use on rule
// packs and profiles. The ones written for another element are listed.
func TestCompileStrictAcceptsEverySTU3Invariant(t *testing.T) {
	sm := schemas.STU3()
	m := treepath.StrictModel(sm)
	checked := 0
	for _, name := range sm.TypeNames() {
		ty := sm.Type(name)
		for _, e := range ty.Elements {
			context := e.Path
			if e.Parent != nil && !e.IsBackbone() && e.ContentReference == "" {
				if len(e.Types) != 1 {
					continue // a choice: the constraint is written per type
				}
				context = e.Types[0].Code
			}
			for _, ref := range e.ConstraintRefs {
				c := ty.Constraints[ref]
				if c.Expression == "" {
					continue
				}
				checked++
				_, err := fhirpath.CompileStrict(c.Expression, m, context)
				why, listed := wrongContext[name+" "+c.Key]
				switch {
				case err != nil && !listed:
					t.Errorf("%s %s on %s: %s: %v", name, c.Key, context, c.Expression, err)
				case err == nil && listed:
					t.Errorf("%s %s compiles strictly but is listed (%s)", name, c.Key, why)
				}
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d constraints checked", checked)
	}
	t.Logf("%d constraint uses compile strictly", checked)
}
