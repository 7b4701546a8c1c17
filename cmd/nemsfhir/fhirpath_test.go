package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fhirpathPatientJSON = `{"resourceType":"Patient","id":"p1",
 "active":true,
 "name":[{"use":"official","family":"Smith","given":["Ann","Bea"]}],
 "gender":"female","birthDate":"1970-03-02",
 "multipleBirthInteger":2}`

const fhirpathPatientXML = `<Patient xmlns="http://hl7.org/fhir"><id value="p2"/>
 <name><family value="Jones"/><given value="Cy"/></name>
 <birthDate value="1981"/></Patient>`

// writeFHIRPathInputs writes the two patients and returns their paths.
func writeFHIRPathInputs(t *testing.T) (jsonPath, xmlPath string) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, xmlPath = filepath.Join(dir, "p1.json"), filepath.Join(dir, "p2.xml")
	for p, s := range map[string]string{jsonPath: fhirpathPatientJSON, xmlPath: fhirpathPatientXML} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return jsonPath, xmlPath
}

func TestFHIRPathPrintsTypedResults(t *testing.T) {
	p1, _ := writeFHIRPathInputs(t)
	code, out, errOut := runCLI("fhirpath",
		"name.given | gender | active | birthDate | multipleBirth | name.given.count() + 10 | 1.50 | 2 'mg' | 3 days | @2014-01-25T10:00:00Z | @T10:30 | name.first()", p1)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `string: Ann
string: Bea
code: female
boolean: true
date: 1970-03-02
integer: 2
integer: 12
decimal: 1.50
Quantity: 2 'mg'
Quantity: 3 days
dateTime: 2014-01-25T10:00:00Z
time: 10:30
HumanName: {"use":"official","family":"Smith","given":["Ann","Bea"]}
`
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestFHIRPathSeveralFilesAndStdin(t *testing.T) {
	p1, p2 := writeFHIRPathInputs(t)
	code, out, errOut := runCLI("fhirpath", "name.family", p1, p2)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := p1 + ": string: Smith\n" + p2 + ": string: Jones\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	// An empty result prints nothing.
	if code, out, _ := runCLI("fhirpath", "name.suffix", p1); code != exitOK || out != "" {
		t.Errorf("empty result: exit %d, output %q", code, out)
	}
	var stdout, stderr bytes.Buffer
	code = run([]string{"fhirpath", "birthDate", "-"}, strings.NewReader(fhirpathPatientXML), &stdout, &stderr)
	if code != exitOK || stdout.String() != "date: 1981\n" {
		t.Errorf("stdin: exit %d, output %q %q", code, stdout.String(), stderr.String())
	}
}

func TestFHIRPathJSONFormat(t *testing.T) {
	p1, p2 := writeFHIRPathInputs(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"resourceType":"Patient","nickname":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI("fhirpath", "--format", "json", "name.given | name.where(given contains 'Ann')", p1, p2, bad)
	if code != exitInvalid {
		t.Errorf("exit %d, want %d (one file is not STU3): %s", code, exitInvalid, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per file, got %q", out)
	}
	var got []map[string]any
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		got = append(got, v)
	}
	first, _ := json.Marshal(got[0]["results"])
	if want := `[{"type":"string","value":"Ann"},{"type":"string","value":"Bea"},{"type":"HumanName","value":{"family":"Smith","given":["Ann","Bea"],"use":"official"}}]`; string(first) != want {
		t.Errorf("results: %s\nwant %s", first, want)
	}
	if got[0]["path"] != p1 || got[1]["path"] != p2 || got[2]["path"] != bad {
		t.Errorf("paths: %v", got)
	}
	second, _ := json.Marshal(got[1]["results"])
	if want := `[{"type":"string","value":"Cy"}]`; string(second) != want {
		t.Errorf("second file: %s", second)
	}
	if msg, _ := got[2]["error"].(string); !strings.Contains(msg, "nickname") || got[2]["results"] != nil {
		t.Errorf("bad file: %v", got[2])
	}
	// An empty result is an empty list, not a missing one.
	_, out, _ = runCLI("fhirpath", "--format", "json", "name.suffix", p1)
	if want := `{"path":"` + p1 + `","results":[]}` + "\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestFHIRPathExitCodes(t *testing.T) {
	p1, _ := writeFHIRPathInputs(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string // in stderr
	}{
		{[]string{"name.(", p1}, exitInvalid, "does not compile: fhirpath: 1:6"},
		{[]string{"name.given1(", p1}, exitInvalid, "^"},
		// 'as' on several items and a function the engine cannot evaluate.
		{[]string{"name.given.as(string)", p1}, exitInvalid, "needs a single item"},
		{[]string{"gender.memberOf('http://hl7.org/fhir/ValueSet/administrative-gender')", p1}, exitInvalid, "cannot be trusted"},
		{[]string{"name"}, exitUsage, "at least one FILE"},
		{[]string{"--format", "yaml", "name", p1}, exitUsage, `unknown --format "yaml"`},
		{[]string{"name", filepath.Join(t.TempDir(), "missing.json")}, exitUsage, "missing.json"},
		{[]string{"name", t.TempDir()}, exitUsage, "not a regular file"},
		{[]string{"name", "-", "-"}, exitUsage, "once"},
	} {
		code, _, errOut := runCLI(append([]string{"fhirpath"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("fhirpath %v: exit %d, stderr %q; want exit %d with %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}

func TestFHIRPathRefusesWhatIsNotAResource(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"text.txt":   "hello",
		"broken.xml": `<Patient xmlns="http://hl7.org/fhir"><name>`,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI("fhirpath", "name", p)
		if code != exitInvalid || out != "" || !strings.Contains(errOut, p+":") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out, errOut)
		}
	}
}

func TestFHIRPathStrict(t *testing.T) {
	p1, p2 := writeFHIRPathInputs(t)
	// Without --strict a misspelt name is an empty result.
	if code, out, errOut := runCLI("fhirpath", "name.given1", p1); code != exitOK || out != "" {
		t.Errorf("plain: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut := runCLI("fhirpath", "--strict", "name.given1", p1)
	if code != exitInvalid || out != "" || !strings.Contains(errOut, p1+": the expression does not fit a Patient: fhirpath: 1:6") || !strings.Contains(errOut, "     ^") {
		t.Errorf("strict: exit %d, %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI("fhirpath", "--strict", "--format", "json", "name.family", p1, p2)
	if code != exitOK || strings.Count(out, `"results":[{"type":"string"`) != 2 {
		t.Errorf("strict, valid: exit %d, %q %q", code, out, errOut)
	}
}

func TestFHIRPathExpressionAfterDashes(t *testing.T) {
	p1, _ := writeFHIRPathInputs(t)
	if code, out, errOut := runCLI("fhirpath", "--", "-1 + 2", p1); code != exitOK || out != "integer: 1\n" {
		t.Errorf("exit %d, %q %q", code, out, errOut)
	}
}
