package structuredef

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnjudgedProfileConstraint: a profile constraint whose evaluation
// fails (single() of two names) or reaches an unsupported function is
// reported as not evaluated, as severe as its breach would be; it used to
// pass in silence.
func TestUnjudgedProfileConstraint(t *testing.T) {
	sd, err := os.ReadFile("testdata/TestPatient-Derived.json")
	if err != nil {
		t.Fatal(err)
	}
	const url = "https://example.org/fhir/StructureDefinition/Test-UnjudgedPatient-1"
	src := strings.ReplaceAll(string(sd), "Test-DerivedPatient-1", "Test-UnjudgedPatient-1")
	src = strings.Replace(src, `"expression": "name.family.exists()"}`,
		`"expression": "name.single().family.exists()"}, {"key": "test-2", "severity": "warning", "human": "h", "expression": "gender.memberOf('http://example.org/vs')"}`, 1)
	file := filepath.Join(t.TempDir(), "unjudged.json")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := derivedRegistry(t, file)
	patient := strings.Replace(patientJSON, careConnectPatient, url, 1)
	patient = strings.Replace(patient, `"name": [`, `"name": [{"family": "Other"}, `, 1)
	fs := r.Check(parse(t, "p.json", []byte(patient)), nil)
	cases := []struct{ rule, severity, issueType, why string }{
		{"profile:Test-UnjudgedPatient-1:constraint:test-1", "error", "processing", "test-1 of Test-UnjudgedPatient-1 was not evaluated: its evaluation failed: single() found 2 items"},
		{"profile:Test-UnjudgedPatient-1:constraint:test-2", "warning", "not-supported", "test-2 of Test-UnjudgedPatient-1 was not evaluated: it reached memberOf()"},
	}
	for _, c := range cases {
		got := find(fs, c.rule, "Patient")
		if len(got) != 1 || string(got[0].Severity) != c.severity || got[0].Code != c.issueType || !strings.Contains(got[0].Message, c.why) {
			t.Errorf("%s: want one %s %s %q, got", c.rule, c.severity, c.issueType, c.why)
			dump(t, fs)
		}
	}
}
