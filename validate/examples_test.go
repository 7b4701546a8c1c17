package validate_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
	"github.com/nemsfhir/nemsfhir/validate"
)

func requireShared(t testing.TB, sub string) string {
	t.Helper()
	return sharedtest.Path(t, sub)
}

var (
	validatorOnce sync.Once
	sharedV       *validate.Validator
)

// validator is shared by the tests of base STU3 validation: every phase but
// the NEMS rule packs, which TestNEMSExamples covers.
func validator(t testing.TB) *validate.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		v, err := validate.New(validate.Options{MaxSize: -1, NoRules: true})
		if err != nil {
			t.Fatal(err)
		}
		sharedV = v
	})
	return sharedV
}

type knownInvalid struct{ rule, reason string }

func readKnownInvalid(t *testing.T) map[string]knownInvalid {
	t.Helper()
	f, err := os.Open("testdata/known-invalid-examples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]knownInvalid{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("known-invalid-examples.txt: bad line %q", line)
		}
		out[parts[0]] = knownInvalid{parts[1], parts[2]}
	}
	return out
}

// TestOfficialExamplesAreValid runs every official STU3 example, XML and
// JSON, through the validator: each must be valid except the listed ones,
// which must fail with the listed rule.
func TestOfficialExamplesAreValid(t *testing.T) {
	known := readKnownInvalid(t)
	v := validator(t)
	for _, format := range []string{"xml", "json"} {
		dir := requireShared(t, "fhir/stu3/examples/"+format)
		files, _ := filepath.Glob(filepath.Join(dir, "*."+format))
		if len(files) < 500 {
			t.Fatalf("%s: only %d examples", dir, len(files))
		}
		valid := 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := v.Validate(f, src)
			base := strings.TrimSuffix(filepath.Base(f), "."+format)
			k, listed := known[base]
			switch {
			case listed && res.Valid():
				t.Errorf("%s: listed as invalid (%s) but valid", f, k.reason)
			case listed && !hasRule(res, k.rule):
				t.Errorf("%s: expected rule %s, got %v", f, k.rule, res.Issues)
			case !listed && !res.Valid():
				for _, is := range res.Issues {
					t.Errorf("%s: %s", f, is)
				}
			case !listed:
				valid++
			}
		}
		t.Logf("%s: %d of %d examples valid, %d listed as wrong", format, valid, len(files), len(known))
	}
}

func hasRule(res *validate.Result, rule string) bool {
	for _, is := range res.Issues {
		if is.Rule == rule && is.Severity.IsError() {
			return true
		}
	}
	return false
}

// readKnownList reads "name<TAB>rule<TAB>reason" lines.
func readKnownList(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			t.Fatalf("%s: bad line %q", file, line)
		}
		out[parts[0]] = parts[1]
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
