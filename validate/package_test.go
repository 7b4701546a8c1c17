package validate_test

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate"
)

// TestPackageResourcesAreValid validates every resource of the official
// STU3 package (definitions and examples alike, 8,000 JSON files): each must
// be valid except those listed in testdata/known-invalid-package.txt.
func TestPackageResourcesAreValid(t *testing.T) {
	if testing.Short() {
		t.Skip("long: validates the whole STU3 package")
	}
	dir := requireShared(t, "fhir/stu3/definitions/package-3.0.2")
	f, err := os.Open(filepath.Join(dir, "hl7.fhir.r3.examples-3.0.2.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := readKnownList(t, "testdata/known-invalid-package.txt")
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	// The schema phase has its own oracle (package validate/schema); this
	// one is about the model-driven phases, and runs faster without it.
	v, err := validate.New(validate.Options{MaxSize: -1, NoSchema: true, NoRules: true})
	if err != nil {
		t.Fatal(err)
	}
	total, valid := 0, 0
	failedRules := map[string]int{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := path.Base(h.Name)
		if !strings.HasSuffix(name, ".json") || name == "package.json" || strings.HasPrefix(name, ".") {
			continue
		}
		src, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		total++
		res := v.Validate(name, src)
		rule, listed := known[name]
		switch {
		case listed && res.Valid():
			t.Errorf("%s: listed as invalid but valid", name)
		case listed && !hasRule(res, rule):
			t.Errorf("%s: expected rule %s, got %v", name, rule, res.Issues)
		case !listed && !res.Valid():
			for _, is := range res.Issues {
				if is.Severity.IsError() {
					failedRules[is.Rule]++
					t.Errorf("%s: %s", name, is)
				}
			}
		case !listed:
			valid++
		}
	}
	var rules []string
	for r, n := range failedRules {
		rules = append(rules, r+"="+itoa(n))
	}
	sort.Strings(rules)
	t.Logf("package: %d of %d resources valid, %d listed as wrong; unexpected failures by rule: %v", valid, total, len(known), rules)
}
