package sharedtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	// A module with the reference data beside it, one without, and a
	// package folder inside each.
	root := t.TempDir()
	with := filepath.Join(root, "a", "repo")
	without := filepath.Join(root, "b", "repo")
	for _, d := range []string{filepath.Join(with, "pkg", "sub"), filepath.Join(without, "pkg"), filepath.Join(root, "a", "shared")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []string{with, without} {
		if err := os.WriteFile(filepath.Join(m, "go.mod"), []byte("module x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	cases := []struct {
		name     string
		env      string
		set      bool
		wd       string
		dir      string
		reason   string // substring
		mistaken bool
	}{
		{"beside the module", "", false, filepath.Join(with, "pkg", "sub"), filepath.Join(root, "a", "shared"), "", false},
		{"fresh clone", "", false, filepath.Join(without, "pkg"), "", "is absent", false},
		{"set but empty means unset", "", true, filepath.Join(with, "pkg"), filepath.Join(root, "a", "shared"), "", false},
		{"hidden", None, true, filepath.Join(with, "pkg"), "", "hidden", false},
		{"pointed at a folder", empty, true, filepath.Join(without, "pkg"), empty, "", false},
		{"pointed at nothing", filepath.Join(root, "typo"), true, filepath.Join(with, "pkg"), "", "is not a folder", true},
		{"outside any module", "", false, root, "", "no go.mod", false},
	}
	for _, c := range cases {
		dir, reason, bad := find(c.env, c.set, c.wd)
		if dir != c.dir || bad != c.mistaken || (c.reason == "") != (reason == "") || !strings.Contains(reason, c.reason) {
			t.Errorf("%s: find = %q, %q, %v; want %q, reason with %q, %v", c.name, dir, reason, bad, c.dir, c.reason, c.mistaken)
		}
	}
}
