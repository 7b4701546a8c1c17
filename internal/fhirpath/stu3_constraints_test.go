package fhirpath

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// stu3Package is the official STU3 package in the shared reference data.
const stu3Package = "fhir/stu3/definitions/package-3.0.2/hl7.fhir.r3.examples-3.0.2.tgz"

// stu3Constraint is one invariant found in a StructureDefinition snapshot.
type stu3Constraint struct {
	Type, Path, Key, Expression string
}

// loadSTU3Constraints reads every constraint with a FHIRPath expression
// from the snapshots of the package's StructureDefinitions. It skips the
// test when the reference data is not there (a fresh clone).
func loadSTU3Constraints(t testing.TB) (defs int, out []stu3Constraint) {
	t.Helper()
	stu3Files(t, func(name string, data []byte) {
		if !strings.HasPrefix(name, "StructureDefinition-") {
			return
		}
		var sd struct {
			ResourceType string `json:"resourceType"`
			Type         string `json:"type"`
			Snapshot     struct {
				Element []struct {
					Path       string `json:"path"`
					Constraint []struct {
						Key        string `json:"key"`
						Expression string `json:"expression"`
					} `json:"constraint"`
				} `json:"element"`
			} `json:"snapshot"`
		}
		if err := json.Unmarshal(data, &sd); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sd.ResourceType != "StructureDefinition" {
			return
		}
		defs++
		for _, e := range sd.Snapshot.Element {
			for _, c := range e.Constraint {
				if c.Expression != "" {
					out = append(out, stu3Constraint{sd.Type, e.Path, c.Key, c.Expression})
				}
			}
		}
	})
	return defs, out
}

// TestCompileSTU3Constraints compiles the FHIRPath of every constraint of
// every StructureDefinition snapshot in the official STU3 package.
func TestCompileSTU3Constraints(t *testing.T) {
	defs, cons := loadSTU3Constraints(t)
	distinct := map[string]bool{}
	failed := map[string]string{}
	for _, c := range cons {
		if distinct[c.Expression] {
			continue
		}
		distinct[c.Expression] = true
		if _, err := Compile(c.Expression); err != nil {
			failed[c.Expression] = c.Key + ": " + err.Error()
		}
	}
	t.Logf("%d StructureDefinitions, %d constraint expressions (%d distinct): %d distinct fail to compile",
		defs, len(cons), len(distinct), len(failed))
	keys := make([]string, 0, len(failed))
	for e := range failed {
		keys = append(keys, e)
	}
	sort.Strings(keys)
	for _, e := range keys {
		t.Errorf("%s\n\t%s", failed[e], e)
	}
	if defs != 585 {
		t.Errorf("found %d StructureDefinitions, want 585", defs)
	}
}

// TestBuiltinResourceHierarchy checks the engine's own list of STU3
// resource types against the package: every resource specialisation and
// the base it names.
func TestBuiltinResourceHierarchy(t *testing.T) {
	f, err := os.Open(sharedtest.Path(t, stu3Package))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	seen := 0
	inPackage := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(filepath.Base(h.Name), "StructureDefinition-") {
			continue
		}
		var sd struct {
			Kind, Derivation, Type, BaseDefinition string
		}
		if err := json.NewDecoder(tr).Decode(&sd); err != nil {
			continue
		}
		if sd.Kind != "resource" || sd.Derivation != "specialization" {
			continue
		}
		seen++
		inPackage[sd.Type] = true
		want := strings.TrimPrefix(sd.BaseDefinition, "http://hl7.org/fhir/StructureDefinition/")
		if got := builtinBase[sd.Type]; got != want {
			t.Errorf("%s: built-in base %q, package says %q", sd.Type, got, want)
		}
	}
	if seen == 0 {
		t.Fatal("no resource definitions found")
	}
	for _, r := range strings.Fields(stu3DomainResources) {
		if !inPackage[r] {
			t.Errorf("built-in resource type %s is not in the package", r)
		}
	}
	t.Logf("%d resource types checked", seen)
}
