package schemas_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/schemas/gen/modelgen"
)

// The committed terminology file is what the generator makes from the
// package and the NHS assets, byte for byte, twice in a row.
func TestGeneratorReproducesCommittedTerminology(t *testing.T) {
	pkg, err := modelgen.ReadPackage(openPackage(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := pkg.AddNHS(sharedtest.Path(t, "fhir/nhs"), schemas.STU3())
	if err != nil {
		t.Fatal(err)
	}
	// Five files of the NHS assets are not valid FHIR and are left out:
	// their code systems stay unknown offline. A new one fails here.
	var left []string
	for _, u := range st.Unreadable {
		left = append(left, strings.SplitN(u, ":", 2)[0])
	}
	wantLeft := []string{
		"STU3-FHIR-Assets/CodeSystems/CodeSystem-EMS-FailsafeAlertReason-1.xml",                         // an empty <definition/>
		"STU3-FHIR-Assets/CodeSystems/CodeSystem-NHSDataDictionary-BabyFirstFeedBreastMilkStatus-1.xml", // not in the FHIR namespace
		"STU3-FHIR-Assets/CodeSystems/CodeSystem-NHSDataDictionary-BreastfeedingStatus-1.xml",
		"STU3-FHIR-Assets/CodeSystems/CodeSystem-NHSDataDictionary-NeonatalResuscitationMethod-1.xml",
		"STU3-FHIR-Assets/CodeSystems/CodeSystem-NHSDataDictionary-RelationshipToPersonForChildrenAndYoungPeople-1.xml",
	}
	if strings.Join(left, "\n") != strings.Join(wantLeft, "\n") {
		t.Errorf("NHS files left out:\n%s\nwant:\n%s", strings.Join(st.Unreadable, "\n"), strings.Join(wantLeft, "\n"))
	}
	var got, again bytes.Buffer
	if _, err := modelgen.WriteTerminology(&got, pkg, filepath.Base(packagePath)); err != nil {
		t.Fatal(err)
	}
	if _, err := modelgen.WriteTerminology(&again, pkg, filepath.Base(packagePath)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), again.Bytes()) {
		t.Fatal("two generations of the terminology differ")
	}
	want, err := os.ReadFile("stu3/terminology.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("terminology differs from a fresh generation at line %d (run go generate ./schemas):\n got %.200s\nwant %.200s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("terminology differs from a fresh generation: %d lines vs %d (run go generate ./schemas)", len(gl), len(wl))
	}
}

func TestSTU3Terminology(t *testing.T) {
	term := schemas.STU3Terminology()
	if n := len(term.CodeSystemURLs()); n < 900 || n != term.Header.CodeSystems {
		t.Errorf("%d code systems, header says %d", n, term.Header.CodeSystems)
	}
	if n := len(term.ValueSetURLs()); n != term.Header.ValueSets {
		t.Errorf("%d value sets, header says %d", n, term.Header.ValueSets)
	}
	// Every value set is one bound with strength extensible or preferred
	// by some element, or one of the NHS assets, never one the model
	// already holds as required.
	m := schemas.STU3()
	for _, u := range term.ValueSetURLs() {
		if m.ValueSet(u) != nil {
			t.Errorf("%s is in both the model and the terminology", u)
		}
		vs := term.ValueSet(u)
		if vs.Complete != (vs.Reason == "") || vs.Complete && len(vs.Codes) == 0 {
			t.Errorf("%s: complete = %v with reason %q and %d codes", u, vs.Complete, vs.Reason, len(vs.Codes))
		}
	}
	// Marital status is bound extensible on Patient.maritalStatus and drawn
	// from two code systems, one of them v3.
	vs := term.ValueSet("http://hl7.org/fhir/ValueSet/marital-status|3.0.2")
	if vs == nil || !vs.Complete || !vs.Contains("http://hl7.org/fhir/v3/MaritalStatus", "M") ||
		!vs.Contains("http://hl7.org/fhir/v3/NullFlavor", "UNK") || vs.Contains("http://hl7.org/fhir/v3/MaritalStatus", "X") {
		t.Errorf("marital-status expansion: %+v", vs)
	}
	cs := term.CodeSystem("http://hl7.org/fhir/v3/MaritalStatus")
	if cs == nil {
		t.Fatal("no v3 MaritalStatus code system")
	}
	if c, ok := cs.Lookup("M"); !ok || c.Display != "Married" {
		t.Errorf("MaritalStatus M: %+v, %v", c, ok)
	}
	if _, ok := cs.Lookup("m"); ok && !cs.CaseInsensitive {
		t.Error("a case-sensitive code system matched m for M")
	}
	if term.CodeSystem("http://snomed.info/sct") != nil || term.CodeSystem("http://loinc.org") != nil {
		t.Error("SNOMED CT or LOINC is held, though the package does not define them")
	}

	// The NHS and CareConnect definitions NEMS payloads use are held.
	mvs := term.ValueSet("https://fhir.nhs.uk/STU3/ValueSet/MessageEventType-1")
	if mvs == nil || !mvs.Complete || !mvs.Contains("https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1", "new") ||
		mvs.Contains("https://fhir.nhs.uk/STU3/CodeSystem/MessageEventType-1", "create") {
		t.Errorf("MessageEventType-1 expansion: %+v", mvs)
	}
	if cs := term.CodeSystem("https://fhir.nhs.uk/STU3/CodeSystem/EventType-1"); cs == nil {
		t.Error("EventType-1 is not held")
	} else if _, ok := cs.Lookup("vaccinations-1"); !ok {
		t.Error("EventType-1 lacks vaccinations-1")
	}
	// Defined twice in the assets; the CareConnect guide's copy is kept.
	if cs := term.CodeSystem("https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-ConditionCategory-1"); cs == nil {
		t.Error("CareConnect-ConditionCategory-1 is not held")
	} else if _, ok := cs.Lookup("problem-list-item"); !ok {
		t.Error("CareConnect-ConditionCategory-1 is not the CareConnect guide's copy")
	}
	// A file of the assets that is not valid FHIR is left out.
	if term.CodeSystem("https://fhir.nhs.uk/STU3/CodeSystem/EMS-FailsafeAlertReason-1") != nil {
		t.Error("EMS-FailsafeAlertReason-1 is held, though its file is not valid FHIR")
	}
}

func TestLoadTerminologyRejectsBadInput(t *testing.T) {
	for _, in := range []string{"", "{}\n", `{"terminology":"x"}` + "\n" + `{"type":"Patient"}`} {
		if _, err := schemas.LoadTerminology([]byte(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
