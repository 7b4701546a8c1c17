package validate_test

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
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

// knownInvalid is an official example that breaks an STU3 rule itself:
// the error rule ids the validator must report for it, exactly, and why.
type knownInvalid struct {
	rules  []string // sorted
	reason string
}

// officialExamples is the number of examples in each format, and
// officialValid how many of them must be valid: the rest are exactly the
// entries of testdata/known-invalid-examples.txt. Both are asserted so
// that a lost example, a new exception or a mended one all fail the test.
const (
	officialExamples = 528
	officialValid    = 517
)

// readKnownInvalid reads testdata/known-invalid-examples.txt: base file
// name, TAB, the error rule ids (comma-separated, sorted), TAB, the reason.
func readKnownInvalid(t *testing.T) map[string]knownInvalid {
	t.Helper()
	f, err := os.Open("testdata/known-invalid-examples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]knownInvalid{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
			t.Fatalf("known-invalid-examples.txt:%d: want name, rule ids and reason separated by tabs: %q", n, line)
		}
		rules := strings.Split(parts[1], ",")
		if !sort.StringsAreSorted(rules) {
			t.Fatalf("known-invalid-examples.txt:%d: rule ids %q are not sorted", n, parts[1])
		}
		if _, dup := out[parts[0]]; dup {
			t.Fatalf("known-invalid-examples.txt:%d: %s listed twice", n, parts[0])
		}
		out[parts[0]] = knownInvalid{rules, parts[2]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// errorRules returns the distinct rule ids of the errors in res, sorted.
func errorRules(res *validate.Result) []string {
	seen := map[string]bool{}
	var out []string
	for _, is := range res.Issues {
		if is.Severity.IsError() && !seen[is.Rule] {
			seen[is.Rule] = true
			out = append(out, is.Rule)
		}
	}
	sort.Strings(out)
	return out
}

// TestOfficialExamplesAreValid runs every official STU3 example, XML and
// JSON, through the validator: each must be valid except the listed ones,
// whose errors must carry exactly the listed rule ids, in both formats.
func TestOfficialExamplesAreValid(t *testing.T) {
	known := readKnownInvalid(t)
	v := validator(t)
	total := 0
	for _, format := range []string{"xml", "json"} {
		dir := requireShared(t, "fhir/stu3/examples/"+format)
		files, _ := filepath.Glob(filepath.Join(dir, "*."+format))
		if len(files) != officialExamples {
			t.Fatalf("%s: %d examples, want %d", dir, len(files), officialExamples)
		}
		valid, listed := 0, 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res := v.Validate(f, src)
			base := strings.TrimSuffix(filepath.Base(f), "."+format)
			k, isListed := known[base]
			got := errorRules(res)
			switch {
			case isListed:
				listed++
				if strings.Join(got, ",") != strings.Join(k.rules, ",") {
					t.Errorf("%s: listed as invalid with %s (%s), got errors %v: %v", f, strings.Join(k.rules, ","), k.reason, got, res.Issues)
				}
			case !res.Valid():
				for _, is := range res.Issues {
					t.Errorf("%s: %s", f, is)
				}
			default:
				valid++
			}
		}
		if listed != len(known) {
			t.Errorf("%s: %d of the %d listed examples found: the list names files that do not exist", format, listed, len(known))
		}
		if valid != officialValid {
			t.Errorf("%s: %d of %d examples valid, want %d", format, valid, len(files), officialValid)
		}
		total += valid
		t.Logf("%s: %d of %d examples valid, %d listed as wrong", format, valid, len(files), len(known))
	}
	t.Logf("both formats: %d of %d valid", total, 2*officialExamples)
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
