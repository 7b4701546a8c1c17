package fhirpath_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/fhirpath"
	"github.com/nemsfhir/nemsfhir/internal/tree"
	"github.com/nemsfhir/nemsfhir/internal/treepath"
	"github.com/nemsfhir/nemsfhir/schemas"
)

// suiteFile is an official FHIRPath test file: groups of tests, each an
// expression, its input and the typed outputs expected (or that the
// expression is invalid).
type suiteFile struct {
	Groups []struct {
		Name  string      `xml:"name,attr"`
		Tests []suiteTest `xml:"test"`
		// Tests of modes other than the default (lenient polymorphics).
		ModeTests []suiteTest `xml:"modeTest"`
	} `xml:"group"`
}

// suiteTest is one test of an official suite.
type suiteTest struct {
	Name      string `xml:"name,attr"`
	InputFile string `xml:"inputfile,attr"`
	Predicate string `xml:"predicate,attr"`
	Mode      string `xml:"mode,attr"`
	Version   string `xml:"version,attr"`
	Ordered   string `xml:"ordered,attr"`
	// CheckOrdered asks the engine to reject functions that need ordered
	// input on unordered collections.
	CheckOrdered string `xml:"checkOrderedFunctions,attr"`
	Expression   struct {
		Text    string `xml:",chardata"`
		Invalid string `xml:"invalid,attr"`
		Mode    string `xml:"mode,attr"`
	} `xml:"expression"`
	Outputs []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"output"`
}

// loadSuite reads one official suite (suite is relative to the suites
// folder dir).
func loadSuite(t *testing.T, dir, suite string) suiteFile {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, suite))
	if err != nil {
		t.Fatal(err)
	}
	var sf suiteFile
	if err := xml.Unmarshal(src, &sf); err != nil {
		t.Fatalf("%s: %v", suite, err)
	}
	return sf
}

// TestSharedPartsAgreeOnOfficialSuites evaluates every expression of the
// official FHIRPath suites (STU3 and R4) on its input both as compiled,
// with the parts that do not depend on the item shared across
// iterations, and without that sharing: results, errors and unsupported
// functions must be the same.
func TestSharedPartsAgreeOnOfficialSuites(t *testing.T) {
	dir := sharedtest.Path(t, "fhir/fhirpath-tests")
	m := schemas.STU3()
	compared, withShared, skippedInputs := 0, 0, map[string]bool{}
	for _, suite := range []string{"stu3/tests-fhir-r3.xml", "r4/tests-fhir-r4.xml"} {
		sf := loadSuite(t, dir, suite)
		inputs := map[string]*tree.Node{}
		for _, g := range sf.Groups {
			for _, tc := range g.Tests {
				root, ok := inputs[tc.InputFile]
				if !ok && tc.InputFile != "" {
					root = parseInput(filepath.Join(dir, filepath.Dir(suite), "input", tc.InputFile), m)
					inputs[tc.InputFile] = root
				}
				if root == nil && tc.InputFile != "" {
					skippedInputs[suite+": "+tc.InputFile] = true
					continue
				}
				shared, err1 := fhirpath.Compile(tc.Expression.Text)
				plain, err2 := fhirpath.CompileUnshared(tc.Expression.Text)
				if (err1 == nil) != (err2 == nil) {
					t.Errorf("%s %s: compile errors differ: %v, %v", suite, tc.Name, err1, err2)
				}
				if err1 != nil || err2 != nil {
					continue
				}
				// Tests without an input evaluate against nothing.
				var node fhirpath.Node
				if root != nil {
					node = treepath.Of(root)
				}
				env := func() *fhirpath.Env {
					return &fhirpath.Env{Resource: node, Resolver: treepath.NewResolver(root), MaxSteps: treepath.Budget(root)}
				}
				a, errA := shared.Evaluate(context.Background(), node, env())
				b, errB := plain.Evaluate(context.Background(), node, env())
				compared++
				if fhirpath.SharedParts(shared) > 0 {
					withShared++
				}
				if got, want := outcome(a, errA), outcome(b, errB); got != want {
					t.Errorf("%s %s: %s\n\tshared:   %s\n\tunshared: %s", suite, tc.Name, tc.Expression.Text, got, want)
				}
			}
		}
	}
	if compared < 1000 {
		t.Errorf("only %d expressions compared", compared)
	}
	if withShared == 0 {
		t.Error("no expression of the suites has a shared part: the comparison shows nothing")
	}
	t.Logf("%d expressions of the official suites (%d with shared parts) give the same outcome with and without them; inputs not readable as STU3: %v", compared, withShared, skippedInputs)
}

// parseInput reads a suite input as STU3, or returns nil when it is not
// valid STU3 (an R4 element, say): a partly read input would test the
// engine on a resource other than the one the suite meant.
func parseInput(path string, m *schemas.Model) *tree.Node {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc *tree.Document
	if strings.HasSuffix(path, ".json") {
		doc, err = tree.ParseJSON(src, m)
	} else {
		doc, err = tree.ParseXML(src, m)
	}
	if doc == nil || err != nil {
		return nil
	}
	return doc.Root
}

func outcome(r fhirpath.Result, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	parts := make([]string, len(r.Collection))
	for i, it := range r.Collection {
		parts[i] = it.String()
	}
	return fmt.Sprintf("%v unsupported %v", parts, r.Unsupported)
}
