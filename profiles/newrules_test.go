package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

// TestReferenceTargetTypeOnly: the rules that restate the base STU3
// reference-type check (and so never show through the validator) report a
// resolved target of the wrong type on the reference itself, and leave a
// dangling reference to G21.
func TestReferenceTargetTypeOnly(t *testing.T) {
	rs, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "corpus", "rules", "valid", "vaccinations-1-new.xml"))
	if err != nil {
		t.Fatal(err)
	}
	const org = "urn:uuid:241cc962-a893-4ab2-9226-720a39d1733a"
	const patient = `<responsible>
          <reference value="` + org + `"/>`
	check := func(name, old, new string) []issue.Issue {
		t.Helper()
		s := string(src)
		if !strings.Contains(s, old) {
			t.Fatalf("%s: %q not in the payload", name, old)
		}
		doc, err := tree.ParseXML([]byte(strings.Replace(s, old, new, 1)), schemas.STU3())
		if err != nil {
			t.Fatal(err)
		}
		return rs.Check(doc.Root, Input{})
	}
	has := func(fs []issue.Issue, id string) *issue.Issue {
		for i := range fs {
			if fs[i].Rule == id {
				return &fs[i]
			}
		}
		return nil
	}
	fs := check("enterer", "<source>", `<enterer><reference value="`+org+`"/></enterer>
        <source>`)
	f := has(fs, "nems:5.2:enterer-target")
	if f == nil || !strings.HasSuffix(f.Path, "enterer.reference") {
		t.Errorf("enterer to an Organization: %+v", fs)
	}
	fs = check("responsible", patient, `<responsible>
          <reference value="urn:uuid:ab52dd80-6b73-4641-8858-5f5652f5c238"/>`)
	if has(fs, "nems:5.2:responsible-target") == nil {
		t.Errorf("responsible to the Immunization: %+v", fs)
	}
	fs = check("dangling", patient, `<responsible>
          <reference value="urn:uuid:00000000-0000-4000-8000-000000000000"/>`)
	if has(fs, "nems:5.2:responsible-target") != nil || has(fs, "nems:G21:reference") == nil {
		t.Errorf("dangling responsible: want G21:reference only, got %+v", fs)
	}
	fs = check("external", patient, `<responsible>
          <reference value="https://directory.spineservices.nhs.uk/STU3/Organization/K61734"/>`)
	if has(fs, "nems:5.2:responsible-target") != nil {
		t.Errorf("responsible by ODS API URL: %+v", fs)
	}
}
