package main

// Acceptance tests of the command line itself, as a user meets it: usage
// errors, help, flag names, standard input, unreadable inputs in every
// report, SARIF rule help, --version and source excerpts.

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/profiles"
)

// Every usage error names the problem and the command's help, in every
// command.
func TestUsageErrorsHaveHint(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"validate", "--fail-on", "info", "x"}, `unknown --fail-on "info"`},
		{[]string{"validate", "--excerpt", "--no-excerpt", "x"}, "--excerpt and --no-excerpt together"},
		{[]string{"validate", "--excerpt", "-f", "json", "x"}, "--excerpt is for --format text"},
		{[]string{"validate", "-o", "yaml", "x"}, `unknown format "yaml"`},
		{[]string{"validate", "--jobs", "many", "x"}, `invalid argument "many" for "-j, --jobs"`},
		{[]string{"convert", "x.xml"}, "--to is required"},
		{[]string{"convert", "--to", "json"}, "no PATH given"},
		{[]string{"model"}, "give one TYPE or TYPE.PATH"},
		{[]string{"model", "--list", "Patient"}, "--list takes no arguments"},
		{[]string{"profiles", "explain"}, "explain takes one RULE-ID"},
		{[]string{"profiles", "list"}, `unexpected argument "list"`},
		{[]string{"request"}, "--interaction is required"},
		{[]string{"request", "--interaction", "publish", "a", "b"}, "at most one BODY-FILE"},
	} {
		code, out, errOut := runCLI(tc.args...)
		hint := "Run 'nemsfhir " + tc.args[0] + " --help' for usage.\n"
		if code != exitUsage || out != "" || !strings.Contains(errOut, "nemsfhir "+tc.args[0]+": ") || !strings.Contains(errOut, tc.msg) || !strings.HasSuffix(errOut, hint) {
			t.Errorf("nemsfhir %v: exit %d, stdout %q, stderr %q; want exit 2, %q and the hint", tc.args, code, out, errOut, tc.msg)
		}
	}
}

