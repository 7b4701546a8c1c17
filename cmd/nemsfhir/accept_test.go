package main

// Acceptance tests: build the nemsfhir binary and run it, as a pipeline
// would, over the fixture folders in testdata/accept (valid and invalid
// Subscription and Patient payloads, XML and JSON, one file found by its
// content, notes that must be skipped) and testdata/warn.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nemsfhir/nemsfhir/internal/pgtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// nemsfhirBinary builds the command once per test process.
func nemsfhirBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "nemsfhir-accept-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "nemsfhir")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		// The binary has the schema checks of the test binary: built with
		// the same tags.
		out, err := exec.Command("go", "build", "-tags", binaryTags, "-ldflags", "-X main.version=9.9.9-test", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Logf("go build: %s", out)
		}
	})
	if binErr != nil {
		t.Fatalf("building nemsfhir: %v", binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop() // the PostgreSQL cluster of the serve tests, if one was started
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// runBinary runs the built command in testdata with NO_COLOR unset (stdout
// is a pipe, so there must be no colour anyway); a non-empty stdin is
// given through a pipe.
func runBinary(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(nemsfhirBinary(t), args...)
	cmd.Dir = "testdata"
	cmd.Env = append(os.Environ(), "NO_COLOR=")
	// No input given: standard input is /dev/null, as for a command run
	// from a terminal or by CI, which validate does not read unasked.
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// acceptOrder is the input order of testdata/accept: lexical, recursive,
// without README and notes.jsonl.
var acceptOrder = []struct {
	path  string
	valid bool
	kind  string
}{
	{"accept/more/patient-sniffed", true, "resource"},
	{"accept/more/patient-truncated.json", false, "unknown"},
	{"accept/patient-bad-birthdate.xml", false, "resource"},
	{"accept/patient.json", true, "resource"},
	{"accept/subscription-bad-channel.json", false, "subscription"},
	{"accept/subscription-explicit.xml", true, "subscription"},
	{"accept/subscription-generic.json", true, "subscription"},
	{"accept/subscription-no-status.xml", false, "subscription"},
}

func TestAcceptText(t *testing.T) {
	code, out, errOut := runBinary(t, "", "validate", "accept")
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitInvalid, errOut)
	}
	for _, want := range []string{
		"accept/patient-bad-birthdate.xml:11:3: error fhir:datatype [INVALID_RESOURCE] Patient.birthDate: ",
		"accept/subscription-bad-channel.json:6:15: error fhir:binding [INVALID_CODE_VALUE] Subscription.channel.type: ",
		"accept/subscription-no-status.xml:1:1: error fhir:cardinality [INVALID_RESOURCE] Subscription: ",
		"accept/more/patient-truncated.json:2:1: fatal fhir:well-formed [MESSAGE_NOT_WELL_FORMED]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour on a pipe")
	}
	if !strings.HasSuffix(out, "8 files checked: 4 valid, 4 invalid; 6 errors, 0 warnings\n") {
		t.Errorf("summary line wrong:\n%s", out)
	}
	// Same bytes whatever the number of workers.
	for _, w := range []string{"1", "2", "7"} {
		if _, o, _ := runBinary(t, "", "validate", "--workers", w, "accept"); o != out {
			t.Errorf("--workers %s changes the output:\n%s", w, o)
		}
	}
}

