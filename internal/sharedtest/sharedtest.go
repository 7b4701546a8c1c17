// Package sharedtest finds, for tests, the read-only reference data kept
// outside the repository: the official STU3 package, examples and schemas,
// the NHS profiles and the NEMS examples. It is the one place that knows
// where that data lives, so that every test looks in the same folder and a
// fresh clone without it passes, the tests that need it skipping.
//
// The folder is $NEMSFHIR_SHARED when that is set, and otherwise "shared"
// beside the module root (../shared from the repository). NEMSFHIR_SHARED=none
// hides the data, as on a fresh clone; CI runs the tests once that way.
package sharedtest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// Env names the environment variable that points at the reference data,
// or hides it with the value None.
const Env = "NEMSFHIR_SHARED"

// None, as the value of Env, hides the reference data.
const None = "none"

var (
	once   sync.Once
	dir    string // "" when absent
	reason string // why dir is "", for skip messages
	bad    bool   // Env names a folder that is not there: a mistake, not a fresh clone
)

func locate() {
	v, set := os.LookupEnv(Env)
	wd, err := os.Getwd()
	if err != nil {
		wd = ""
	}
	dir, reason, bad = find(v, set, wd)
}

// find works out the folder from the value of Env (set or not) and the
// working folder.
func find(env string, set bool, wd string) (dir, reason string, bad bool) {
	if set && env != "" {
		if env == None {
			return "", fmt.Sprintf("reference data hidden (%s=%s)", Env, None), false
		}
		if st, err := os.Stat(env); err != nil || !st.IsDir() {
			return "", fmt.Sprintf("%s=%s is not a folder", Env, env), true
		}
		return env, "", false
	}
	if wd == "" {
		return "", "reference data not found: no working folder", false
	}
	// Tests run in their package's folder; the module root holds go.mod
	// and the reference data sits beside it.
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			cand := filepath.Join(filepath.Dir(d), "shared")
			if st, err := os.Stat(cand); err == nil && st.IsDir() {
				return cand, "", false
			}
			return "", fmt.Sprintf("reference data %s is absent (keep it beside the repository or set %s)", cand, Env), false
		}
		if filepath.Dir(d) == d {
			return "", "reference data not found: no go.mod above " + wd, false
		}
	}
}

// Dir returns the reference data folder, or "" and why it is absent.
func Dir() (string, string) {
	once.Do(locate)
	return dir, reason
}

// Path returns the file or folder rel (slash-separated) inside the
// reference data, skipping the test when it is absent. A NEMSFHIR_SHARED
// that names no folder fails the test instead: the data was asked for.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	d, why := Dir()
	if d == "" {
		if bad {
			tb.Fatal(why)
		}
		tb.Skip(why + ": skipping")
	}
	p := filepath.Join(d, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("reference data %s is absent (%v): skipping", p, err)
	}
	return p
}

// Glob returns the files of the reference data matching pattern
// (slash-separated, relative to its folder), sorted, skipping the test
// when there are none.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	d, why := Dir()
	if d == "" {
		if bad {
			tb.Fatal(why)
		}
		tb.Skip(why + ": skipping")
	}
	files := Optional(pattern)
	if len(files) == 0 {
		tb.Skipf("no reference data matches %s in %s: skipping", pattern, d)
	}
	return files
}

// Optional returns the files of the reference data matching pattern, sorted,
// and nil when the data is absent: for tests that use it when it is there
// on top of inputs of their own (fuzz seeds, say).
func Optional(pattern string) []string {
	d, _ := Dir()
	if d == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(d, filepath.FromSlash(pattern)))
	sort.Strings(files)
	return files
}
