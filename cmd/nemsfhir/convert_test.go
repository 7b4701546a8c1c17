package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	patientXML = `<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <!-- a comment JSON cannot hold -->
  <id value="p1"/>
  <gender value="female"/>
  <birthDate value="2017-10-02"/>
</Patient>
`
	// badXML has an element Patient does not define, on line 3 column 3.
	badXML = `<Patient xmlns="http://hl7.org/fhir">
  <id value="p2"/>
  <colour value="blue"/>
</Patient>
`
	patientJSON = `{"resourceType":"Patient","id":"p3","active":true,"name":[{"family":"Smith","given":["Jo"]}]}`
)

// writeFiles creates files under dir from a map of slash-separated
// relative paths to contents.
func cvWriteFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runIn runs nemsfhir with stdin and returns the exit code and outputs.
func cvRun(stdin string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func cvReadFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listFiles returns the slash-separated relative paths of all files under
// dir, temporary files included.
func cvListFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestConvertFolderToDir(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "new")
	cvWriteFiles(t, in, map[string]string{
		"a.xml":          patientXML,
		"sub/b.XML":      patientXML,
		"sub/c.json":     patientJSON, // other format: not picked up
		"notes.txt":      "ignored",
		".hidden/d.xml":  patientXML, // hidden folder: skipped
		"sub/.e.xml":     patientXML, // hidden file: skipped
		"deep/er/f.xml":  patientXML,
		"deep/er/g.html": "<html/>",
	})
	code, stdout, stderr := cvRun("", "convert", "--to", "json", "-o", out, in)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	got := strings.Join(cvListFiles(t, out), " ")
	if want := "a.json deep/er/f.json sub/b.json"; got != want {
		t.Errorf("outputs %q, want %q", got, want)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(cvReadFile(t, filepath.Join(out, "a.json"))), &res); err != nil {
		t.Fatal(err)
	}
	if res["resourceType"] != "Patient" || res["gender"] != "female" || res["birthDate"] != "2017-10-02" {
		t.Errorf("a.json = %v", res)
	}
	// The dropped comment is a warning, with its place, and not a failure.
	if !regexp.MustCompile(`(?m)a\.xml:3:3: warning: .*comment`).MatchString(stderr) {
		t.Errorf("no comment warning in stderr:\n%s", stderr)
	}
	// --quiet silences warnings (--force: the outputs of the first run
	// are there).
	if code, _, stderr := cvRun("", "convert", "-q", "--force", "--to", "json", "-o", out, in); code != exitOK || stderr != "" {
		t.Errorf("-q: exit %d, stderr %q", code, stderr)
	}
}

func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"p.json": patientJSON})
	if code, _, stderr := cvRun("", "convert", "--to", "application/fhir+xml", "--pretty", filepath.Join(dir, "p.json")); code != exitOK {
		t.Fatalf("to xml: exit %d\n%s", code, stderr)
	}
	x := cvReadFile(t, filepath.Join(dir, "p.xml"))
	if !strings.Contains(x, "\n  <name>\n    <family value=\"Smith\"/>") {
		t.Errorf("p.xml is not the pretty XML expected:\n%s", x)
	}
	back := filepath.Join(dir, "back")
	if code, _, stderr := cvRun("", "convert", "--to", "application/json+fhir;charset=utf-8", "-o", back, filepath.Join(dir, "p.xml")); code != exitOK {
		t.Fatalf("to json: exit %d\n%s", code, stderr)
	}
	if got := cvReadFile(t, filepath.Join(back, "p.json")); got != patientJSON {
		t.Errorf("round trip\n got %s\nwant %s", got, patientJSON)
	}
}

func TestConvertNextToInputNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"a.xml": patientXML, "b.xml": patientXML, "b.json": "precious"})
	code, _, stderr := cvRun("", "convert", "-q", "--to", "json", dir)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d (b.json exists)\n%s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, "b.xml: refusing to replace "+filepath.Join(dir, "b.json")) {
		t.Errorf("stderr does not explain the refusal:\n%s", stderr)
	}
	if cvReadFile(t, filepath.Join(dir, "b.json")) != "precious" {
		t.Error("b.json was replaced")
	}
	first := cvReadFile(t, filepath.Join(dir, "a.json"))
	if !strings.HasPrefix(first, `{"resourceType":"Patient"`) {
		t.Errorf("a.json = %q", first)
	}
	// A second run refuses a.json too, and leaves it as it was.
	if code, _, _ := cvRun("", "convert", "-q", "--to", "json", filepath.Join(dir, "a.xml")); code != exitUsage {
		t.Errorf("second run: exit %d, want %d", code, exitUsage)
	}
	if cvReadFile(t, filepath.Join(dir, "a.json")) != first {
		t.Error("a.json changed")
	}
}

func TestConvertRefusesToOverwriteInputs(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"a.xml": patientXML, "a.json": patientJSON, "x/c.xml": patientXML, "y/c.xml": patientXML})
	// -o names the input folder itself: a.xml would become a.json, an input.
	code, _, stderr := cvRun("", "convert", "-q", "--to", "json", "-o", dir,
		filepath.Join(dir, "a.xml"), filepath.Join(dir, "a.json"))
	if code != exitUsage {
		t.Errorf("exit %d, want %d\n%s", code, exitUsage, stderr)
	}
	if !strings.Contains(stderr, "refusing to overwrite input "+filepath.Join(dir, "a.json")) {
		t.Errorf("no refusal in stderr:\n%s", stderr)
	}
	if cvReadFile(t, filepath.Join(dir, "a.json")) != patientJSON {
		t.Error("the input a.json was overwritten")
	}
	// The same input through another spelling of its folder.
	code, _, stderr = cvRun("", "convert", "-q", "--to", "json", "-o", filepath.Join(dir, "x", ".."),
		filepath.Join(dir, "a.xml"), filepath.Join(dir, "x", "..", "a.json"))
	if code != exitUsage || !strings.Contains(stderr, "refusing to overwrite input") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	// Two inputs with the same name would write the same output.
	out := t.TempDir()
	code, _, stderr = cvRun("", "convert", "-q", "--to", "json", "-o", out,
		filepath.Join(dir, "x", "c.xml"), filepath.Join(dir, "y", "c.xml"))
	if code != exitUsage || !strings.Contains(stderr, "which is also the output of "+filepath.Join(dir, "x", "c.xml")) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	if got := cvListFiles(t, out); len(got) != 1 || got[0] != "c.json" {
		t.Errorf("outputs %v", got)
	}
	// Converting a file to its own format is refused, not rewritten.
	code, _, stderr = cvRun("", "convert", "--to", "json", "-o", out, filepath.Join(dir, "a.json"))
	if code != exitUsage || !strings.Contains(stderr, "already JSON") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}