func TestAcceptJSON(t *testing.T) {
	code, out, _ := runBinary(t, "", "validate", "-o", "json", "accept")
	if code != exitInvalid {
		t.Fatalf("exit %d", code)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	i := 0
	for sc.Scan() {
		var rec struct {
			Path   string `json:"path"`
			Valid  bool   `json:"valid"`
			Kind   string `json:"kind"`
			Issues []struct {
				Severity, Code, SpineCode, Rule, Expression, Message string
				Line, Column                                         int
			} `json:"issues"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, sc.Text())
		}
		if i >= len(acceptOrder) {
			t.Fatalf("more records than files: %s", sc.Text())
		}
		w := acceptOrder[i]
		if rec.Path != w.path || rec.Valid != w.valid || rec.Kind != w.kind || rec.Valid != (len(rec.Issues) == 0) {
			t.Errorf("record %d: %+v, want %+v", i, rec, w)
		}
		for _, is := range rec.Issues {
			if is.Severity == "" || is.Rule == "" || is.Message == "" || is.SpineCode == "" {
				t.Errorf("%s: incomplete issue %+v", rec.Path, is)
			}
		}
		i++
	}
	if i != len(acceptOrder) {
		t.Errorf("%d records, want %d", i, len(acceptOrder))
	}
}

func TestAcceptOutcome(t *testing.T) {
	for _, f := range []string{"xml", "json"} {
		code, out, _ := runBinary(t, "", "validate", "-o", "outcome", "--outcome-format", f, "accept")
		if code != exitInvalid {
			t.Fatalf("%s: exit %d", f, code)
		}
		var n int
		if f == "json" {
			var b struct {
				ResourceType, Type string
				Entry              []struct {
					FullURL  string `json:"fullUrl"`
					Resource struct {
						ResourceType string
						Text         struct{ Div string }
					}
				}
			}
			if err := json.Unmarshal([]byte(out), &b); err != nil {
				t.Fatal(err)
			}
			if b.ResourceType != "Bundle" || b.Type != "collection" {
				t.Errorf("json: %s %s", b.ResourceType, b.Type)
			}
			for i, e := range b.Entry {
				if e.Resource.ResourceType != "OperationOutcome" || !strings.Contains(e.Resource.Text.Div, acceptOrder[i].path) {
					t.Errorf("entry %d: %+v", i, e)
				}
			}
			n = len(b.Entry)
		} else {
			var b struct {
				XMLName xml.Name
				Entry   []struct {
					OO struct {
						Text struct {
							Div string `xml:",innerxml"`
						} `xml:"text"`
					} `xml:"resource>OperationOutcome"`
				} `xml:"entry"`
			}
			if err := xml.Unmarshal([]byte(out), &b); err != nil {
				t.Fatal(err)
			}
			for i, e := range b.Entry {
				if !strings.Contains(e.OO.Text.Div, acceptOrder[i].path) {
					t.Errorf("entry %d narrative %q does not name %s", i, e.OO.Text.Div, acceptOrder[i].path)
				}
			}
			n = len(b.Entry)
		}
		if n != len(acceptOrder) {
			t.Errorf("%s: %d entries, want %d", f, n, len(acceptOrder))
		}
	}
	// One file: the bare OperationOutcome NEMS would answer with.
	_, out, _ := runBinary(t, "", "validate", "-o", "outcome", "accept/subscription-no-status.xml")
	if !strings.HasPrefix(out, `<OperationOutcome xmlns="http://hl7.org/fhir">`) {
		t.Errorf("one file: %s", out)
	}
	// The reports are themselves valid FHIR: feed them back.
	for _, f := range []string{"xml", "json"} {
		_, out, _ := runBinary(t, "", "validate", "-o", "outcome", "--outcome-format", f, "accept")
		code, res, errOut := runBinary(t, out, "validate", "-")
		if code != exitOK {
			t.Errorf("the %s outcome Bundle is not valid FHIR (exit %d):\n%s%s", f, code, res, errOut)
		}
	}
}

func TestAcceptJUnit(t *testing.T) {
	code, out, _ := runBinary(t, "", "validate", "-o", "junit", "accept")
	if code != exitInvalid {
		t.Fatalf("exit %d", code)
	}
	checkJUnitSchema(t, out)
	for _, want := range []string{`tests="8" failures="4"`, `<testcase name="accept/subscription-explicit.xml" classname="nemsfhir.subscription" time="`,
		`<failure message="1 error: value &#34;14/03/2019&#34; is not a valid date`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestAcceptSARIF(t *testing.T) {
	// An unreadable input is in the log too (a toolExecutionNotification),
	// which the schema check below covers.
	code, out, _ := runBinary(t, "", "validate", "-o", "sarif", "accept", "warn", "no/such.xml")
	if code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, `"toolExecutionNotifications": [`) || !strings.Contains(out, `"executionSuccessful": false`) {
		t.Errorf("the unreadable input is not in the invocation:\n%s", out)
	}
	if !strings.Contains(out, `"uri": "accept/patient-bad-birthdate.xml"`) && !strings.Contains(out, `"uri":"accept/patient-bad-birthdate.xml"`) {
		t.Errorf("artifact location missing:\n%s", out)
	}
	if !strings.Contains(out, `"version": "9.9.9-test"`) {
		t.Errorf("driver version missing")
	}
	path := os.Getenv("NEMSFHIR_SARIF_SCHEMA")
	if path == "" {
		t.Skip("NEMSFHIR_SARIF_SCHEMA is not set: cannot check the output against the SARIF 2.1.0 JSON Schema (.ci/run installs @microsoft/jest-sarif and sets it)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("NEMSFHIR_SARIF_SCHEMA: %v", err)
	}
	defer f.Close()
	sdoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "urn:nemsfhir:sarif-2.1.0.json"
	if err := c.AddResource(url, sdoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	// The schema must bite: a log with a made-up level and no tool fails.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"results":[{"level":"loud","message":{"text":"x"}}]}]}`))
	if sch.Validate(bad) == nil {
		t.Fatal("the SARIF schema accepts a log without a tool: wrong schema file?")
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("SARIF output fails the SARIF 2.1.0 schema: %v\n%s", err, out)
	}
}

func TestAcceptExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		out    string // in stdout
		errOut string // in stderr
	}{
		{"all valid", "", []string{"validate", "accept/patient.json", "accept/subscription-explicit.xml"}, exitOK, "2 files checked: 2 valid", ""},
		{"warnings pass", "", []string{"validate", "warn"}, exitOK, "0 errors, 1 warning", ""},
		{"fail on warning", "", []string{"validate", "--fail-on", "warning", "warn"}, exitInvalid, "warning fhir:invariant:nor-1", ""},
		{"unreadable and valid", "", []string{"validate", "no/such/file.xml", "accept/patient.json"}, exitUsage, "no/such/file.xml: error: not read: no such file or directory\n2 files checked: 1 valid, 0 invalid, 1 unreadable; 0 errors", "no/such/file.xml"},
		{"unreadable and invalid", "", []string{"validate", "accept/subscription-no-status.xml", "nope.json"}, exitUsage, "2 files checked: 0 valid, 1 invalid, 1 unreadable", "nope.json"},
		{"stdin", `{"resourceType":"Patient","gender":"unknown"}`, []string{"validate", "-"}, exitOK, "1 file checked: 1 valid", ""},
		{"stdin invalid", `{"resourceType":"Patient","gender":"x"}`, []string{"validate", "-o", "json", "-"}, exitInvalid, `"path":"-"`, ""},
		{"stdin twice", "", []string{"validate", "-", "-"}, exitUsage, "", "only once"},
		{"no path", "", []string{"validate"}, exitUsage, "", "at least one PATH (a file, a folder or - for standard input)\nRun 'nemsfhir validate --help' for usage."},
		{"piped stdin, no path", `{"resourceType":"Patient","gender":"x"}`, []string{"validate", "-f", "json"}, exitInvalid, `"path":"-"`, ""},
		{"bad format", "", []string{"validate", "-o", "yaml", "accept"}, exitUsage, "", `unknown format "yaml"`},
		{"bad --format", "", []string{"validate", "--format", "yaml", "accept"}, exitUsage, "", `unknown format "yaml"`},
		{"-o format and --format differ", "", []string{"validate", "-o", "json", "--format", "sarif", "accept"}, exitUsage, "", "-o json and --format sarif"},
		{"unknown flag", "", []string{"validate", "--workerz", "2", "accept"}, exitUsage, "", "unknown flag: --workerz\nRun 'nemsfhir validate --help' for usage."},
		{"bad outcome format", "", []string{"validate", "-o", "outcome", "--outcome-format", "turtle", "accept"}, exitUsage, "", "turtle"},
		{"bad fail-on", "", []string{"validate", "--fail-on", "info", "accept"}, exitUsage, "", "--fail-on"},
		{"bad glob", "", []string{"validate", "--include", "[", "accept"}, exitUsage, "", "bad glob"},
		{"unknown profile", "", []string{"validate", "--profile", "https://example.org/StructureDefinition/none", "accept"}, exitUsage, "", "not among the loaded"},
		{"missing ig", "", []string{"validate", "--ig", "no/such/ig", "accept"}, exitUsage, "", "no/such/ig"},
		{"bad kind", "", []string{"validate", "--kind", "letter", "accept"}, exitUsage, "", "--kind"},
		{"forced kind", "", []string{"validate", "--kind", "resource", "accept/subscription-bad-channel.json"}, exitInvalid, "1 error", ""},
		{"no rules", "", []string{"validate", "--no-rules", "accept"}, exitInvalid, "8 files checked: 4 valid, 4 invalid; 4 errors", ""},
		{"bad jobs", "", []string{"validate", "--jobs", "0", "accept"}, exitUsage, "", "--jobs must be at least 1\nRun 'nemsfhir validate --help' for usage."},
		{"old --workers", "", []string{"validate", "--workers", "1", "accept"}, exitInvalid, "8 files checked: 4 valid, 4 invalid", ""},
		{"-j", "", []string{"validate", "-j", "2", "-f", "json", "accept"}, exitInvalid, `"path":"accept/patient.json"`, ""},
		{"include", "", []string{"validate", "--include", "subscription-*", "accept"}, exitInvalid, "4 files checked: 2 valid, 2 invalid", ""},
		{"include by path", "", []string{"validate", "--include", "more/*", "accept"}, exitInvalid, "4 files checked: 1 valid, 3 invalid", ""},
		{"exclude folder", "", []string{"validate", "--exclude", "more", "--exclude", "*.xml", "accept"}, exitInvalid, "3 files checked: 2 valid, 1 invalid", ""},
		{"empty selection", "", []string{"validate", "--include", "*.none", "accept"}, exitUsage, "accept: error: not read: no XML or JSON files in this folder\n1 file checked: 0 valid, 0 invalid, 1 unreadable", "no XML or JSON files"},
		{"quiet", "", []string{"validate", "--quiet", "-o", "junit", "accept"}, exitInvalid, "8 files checked: 4 valid, 4 invalid; 6 errors, 0 warnings\n", ""},
		{"summary", "", []string{"validate", "--summary", "accept"}, exitInvalid, "\nnems:sub:channel-type ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runBinary(t, tc.stdin, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Errorf("nemsfhir %v: exit %d\nstdout:\n%s\nstderr:\n%s\nwant exit %d, stdout with %q, stderr with %q", tc.args, code, out, errOut, tc.code, tc.out, tc.errOut)
			}
			if tc.name == "quiet" && out != tc.out {
				t.Errorf("--quiet prints more than the summary line:\n%s", out)
			}
		})
	}
}
