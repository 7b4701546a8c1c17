package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// igProfile is a StructureDefinition on Patient by a differential only.
func igProfile(url, base, extra string) string {
	return fmt.Sprintf(`{
  "resourceType": "StructureDefinition",
  "url": %q,
  "name": "T",
  "type": "Patient",
  "kind": "resource",
  "derivation": "constraint",
  "baseDefinition": %q,
  "differential": {"element": [{"path": "Patient.gender", "min": 1%s}]}
}
`, url, base, extra)
}

const (
	patientBase  = "http://hl7.org/fhir/StructureDefinition/Patient"
	validPatient = "testdata/accept/patient.json"
)

func igDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// wantUsage checks that a run stopped with status 2 before validating
// anything and said each of wants on stderr.
func wantUsage(t *testing.T, args []string, wants ...string) {
	t.Helper()
	code, out, errOut := runCLI(args...)
	if code != exitUsage {
		t.Errorf("nemsfhir %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, exitUsage, out, errOut)
	}
	if out != "" {
		t.Errorf("nemsfhir %v validated payloads after a load failure:\n%s", args, out)
	}
	for _, w := range wants {
		if !strings.Contains(errOut, w) {
			t.Errorf("nemsfhir %v: stderr lacks %q:\n%s", args, w, errOut)
		}
	}
}

// TestIGBadJSON: a file of an --ig folder that is not JSON used to vanish,
// the payload judged without it and the run passing.
func TestIGBadJSON(t *testing.T) {
	dir := igDir(t, map[string]string{
		"good.json":   igProfile("https://example.org/sd/Good", patientBase, ""),
		"broken.json": "{\n  \"resourceType\": \"StructureDefinition\",\n  \"url\": \"https://example.org/sd/Broken\" \"name\": \"B\"\n}\n",
	})
	wantUsage(t, []string{"validate", "--ig", dir, validPatient},
		filepath.Join(dir, "broken.json")+":3:42: invalid JSON", "nothing validated")
}

// TestIGXMLSyntaxError: an XML StructureDefinition that is not
// well-formed is reported at its line and column.
func TestIGXMLSyntaxError(t *testing.T) {
	dir := igDir(t, map[string]string{
		"sd.xml": "<StructureDefinition xmlns=\"http://hl7.org/fhir\">\n  <url value=\"https://example.org/sd/X\"/>\n  <name value=\"X\"></nam>\n</StructureDefinition>\n",
	})
	wantUsage(t, []string{"validate", "--ig", filepath.Join(dir, "sd.xml"), validPatient},
		filepath.Join(dir, "sd.xml")+":3:")
}

// TestIGBaseCycle: profiles that derive from each other cannot be built;
// the run stops naming the cycle.
func TestIGBaseCycle(t *testing.T) {
	const a, b = "https://example.org/sd/A", "https://example.org/sd/B"
	dir := igDir(t, map[string]string{
		"a.json": igProfile(a, b, ""),
		"b.json": igProfile(b, a, ""),
	})
	wantUsage(t, []string{"validate", "--ig", dir, validPatient},
		"baseDefinition cycle: "+a+" -> "+b+" -> "+a, "baseDefinition cycle: "+b+" -> "+a+" -> "+b)
}

// TestIGPackageBomb: a package member that decompresses past the member
// limit stops the run, naming the archive, the member and the limit.
func TestIGPackageBomb(t *testing.T) {
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	const size = 65 << 20
	if err := tw.WriteHeader(&tar.Header{Name: "package/zeros.json", Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(tw, zeroReader{}, size); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bomb.tgz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	wantUsage(t, []string{"validate", "--ig", p, validPatient},
		p+"(package/zeros.json): package member larger than 64 MB")
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestIGUnknownProfile: --profile naming a URL no --ig file defines is a
// usage error, with or without --ig.
func TestIGUnknownProfile(t *testing.T) {
	dir := igDir(t, map[string]string{"good.json": igProfile("https://example.org/sd/Good", patientBase, "")})
	wantUsage(t, []string{"validate", "--ig", dir, "--profile", "https://example.org/sd/None", validPatient},
		"--profile https://example.org/sd/None is not among the loaded profiles: no StructureDefinition from --ig has this url")
	wantUsage(t, []string{"validate", "--profile", "https://example.org/sd/None", validPatient},
		"no --ig was given")
	// The profile that is loaded is checked: the valid Patient meets it.
	code, out, errOut := runCLI("validate", "--ig", dir, "--profile", "https://example.org/sd/Good", validPatient)
	if code != exitOK || errOut != "" {
		t.Errorf("a loaded --profile: exit %d\n%s%s", code, out, errOut)
	}
}

// TestIGWarnings: a loaded profile with a part that cannot be evaluated is
// used, and that part is named on stderr.
func TestIGWarnings(t *testing.T) {
	dir := igDir(t, map[string]string{"w.json": igProfile("https://example.org/sd/W", patientBase,
		`, "constraint": [{"key": "w-1", "severity": "error", "human": "h", "expression": "gender = ("}]`)})
	code, out, errOut := runCLI("validate", "--ig", dir, "--profile", "https://example.org/sd/W", validPatient)
	if code != exitOK || !strings.Contains(errOut, "nemsfhir validate: --ig: warning: "+filepath.Join(dir, "w.json")+": StructureDefinition https://example.org/sd/W: constraint w-1 on Patient.gender is not checked") {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