func TestConvertBatchGoesOnPastBadFiles(t *testing.T) {
	in := t.TempDir()
	cvWriteFiles(t, in, map[string]string{
		"1-good.xml":  patientXML,
		"2-bad.xml":   badXML,
		"3-empty.xml": "",
		"4-text.xml":  "hello",
		"5-good.xml":  patientXML,
		"6-json.xml":  `{"resourceType":"Patient",}`,
	})
	for _, jobs := range []string{"1", "4"} {
		out := t.TempDir()
		code, _, stderr := cvRun("", "convert", "-q", "-j", jobs, "--to", "json", "-o", out, in)
		if code != exitInvalid {
			t.Errorf("-j %s: exit %d, want %d\n%s", jobs, code, exitInvalid, stderr)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		q := regexp.QuoteMeta
		want := []*regexp.Regexp{
			regexp.MustCompile(`^` + q(filepath.Join(in, "2-bad.xml")) + `:3:3: Patient\.colour: .*colour`),
			regexp.MustCompile(`^` + q(filepath.Join(in, "3-empty.xml")) + `: neither XML nor JSON`),
			regexp.MustCompile(`^` + q(filepath.Join(in, "4-text.xml")) + `: neither XML nor JSON`),
			regexp.MustCompile(`^` + q(filepath.Join(in, "6-json.xml")) + `: holds JSON, not XML$`),
			regexp.MustCompile(`^nemsfhir convert: 2 converted, 4 invalid, 0 not written$`),
		}
		if len(lines) != len(want) {
			t.Fatalf("-j %s: stderr has %d lines, want %d:\n%s", jobs, len(lines), len(want), stderr)
		}
		for i, re := range want {
			if !re.MatchString(lines[i]) {
				t.Errorf("-j %s: line %d = %q, want match for %s", jobs, i+1, lines[i], re)
			}
		}
		if got := strings.Join(cvListFiles(t, out), " "); got != "1-good.json 5-good.json" {
			t.Errorf("-j %s: outputs %q", jobs, got)
		}
	}
}

func TestConvertInvalidJSONReportsPlace(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"p.json": "{\n  \"resourceType\": \"Patient\",\n  \"gender\": 1\n}\n"})
	code, _, stderr := cvRun("", "convert", "--to", "xml", "-o", "-", filepath.Join(dir, "p.json"))
	if code != exitInvalid {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !regexp.MustCompile(`p\.json:3:\d+: Patient\.gender: `).MatchString(stderr) {
		t.Errorf("stderr %q lacks file:line:col: path:", stderr)
	}
}

func TestConvertStdin(t *testing.T) {
	code, stdout, stderr := cvRun(patientJSON, "convert", "--to", "xml", "-")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "<?xml") || !strings.Contains(stdout, `<family value="Smith"/>`) || !strings.HasSuffix(stdout, "\n") {
		t.Errorf("stdout = %q", stdout)
	}
	// With -o DIR standard input gets a name.
	out := t.TempDir()
	if code, _, stderr := cvRun("\xef\xbb\xbf  "+patientJSON, "convert", "--to", "xml", "-o", out, "-"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.Contains(cvReadFile(t, filepath.Join(out, "stdin.xml")), `<Patient xmlns="http://hl7.org/fhir">`) {
		t.Error("stdin.xml is not the Patient")
	}
	// Bad input on stdin is named <stdin>.
	code, _, stderr = cvRun(badXML, "convert", "--to", "json", "-")
	if code != exitInvalid || !strings.HasPrefix(stderr, "<stdin>:3:3: Patient.colour: ") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestConvertToStdout(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"a.xml": patientXML, "b.xml": patientXML})
	code, stdout, stderr := cvRun("", "convert", "-q", "--to", "json", "-o", "-", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 || lines[0] != lines[1] || !strings.HasPrefix(lines[0], `{"resourceType":"Patient","id":"p1"`) {
		t.Errorf("stdout = %q", stdout)
	}
	if got := cvListFiles(t, dir); len(got) != 2 {
		t.Errorf("files were written next to the inputs: %v", got)
	}
}

func TestConvertUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"a.xml": patientXML})
	a := filepath.Join(dir, "a.xml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{a}, "--to is required"},
		{[]string{"--to", "json"}, "no PATH given"},
		{[]string{"--to", "yaml", a}, `--to "yaml": not a FHIR format; use json, xml or a FHIR media type`},
		{[]string{"--to", "text/plain", a}, "not a FHIR format"},
		{[]string{"--to", "application/fhir+json;charset=iso-8859-1", a}, "charset iso-8859-1 is not utf-8"},
		{[]string{"--to", "json", "--frobnicate", a}, "unknown flag: --frobnicate"},
		{[]string{"--to", "json", "-j", "0", a}, "--jobs must be at least 1"},
		{[]string{"--to", "json", "-", "-"}, "more than once"},
		{[]string{"--to"}, "flag needs an argument"},
	} {
		code, stdout, stderr := cvRun("", append([]string{"convert"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("convert %v: exit %d, stderr %q; want exit 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
	if got := cvListFiles(t, dir); len(got) != 1 {
		t.Errorf("a usage error wrote files: %v", got)
	}

	// A folder without files of the source format is reported.
	code, _, stderr := cvRun("", "convert", "--to", "xml", dir)
	if code != exitUsage || !strings.Contains(stderr, dir+": no *.json files in this folder (--to xml converts JSON files)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}

	// A missing path is reported; the other inputs are still converted.
	out := t.TempDir()
	code, _, stderr = cvRun("", "convert", "-q", "--to", "json", "-o", out, filepath.Join(dir, "nope.xml"), a)
	if code != exitUsage || !strings.Contains(stderr, "nope.xml: no such file or directory") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if got := cvListFiles(t, out); len(got) != 1 || got[0] != "a.json" {
		t.Errorf("outputs %v", got)
	}
}

func TestConvertHelp(t *testing.T) {
	for _, h := range []string{"--help", "-h"} {
		code, stdout, stderr := cvRun("", "convert", h)
		if code != exitOK || stderr != "" {
			t.Errorf("%s: exit %d, stderr %q", h, code, stderr)
		}
		for _, want := range []string{"Usage: nemsfhir convert --to", "--to string", "-o, --output DIR", "--pretty", "-q, --quiet", "-j, --jobs N", "Exit status"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: help lacks %q", h, want)
			}
		}
	}
}

func TestConvertOutputFilesAreComplete(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	cvWriteFiles(t, in, map[string]string{"a.xml": patientXML})
	if err := os.Chmod(filepath.Join(in, "a.xml"), 0o640); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cvRun("", "convert", "-q", "--to", "json", "-o", out, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	info, err := os.Stat(filepath.Join(out, "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the input's 0640", info.Mode().Perm())
	}
	// -o DIR leaves an earlier output alone; with --force it replaces it,
	// through a rename: no temporary file is left behind.
	cvWriteFiles(t, out, map[string]string{"a.json": "old"})
	if code, _, stderr := cvRun("", "convert", "-q", "--to", "json", "-o", out, in); code != exitUsage || !strings.Contains(stderr, "existed before this run (--force replaces it)") {
		t.Fatalf("second run: exit %d, stderr %s", code, stderr)
	}
	if got := cvReadFile(t, filepath.Join(out, "a.json")); got != "old" {
		t.Fatalf("a.json replaced without --force: %q", got)
	}
	if code, _, stderr := cvRun("", "convert", "-q", "--force", "--to", "json", "-o", out, in); code != exitOK {
		t.Fatalf("--force run: exit %d, stderr %s", code, stderr)
	}
	if got := cvListFiles(t, out); len(got) != 1 || cvReadFile(t, filepath.Join(out, "a.json")) == "old" {
		t.Errorf("files %v, a.json %q", got, cvReadFile(t, filepath.Join(out, "a.json")))
	}
}

func TestWriteAtomicNoReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.json")
	writeAtomic := newLiveTemps().writeAtomic
	if err := writeAtomic(p, []byte("one"), 0o644, true); err != nil {
		t.Fatal(err)
	}
	// A file that appears between planning and writing is left alone.
	if err := writeAtomic(p, []byte("two"), 0o644, true); err == nil || !strings.Contains(err.Error(), "refusing to replace") {
		t.Errorf("second write: %v", err)
	}
	if got := cvReadFile(t, p); got != "one" {
		t.Errorf("x.json = %q", got)
	}
	if err := writeAtomic(p, []byte("three"), 0o644, false); err != nil || cvReadFile(t, p) != "three" {
		t.Errorf("replace: %v", err)
	}
	if got := cvListFiles(t, dir); len(got) != 1 {
		t.Errorf("temporary files left: %v", got)
	}
	if err := writeAtomic(filepath.Join(p, "sub.json"), []byte("x"), 0o644, false); err == nil {
		t.Error("writing under a file succeeded")
	}
}