// validate and convert name their flags alike: -o/--output is where the
// output goes, -j/--jobs how many files at once; validate's report format
// is -f/--format. The old spellings still work and are not listed.
func TestFlagNames(t *testing.T) {
	_, vhelp, _ := runCLI("validate", "--help")
	_, chelp, _ := runCLI("convert", "--help")
	for _, want := range []string{"-f, --format string", "-o, --output FILE", "-j, --jobs N", "--excerpt", "--no-excerpt", "-q, --quiet"} {
		if !strings.Contains(vhelp, want) {
			t.Errorf("validate --help lacks %q", want)
		}
	}
	for _, want := range []string{"-o, --output DIR", "-j, --jobs N", "-q, --quiet"} {
		if !strings.Contains(chelp, want) {
			t.Errorf("convert --help lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^\s+--workers\b`).MatchString(vhelp) {
		t.Error("validate --help lists the old --workers among the flags")
	}

	dir := t.TempDir()
	rep := filepath.Join(dir, "report.json")
	accept := filepath.Join("testdata", "accept")
	code, out, errOut := runCLI("validate", "-f", "json", "-o", rep, accept)
	if code != exitInvalid || out != "" {
		t.Fatalf("-o FILE: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	b, err := os.ReadFile(rep)
	if err != nil || strings.Count(string(b), "\n") != 8 || !strings.Contains(string(b), `"path":"testdata/accept/patient.json"`) {
		t.Errorf("report file: %v\n%s", err, b)
	}
	// The old -o FORMAT.
	code, out, _ = runCLI("validate", "-o", "json", accept)
	if code != exitInvalid || strings.Count(out, "\n") != 8 || !strings.HasPrefix(out, `{"path":`) {
		t.Errorf("-o json: exit %d\n%s", code, out)
	}
	// A report that would overwrite an input, or be read as one, is refused
	// before anything is written.
	in := filepath.Join(dir, "in.json")
	os.WriteFile(in, []byte(`{"resourceType":"Patient"}`), 0o644)
	for _, args := range [][]string{
		{"validate", "-f", "json", "-o", in, in},
		{"validate", "-f", "json", "-o", filepath.Join(dir, "r.json"), dir},
	} {
		code, _, errOut := runCLI(args...)
		if code != exitUsage || !strings.Contains(errOut, "--output") || !strings.Contains(errOut, "--help' for usage.") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	if b, _ := os.ReadFile(in); string(b) != `{"resourceType":"Patient"}` {
		t.Errorf("the input was overwritten: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("a refused report file was created")
	}
}

// validate reads standard input when it is a file or a pipe and no PATH
// is given (a pipe is in TestAcceptExitCodes).
func TestAcceptStdinRedirected(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "accept", "subscription-bad-channel.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(nemsfhirBinary(t), "validate", "-f", "json")
	cmd.Stdin = f
	out, err := cmd.Output()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != exitInvalid || !strings.HasPrefix(string(out), `{"path":"-","format":"json","valid":false,"kind":"subscription"`) {
		t.Errorf("validate < file: %v\n%s", err, out)
	}
}

// An input that cannot be read is a record of every report and counted in
// its totals, and the exit status is 2.
func TestAcceptUnreadableInEveryReport(t *testing.T) {
	args := func(format string) []string {
		return []string{"validate", "-f", format, "--outcome-format", "json", "accept/patient.json", "no/such.xml"}
	}
	check := func(format string) string {
		t.Helper()
		code, out, errOut := runBinary(t, "", args(format)...)
		if code != exitUsage || !strings.Contains(errOut, "no/such.xml: no such file or directory") {
			t.Errorf("%s: exit %d, stderr %q", format, code, errOut)
		}
		return out
	}

	out := check("text")
	if !strings.Contains(out, "no/such.xml: error: not read: no such file or directory\n2 files checked: 1 valid, 0 invalid, 1 unreadable;") {
		t.Errorf("text:\n%s", out)
	}

	out = check("json")
	sc := bufio.NewScanner(strings.NewReader(out))
	var recs []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("json: %v: %s", err, sc.Text())
		}
		recs = append(recs, m)
	}
	if len(recs) != 2 || recs[1]["path"] != "no/such.xml" || recs[1]["valid"] != false || recs[1]["kind"] != "unknown" ||
		!strings.Contains(fmt.Sprint(recs[1]["error"]), "no such file or directory") || recs[0]["error"] != nil {
		t.Errorf("json:\n%s", out)
	}

	out = check("junit")
	var suites struct {
		Tests  int `xml:"tests,attr"`
		Errors int `xml:"errors,attr"`
		Suite  struct {
			Tests, Errors, Failures int `xml:",attr"`
			Cases                   []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatalf("junit: %v", err)
	}
	cs := suites.Suite.Cases
	if suites.Tests != 2 || suites.Errors != 1 || len(cs) != 2 || cs[1].Name != "no/such.xml" || cs[1].Error == nil ||
		cs[1].Error.Type != "unreadable" || !strings.Contains(cs[1].Error.Message, "no such file") || cs[0].Error != nil {
		t.Errorf("junit:\n%s", out)
	}
	if !strings.Contains(out, `<testsuite name="nemsfhir validate" tests="2" failures="0" errors="1"`) {
		t.Errorf("junit testsuite totals:\n%s", out)
	}

	out = check("sarif")
	var log struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
				Notes               []struct {
					Level     string `json:"level"`
					Message   struct{ Text string }
					Locations []struct {
						PhysicalLocation struct {
							ArtifactLocation struct{ URI string }
						}
					}
					Descriptor struct{ ID string }
				} `json:"toolExecutionNotifications"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("sarif: %v", err)
	}
	if len(log.Runs) != 1 || len(log.Runs[0].Invocations) != 1 {
		t.Fatalf("sarif: no invocation:\n%s", out)
	}
	inv := log.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.Notes) != 1 || inv.Notes[0].Level != "error" || inv.Notes[0].Descriptor.ID != "nemsfhir:unreadable" ||
		!strings.Contains(inv.Notes[0].Message.Text, "no/such.xml: not read: no such file") ||
		len(inv.Notes[0].Locations) != 1 || inv.Notes[0].Locations[0].PhysicalLocation.ArtifactLocation.URI != "no/such.xml" {
		t.Errorf("sarif invocation: %+v", inv)
	}

	out = check("html")
	for _, want := range []string{
		"<title>nemsfhir validation report: 2 files, 0 invalid, 1 unreadable</title>",
		`<span class="n" id="n-unreadable">1</span>`,
		`<section class="file invalid unreadable" id="file-2" data-file="no/such.xml"`,
		`<span class="verdict">not read</span>`,
		"not read: no such file or directory",
		"2 files checked: 1 valid, 0 invalid, 1 unreadable",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %q", want)
		}
	}

	out = check("outcome")
	var bundle struct {
		ResourceType string
		Entry        []struct {
			Resource struct {
				Text  struct{ Div string }
				Issue []struct{ Severity, Code, Diagnostics string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &bundle); err != nil {
		t.Fatalf("outcome: %v", err)
	}
	if len(bundle.Entry) != 2 {
		t.Fatalf("outcome: %d entries\n%s", len(bundle.Entry), out)
	}
	oo := bundle.Entry[1].Resource
	if len(oo.Issue) != 1 || oo.Issue[0].Severity != "fatal" || oo.Issue[0].Code != "exception" ||
		!strings.Contains(oo.Issue[0].Diagnostics, "no such file") || !strings.Contains(oo.Text.Div, "<code>no/such.xml</code> was not read") {
		t.Errorf("outcome of the unreadable input: %+v", oo)
	}

	code, out, _ := runBinary(t, "", "validate", "--quiet", "accept/patient.json", "no/such.xml")
	if code != exitUsage || out != "2 files checked: 1 valid, 0 invalid, 1 unreadable; 0 errors, 0 warnings\n" {
		t.Errorf("--quiet: exit %d, %q", code, out)
	}
}

// A NEMS rule in SARIF is described from its pack: the summary, the NEMS
// guide page, the text of 'profiles explain', and a help address at its
// row of the traceability matrix in the repository.
func TestAcceptSARIFRuleHelp(t *testing.T) {
	_, out, _ := runBinary(t, "", "validate", "-f", "sarif", "accept/subscription-bad-channel.json")
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                                string
						ShortDescription, FullDescription struct{ Text string }
						Help                              struct{ Text string }
						HelpURI                           string
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	rs, err := profiles.Default()
	if err != nil {
		t.Fatal(err)
	}
	tsv, err := os.ReadFile(filepath.Join("..", "..", "profiles", "traceability.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	tsvLines := strings.Split(string(tsv), "\n")
	seen := 0
	for _, r := range log.Runs[0].Tool.Driver.Rules {
		if !strings.HasPrefix(r.ID, "nems:") {
			continue
		}
		seen++
		rule, ok := rs.Rule(r.ID)
		if !ok {
			t.Fatalf("%s is no pack rule", r.ID)
		}
		if r.ShortDescription.Text != rule.Summary || strings.HasPrefix(r.ShortDescription.Text, "NEMS rule ") {
			t.Errorf("%s: shortDescription %q, want the pack summary %q", r.ID, r.ShortDescription.Text, rule.Summary)
		}
		if !strings.Contains(r.FullDescription.Text, "(NEMS guide: ") || !strings.Contains(r.Help.Text, "check:") || !strings.Contains(r.Help.Text, r.ID) {
			t.Errorf("%s: description %q, help %q", r.ID, r.FullDescription.Text, r.Help.Text)
		}
		m := regexp.MustCompile(`^https://github\.com/nemsfhir/nemsfhir/blob/main/profiles/traceability\.tsv#L(\d+)$`).FindStringSubmatch(r.HelpURI)
		if m == nil {
			t.Errorf("%s: helpUri %q is not a row of the traceability matrix", r.ID, r.HelpURI)
			continue
		}
		var n int
		fmt.Sscan(m[1], &n)
		if n < 1 || n > len(tsvLines) || !strings.Contains(" "+strings.Split(tsvLines[n-1], "\t")[2]+" ", " "+r.ID+" ") {
			t.Errorf("%s: helpUri line %d does not name the rule", r.ID, n)
		}
	}
	if seen < 2 {
		t.Errorf("%d NEMS rules in the log; the fixture breaks at least two", seen)
	}
}

// --version names the version stamped by release/build.sh, else the
// module's, and the revision the binary was built from.
func TestAcceptVersion(t *testing.T) {
	code, out, _ := runBinary(t, "", "--version")
	if code != exitOK || !strings.HasPrefix(out, "nemsfhir 9.9.9-test (FHIR STU3 3.0.2)\nrevision: ") {
		t.Fatalf("--version: exit %d\n%s", code, out)
	}
	// The revision is the one Go recorded in the binary, if any (none
	// with GOFLAGS=-buildvcs=false or outside a checkout Go recognises).
	info, err := exec.Command("go", "version", "-m", nemsfhirBinary(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\tbuild\tvcs\.revision=([0-9a-f]{12})`).FindSubmatch(info)
	switch {
	case m == nil && !strings.Contains(out, "revision: unknown (built outside a git checkout, without release/build.sh)\n"):
		t.Errorf("no revision recorded, and --version does not say so:\n%s", out)
	case m != nil && !strings.Contains(out, "revision: "+string(m[1])):
		t.Errorf("--version lacks the recorded revision %s:\n%s", m[1], out)
	}
}

func TestBuildVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-07T00:00:00Z"}}
	defer func(v, r string) { version, revision = v, r }(version, revision)
	for _, tc := range []struct {
		name, ver, rev string
		info           *debug.BuildInfo
		wantV, wantR   string
	}{
		{"stamped", "1.2.0", "abc1234", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs}, "1.2.0", "abc1234"},
		{"go install @version", sourceVersion, "", &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}}, "v1.3.0", ""},
		{"checkout", sourceVersion, "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, sourceVersion, "0123456789ab+dirty (2026-12-07T00:00:00Z)"},
		{"no build info", sourceVersion, "", nil, sourceVersion, ""},
	} {
		version, revision = tc.ver, tc.rev
		if v, r := buildVersion(tc.info); v != tc.wantV || r != tc.wantR {
			t.Errorf("%s: %q %q, want %q %q", tc.name, v, r, tc.wantV, tc.wantR)
		}
	}
}

// release/build.sh reads the default version from main.go with sed: the
// line must stay as it expects, and agree with sourceVersion.
func TestVersionLineForReleaseScript(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*version\s*= "(.*)"$`).FindAllStringSubmatch(string(src), -1)
	if len(m) != 1 || m[0][1] != sourceVersion {
		t.Errorf("main.go version lines %q; want one, equal to sourceVersion %q", m, sourceVersion)
	}
}

// The text report shows the source line and a caret with --excerpt, and
// not by default when stdout is not a terminal.
func TestAcceptExcerpt(t *testing.T) {
	_, out, _ := runBinary(t, "", "validate", "--excerpt", "accept/patient-bad-birthdate.xml")
	want := "accept/patient-bad-birthdate.xml:11:3: error fhir:datatype [INVALID_RESOURCE] Patient.birthDate: value \"14/03/2019\" is not a valid date: expected YYYY, YYYY-MM or YYYY-MM-DD\n" +
		"    11 |   <birthDate value=\"14/03/2019\"/>\n" +
		"       |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("--excerpt:\n%s\nwant\n%s", out, want)
	}
	for _, args := range [][]string{
		{"validate", "accept/patient-bad-birthdate.xml"},
		{"validate", "--no-excerpt", "accept/patient-bad-birthdate.xml"},
	} {
		_, out, _ := runBinary(t, "", args...)
		if strings.Contains(out, " | ") || !strings.Contains(out, "11:3: error fhir:datatype") {
			t.Errorf("%v shows an excerpt:\n%s", args, out)
		}
	}
}

// convert, like validate, reads a piped standard input without -.
func TestAcceptConvertPipedStdin(t *testing.T) {
	code, out, errOut := runBinary(t, `{"resourceType":"Patient","gender":"female"}`, "convert", "--to", "xml")
	if code != exitOK || !strings.Contains(out, `<Patient xmlns="http://hl7.org/fhir">`) || !strings.Contains(out, `<gender value="female"/>`) {
		t.Errorf("convert with piped stdin: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runBinary(t, "", "convert", "--to", "xml"); code != exitUsage || !strings.Contains(errOut, "no PATH given") {
		t.Errorf("convert without PATH or input: exit %d, %q", code, errOut)
	}
}

func TestExcerptDefault(t *testing.T) {
	for _, tc := range []struct {
		f    validateFlags
		tty  bool
		want bool
	}{
		{validateFlags{format: "text"}, true, true},
		{validateFlags{format: "text"}, false, false},
		{validateFlags{format: "text", noExcerpt: true}, true, false},
		{validateFlags{format: "text", excerpt: true}, false, true},
		{validateFlags{format: "json"}, true, false},
	} {
		if got := tc.f.excerptOn(tc.tty); got != tc.want {
			t.Errorf("%+v on a terminal %v: excerpts %v, want %v", tc.f, tc.tty, got, tc.want)
		}
	}
}
