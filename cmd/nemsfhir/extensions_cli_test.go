package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateUnknownExtensionFlags: --unknown-extensions and
// --extension-domain decide what an extension without a definition costs:
// exit 1 by default, 0 with a warning or information issue when relaxed,
// 2 for a policy that does not exist.
func TestValidateUnknownExtensionFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "patient.json")
	src := `{"resourceType":"Patient","extension":[{"url":"https://ext.supplier.example.com/fhir/colour","valueString":"blue"}],"active":true}`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args     []string
		code     int
		severity string
	}{
		{nil, 1, "error fhir:extension:unknown"},
		{[]string{"--unknown-extensions", "error"}, 1, "error fhir:extension:unknown"},
		{[]string{"--unknown-extensions", "warning"}, 0, "warning fhir:extension:unknown"},
		{[]string{"--unknown-extensions", "ignore"}, 0, "information fhir:extension:unknown"},
		{[]string{"--extension-domain", "https://ext.supplier.example.com/"}, 0, "information fhir:extension:unknown"},
		{[]string{"--extension-domain", "https://elsewhere.example.net/", "--extension-domain", "https://ext.supplier.example.com/fhir/"}, 0, "information fhir:extension:unknown"},
	} {
		args := append([]string{"validate", "--no-rules"}, tc.args...)
		code, stdout, stderr := runCLI(append(args, path)...)
		if code != tc.code || !strings.Contains(stdout, tc.severity) {
			t.Errorf("%v: exit %d, want %d; stdout %q, stderr %q; want %q", tc.args, code, tc.code, stdout, stderr, tc.severity)
		}
	}
	code, _, stderr := runCLI("validate", "--unknown-extensions", "lenient", path)
	if code != 2 || !strings.Contains(stderr, "lenient") {
		t.Errorf("bad policy: exit %d, stderr %q; want 2 naming it", code, stderr)
	}
}
