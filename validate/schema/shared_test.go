package schema

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// sharedDir finds the shared reference data beside the repository, or
// skips the test: a fresh clone without it must still pass.
func sharedDir(t testing.TB) string {
	t.Helper()
	for _, d := range []string{"../../../shared", "../../shared"} {
		if fi, err := os.Stat(filepath.Join(d, "fhir", "stu3")); err == nil && fi.IsDir() {
			return d
		}
	}
	t.Skip("shared reference data not found (../../../shared from validate/schema): skipping the oracle tests")
	return ""
}

// glob lists the files matching pattern under the shared folder, sorted,
// skipping when there are none.
func glob(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(sharedDir(t), pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no files match %s in the shared data", pattern)
	}
	sort.Strings(files)
	return files
}

// readList reads a testdata list: one "name  reason" per line, blank
// lines and lines starting with # ignored. It returns name -> reason.
func readList(t testing.TB, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			t.Fatalf("%s: %s is listed without a reason", path, name)
		}
		out[name] = reason
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
