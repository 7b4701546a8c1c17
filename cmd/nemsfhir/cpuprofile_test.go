package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateCPUProfile: --cpuprofile writes a profile (gzip, as pprof
// writes them) without changing the report or the exit status, and a
// profile that cannot be created is a usage error naming the flag.
func TestValidateCPUProfile(t *testing.T) {
	dir := t.TempDir()
	payload := filepath.Join(dir, "patient.xml")
	if err := os.WriteFile(payload, []byte(`<Patient xmlns="http://hl7.org/fhir"><gender value="woman"/></Patient>`), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "cpu.prof")
	code, out, _ := cvRun("", "validate", "--cpuprofile", prof, payload)
	plainCode, plainOut, _ := cvRun("", "validate", payload)
	if code != plainCode || out != plainOut {
		t.Errorf("with --cpuprofile: exit %d\n%s\nwithout: exit %d\n%s", code, out, plainCode, plainOut)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		t.Errorf("%s is not a gzipped profile: % x", prof, b[:min(len(b), 8)])
	}
	code, _, errOut := cvRun("", "validate", "--cpuprofile", filepath.Join(dir, "missing", "cpu.prof"), payload)
	if code != exitUsage || !strings.Contains(errOut, "--cpuprofile:") {
		t.Errorf("profile in a missing folder: exit %d, %q", code, errOut)
	}
}
