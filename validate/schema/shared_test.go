package schema

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// sharedDir finds the shared reference data beside the repository, or
// skips the test: a fresh clone without it must still pass.
func sharedDir(t testing.TB) string {
	t.Helper()
	return filepath.Dir(filepath.Dir(sharedtest.Path(t, "fhir/stu3")))
}

// glob lists the files matching pattern under the shared folder, sorted,
// skipping when there are none.
func glob(t testing.TB, pattern string) []string {
	t.Helper()
	return sharedtest.Glob(t, pattern)
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
