package structuredef

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// diffSD is a StructureDefinition on Patient by a differential only, with
// the given base, so that snapshots are built by the loader.
func diffSD(url, base string) string {
	return fmt.Sprintf(`{
  "resourceType": "StructureDefinition",
  "url": %q,
  "name": "T",
  "type": "Patient",
  "kind": "resource",
  "derivation": "constraint",
  "baseDefinition": %q,
  "differential": {"element": [{"path": "Patient.gender", "min": 1}]}
}
`, url, base)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadErrors loads paths with lim and returns the LoadErrors, failing
// the test when there are none.
func loadErrors(t *testing.T, lim limits, paths ...string) LoadErrors {
	t.Helper()
	_, err := load(context.Background(), lim, paths...)
	var le LoadErrors
	if !errors.As(err, &le) {
		t.Fatalf("want LoadErrors, got %v", err)
	}
	return le
}

// TestLoadBadJSONPlace: a file in an IG folder that is not well-formed
// JSON is an error at its line and column, not a file silently left out.
func TestLoadBadJSONPlace(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"good.json": diffSD("https://example.org/sd/Good", "http://hl7.org/fhir/StructureDefinition/Patient"),
		// The comma before } on line 4 is the fault, at column 21.
		"sub/broken.json": "{\n  \"resourceType\": \"StructureDefinition\",\n  \"url\": \"https://example.org/sd/Broken\",\n  \"name\": \"Broken\", }\n",
	})
	le := loadErrors(t, defaultLimits, dir)
	if len(le) != 1 {
		t.Fatalf("want one error, got %v", le)
	}
	e := le[0]
	want := filepath.Join(dir, "sub/broken.json") + ":4:21: invalid JSON: "
	if e.Line != 4 || e.Column != 21 || !strings.HasPrefix(e.Error(), want) {
		t.Errorf("got %q (line %d, column %d); want it to start with %q", e.Error(), e.Line, e.Column, want)
	}
}

// TestLoadXMLSyntaxErrorPlace: a StructureDefinition in XML that is not
// well-formed is an error at its line and column.
func TestLoadXMLSyntaxErrorPlace(t *testing.T) {
	dir := t.TempDir()
	// The end tag on line 3 does not match <name>.
	writeFiles(t, dir, map[string]string{"sd.xml": "<StructureDefinition xmlns=\"http://hl7.org/fhir\">\n  <url value=\"https://example.org/sd/X\"/>\n  <name value=\"X\"></nam>\n</StructureDefinition>\n"})
	le := loadErrors(t, defaultLimits, filepath.Join(dir, "sd.xml"))
	e := le[0]
	if e.File != filepath.Join(dir, "sd.xml") || e.Line != 3 || e.Column == 0 {
		t.Fatalf("got %q (line %d, column %d); want sd.xml at line 3", e.Error(), e.Line, e.Column)
	}
	if want := fmt.Sprintf("%s:3:%d: ", e.File, e.Column); !strings.HasPrefix(e.Error(), want) {
		t.Errorf("got %q, want it to start with %q", e.Error(), want)
	}
}

// TestLoadBundleEntryPlace: a conformance resource that cannot be decoded
// inside a Bundle is placed at its line and column and entry.
func TestLoadBundleEntryPlace(t *testing.T) {
	dir := t.TempDir()
	src := "{\"resourceType\": \"Bundle\", \"entry\": [\n" +
		"  {\"resource\": {\"resourceType\": \"Patient\"}},\n" +
		"  {\"fullUrl\": \"x\", \"resource\": {\"resourceType\": \"StructureDefinition\", \"url\": 5}}\n]}\n"
	writeFiles(t, dir, map[string]string{"b.json": src})
	le := loadErrors(t, defaultLimits, filepath.Join(dir, "b.json"))
	e := le[0]
	// The url's value 5 is on line 3, column 79.
	if e.Path != "Bundle.entry[1].resource" || e.Line != 3 || e.Column != 79 || !strings.Contains(e.Error(), "url: a JSON number where string is expected") {
		t.Errorf("got %q (path %q, line %d, column %d); want entry[1] at 3:79, the url a number", e.Error(), e.Path, e.Line, e.Column)
	}
}

// TestLoadBaseCycle: profiles deriving from each other cannot be built;
// the error names every URL of the cycle, and a profile built on the cycle
// says so too.
func TestLoadBaseCycle(t *testing.T) {
	const a, b, c = "https://example.org/sd/A", "https://example.org/sd/B", "https://example.org/sd/C"
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.json": diffSD(a, b),
		"b.json": diffSD(b, a),
		"c.json": diffSD(c, a),
		"s.json": diffSD("https://example.org/sd/Self", "https://example.org/sd/Self"),
	})
	le := loadErrors(t, defaultLimits, dir)
	want := map[string]string{
		"a.json": "baseDefinition cycle: " + a + " -> " + b + " -> " + a,
		"b.json": "baseDefinition cycle: " + b + " -> " + a + " -> " + b,
		"c.json": "StructureDefinition " + c + ": base " + a + ": baseDefinition cycle: " + a + " -> " + b + " -> " + a,
		"s.json": "baseDefinition cycle: https://example.org/sd/Self -> https://example.org/sd/Self",
	}
	if len(le) != len(want) {
		t.Errorf("want %d errors, got %v", len(want), le)
	}
	for _, e := range le {
		w, ok := want[filepath.Base(e.File)]
		if got := e.Err.Error(); !ok || got != w {
			t.Errorf("%s: got %q, want %q", e.File, got, w)
		}
		var ce *CycleError
		if !errors.As(e, &ce) {
			t.Errorf("%s: no CycleError in %v", e.File, e)
		}
	}
}

