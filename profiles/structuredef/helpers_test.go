package structuredef

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/schemas"
	"github.com/nemsfhir/nemsfhir/validate/issue"
)

func sharedPath(t testing.TB, rel string) string {
	t.Helper()
	return sharedtest.Path(t, rel)
}

var (
	nhsOnce sync.Once
	nhsReg  *Registry
	nhsErr  error
)

// nhsRegistry loads the NHS England STU3 assets and the CareConnect Core
// IG once for all tests.
func nhsRegistry(t testing.TB) *Registry {
	t.Helper()
	assets := sharedPath(t, "fhir/nhs/STU3-FHIR-Assets")
	ig := sharedPath(t, "fhir/nhs/CareConnect-STU3-Core-IG")
	extra := sharedPath(t, "fhir/nhs/CareConnect-profiles-STU3")
	nhsOnce.Do(func() {
		nhsReg, nhsErr = Load(
			filepath.Join(assets, "StructureDefinitions"),
			filepath.Join(assets, "ValueSets"),
			filepath.Join(assets, "CodeSystems"),
			ig, extra)
	})
	if nhsReg == nil {
		t.Fatalf("Load: %v", nhsErr)
	}
	return nhsReg
}

func parse(t testing.TB, name string, src []byte) *tree.Node {
	t.Helper()
	var doc *tree.Document
	var err error
	if filepath.Ext(name) == ".json" {
		doc, err = tree.ParseJSON(src, schemas.STU3())
	} else {
		doc, err = tree.ParseXML(src, schemas.STU3())
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc.Root
}

func parseFile(t testing.TB, path string) *tree.Node {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, path, src)
}

func errorsOnly(fs []issue.Issue) []issue.Issue {
	var out []issue.Issue
	for _, f := range fs {
		if f.Severity == "error" || f.Severity == "fatal" {
			out = append(out, f)
		}
	}
	return out
}

func dump(t testing.TB, fs []issue.Issue) {
	t.Helper()
	for _, f := range fs {
		t.Logf("  %s %s %s @%d:%d %s [%s]", f.Severity, f.Rule, f.Path, f.Line, f.Column, f.Message, f.Spine)
	}
}
