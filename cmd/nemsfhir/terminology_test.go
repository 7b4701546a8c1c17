package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run over payloads carrying SNOMED CT codes says once, on stderr, that
// they were not checked offline, with the number of payloads; --quiet
// keeps it to one line.
func TestValidateReportsUncheckedTerminologyOnce(t *testing.T) {
	dir := t.TempDir()
	p := `{"resourceType":"Patient","maritalStatus":{"coding":[{"system":"http://snomed.info/sct","code":"87915002"}]}}`
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, _, errOut := runCLI("validate", "--no-rules", dir)
	if n := strings.Count(errOut, "\n"); n != 1 || !strings.Contains(errOut, "information [fhir:terminology-offline]: codes of http://snomed.info/sct (SNOMED CT) in 2 payloads not checked") {
		t.Errorf("stderr:\n%s", errOut)
	}
	_, _, errOut = runCLI("validate", "--no-rules", "--quiet", dir)
	if errOut != "nemsfhir validate: information: codes of 1 code system(s) not held offline were not checked\n" {
		t.Errorf("--quiet stderr:\n%s", errOut)
	}
}