// gzipTar returns a gzip-compressed tar of members, each of the given size
// and made of zeros, written as a stream so that nothing the size of a
// member is held in memory.
func gzipTar(t testing.TB, names []string, size int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(gz)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(tw, zeros{}, size); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestLoadPackageBomb: a package whose member decompresses to 300 MB is
// refused with the member limit, on its header, without the member being
// decompressed or held in memory.
func TestLoadPackageBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 300 MB")
	}
	const size = 300 << 20
	bomb := gzipTar(t, []string{"package/other/zeros.bin"}, size)
	p := filepath.Join(t.TempDir(), "bomb.tgz")
	if err := os.WriteFile(p, bomb, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB in %d KB", size>>20, len(bomb)>>10)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := Load(p)
	runtime.ReadMemStats(&after)

	var le LoadErrors
	if !errors.As(err, &le) || len(le) != 1 {
		t.Fatalf("want one load error, got %v", err)
	}
	e := le[0]
	var lim *LimitError
	if e.File != p || e.Member != "package/other/zeros.bin" || !errors.As(e, &lim) || lim.Limit != MaxFileSize {
		t.Errorf("got %q; want the archive, the member and the member limit", e.Error())
	}
	if !strings.Contains(e.Error(), "larger than 64 MB") {
		t.Errorf("the limit is not in %q", e.Error())
	}
	// Loading builds the STU3 core keys and reads gzip buffers: a few MB.
	// Decompressing the member would take 300.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("Load allocated %d MB for a refused package", alloc>>20)
	}
}

// TestLoadPackageLimits: the decompressed size of a whole package and its
// member count are bounded too (limits lowered so the test stays small).
func TestLoadPackageLimits(t *testing.T) {
	dir := t.TempDir()
	lim := limits{file: 1 << 20, pkg: 4 << 20, entries: 100}
	// Ten members under the member limit, skipped as not package/*.json,
	// add up to 10 MB: the package limit stops the read.
	var names []string
	for i := 0; i < 10; i++ {
		names = append(names, fmt.Sprintf("package/other/z%d.bin", i))
	}
	big := filepath.Join(dir, "big.tgz")
	if err := os.WriteFile(big, gzipTar(t, names, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	le := loadErrors(t, lim, big)
	var le1 *LimitError
	if len(le) != 1 || le[0].File != big || !errors.As(le[0], &le1) || le1.What != "decompressed package" || !strings.Contains(le[0].Error(), "larger than 4 MB") {
		t.Errorf("got %v; want the decompressed package limit", le)
	}

	names = names[:0]
	for i := 0; i < 150; i++ {
		names = append(names, fmt.Sprintf("package/other/e%d.json", i))
	}
	many := filepath.Join(dir, "many.tgz")
	if err := os.WriteFile(many, gzipTar(t, names, 10), 0o644); err != nil {
		t.Fatal(err)
	}
	le = loadErrors(t, lim, many)
	if len(le) != 1 || le[0].Member != "package/other/e100.json" || !strings.Contains(le[0].Error(), "more than 100 package members") {
		t.Errorf("got %v; want the member count limit at the 101st member", le)
	}

	// A definition file over the file limit is refused on its size.
	writeFiles(t, dir, map[string]string{"folder/huge.json": `{"resourceType": "ValueSet", "description": "` + strings.Repeat("x", 2<<20) + `"}`})
	le = loadErrors(t, lim, filepath.Join(dir, "folder"))
	if len(le) != 1 || filepath.Base(le[0].File) != "huge.json" || !strings.Contains(le[0].Error(), "file larger than 1 MB") {
		t.Errorf("got %v; want the file limit", le)
	}
}

// TestLoadSkipsNonRegular: a named pipe in an IG folder is refused
// instead of read, which could block for ever.
func TestLoadSkipsNonRegular(t *testing.T) {
	dir := t.TempDir()
	if err := mkfifo(filepath.Join(dir, "pipe.json")); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	le := loadErrors(t, defaultLimits, dir)
	if len(le) != 1 || !strings.Contains(le[0].Error(), "pipe.json: not a regular file") {
		t.Errorf("got %v", le)
	}
}

// TestLoadWarnings: a loaded profile with a constraint whose FHIRPath does
// not compile, or slicing by a discriminator Check cannot follow, loads
// with a warning naming the file, the profile and what is not checked.
func TestLoadWarnings(t *testing.T) {
	dir := t.TempDir()
	sd := strings.Replace(diffSD("https://example.org/sd/W", "http://hl7.org/fhir/StructureDefinition/Patient"),
		`"differential": {"element": [{"path": "Patient.gender", "min": 1}]}`,
		`"differential": {"element": [
    {"path": "Patient.gender", "min": 1, "constraint": [{"key": "w-1", "severity": "error", "human": "broken", "expression": "gender = ("}]},
    {"path": "Patient.identifier", "slicing": {"discriminator": [{"type": "value", "path": "identifier.where(system = 'x').value"}], "rules": "open"}}
  ]}`, 1)
	writeFiles(t, dir, map[string]string{"w.json": sd})
	r, err := Load(dir)
	if err != nil {
		t.Fatalf("a profile with parts that cannot be checked still loads: %v", err)
	}
	if r.Profile("https://example.org/sd/W") == nil {
		t.Fatal("profile not loaded")
	}
	ws := r.Warnings()
	var text []string
	for _, w := range ws {
		if w.File != filepath.Join(dir, "w.json") {
			t.Errorf("warning without its file: %v", w)
		}
		text = append(text, w.Error())
	}
	all := strings.Join(text, "\n")
	for _, want := range []string{"constraint w-1 on Patient.gender is not checked", "discriminator path \"identifier.where(system = 'x').value\" is not supported"} {
		if !strings.Contains(all, want) {
			t.Errorf("no warning with %q in:\n%s", want, all)
		}
	}
}
