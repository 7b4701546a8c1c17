package hostile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildCLI builds nemsfhir once into a temporary folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the CLI: skipped in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "nemsfhir")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/nemsfhir/nemsfhir/cmd/nemsfhir")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runCLI runs the binary and returns its exit code, output, wall time and
// peak resident set in KB.
func runCLI(t *testing.T, bin string, stdin io.Reader, args ...string) (int, []byte, time.Duration, int64) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.Bytes(), d, peakRSS(cmd.ProcessState)
}

// TestBatchWithHostileFiles runs the CLI over a folder of good files and
// hostile ones: every good file must still be reported valid and
// converted, every hostile one refused, with exit status 1, in bounded time
// and memory, and the marker file must not leak.
func TestBatchWithHostileFiles(t *testing.T) {
	bin := buildCLI(t)
	tr := newTrap(t)
	dir := t.TempDir()
	good := map[string]bool{}
	for _, p := range []string{"../examples/subscription-explicit.xml", "../examples/subscription-generic.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := "good-" + filepath.Base(p)
		good[name] = true
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ext := map[bool]string{true: ".json", false: ".xml"}
	n := 0
	for _, c := range cases() {
		if c.valid || c.known != "" {
			continue
		}
		src := c.src(t, tr)
		isJSON := bytes.HasPrefix(bytes.TrimLeft(src, " \t\r\n"), []byte("{"))
		name := "hostile-" + strings.NewReplacer(" ", "-", "(", "", ")", "", ",", "").Replace(c.name) + ext[isJSON]
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}

	code, out, d, rss := runCLI(t, bin, nil, "validate", "--workers", "2", "-o", "json", dir)
	if code != 1 {
		t.Errorf("validate: exit %d, want 1\n%.2000s", code, out)
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r struct {
			Path   string `json:"path"`
			Issues []struct {
				Severity string `json:"severity"`
			} `json:"issues"`
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Path == "" {
			continue
		}
		seen++
		bad := false
		for _, is := range r.Issues {
			bad = bad || is.Severity == "error" || is.Severity == "fatal"
		}
		if name := filepath.Base(r.Path); good[name] == bad {
			t.Errorf("validate: %s: invalid = %v", name, bad)
		}
	}
	if seen != n+len(good) {
		t.Errorf("validate: %d results, want %d", seen, n+len(good))
	}
	if d > 60*time.Second || rss > 1<<20 {
		t.Errorf("validate: %v, peak RSS %d MB", d, rss>>10)
	}
	t.Logf("validate: %d files (%d hostile), exit %d, %v, peak RSS %d MB", seen, n, code, d.Round(time.Millisecond), rss>>10)
	if bytes.Contains(out, []byte(marker)) {
		t.Error("validate: the marker file leaked")
	}

	outDir := t.TempDir()
	code, out, d, rss = runCLI(t, bin, nil, "convert", "--to", "json", "-o", outDir, dir)
	if code != 1 {
		t.Errorf("convert: exit %d, want 1\n%.2000s", code, out)
	}
	if _, err := os.Stat(filepath.Join(outDir, "good-subscription-explicit.json")); err != nil {
		t.Errorf("convert: the good file was not converted: %v", err)
	}
	if d > 60*time.Second || rss > 1<<20 {
		t.Errorf("convert: %v, peak RSS %d MB", d, rss>>10)
	}
	t.Logf("convert: exit %d, %v, peak RSS %d MB", code, d.Round(time.Millisecond), rss>>10)
	if bytes.Contains(out, []byte(marker)) {
		t.Error("convert: the marker file leaked")
	}
	if n := tr.conns.Load(); n > 0 {
		t.Errorf("%d connections reached the trap", n)
	}
}

// TestCLIEndlessStdin pipes a 16 GB stream into the CLI: validate must
// stop at its 3 MB limit and convert at its own, reading little more.
func TestCLIEndlessStdin(t *testing.T) {
	bin := buildCLI(t)
	for _, c := range []struct {
		args  []string
		limit int64
	}{
		{[]string{"validate", "-"}, 3 << 20},
		{[]string{"convert", "--to", "json", "-"}, 64 << 20},
	} {
		r := &endless{limit: 16 << 30}
		code, out, d, rss := runCLI(t, bin, r, c.args...)
		if code == 0 {
			t.Errorf("%v: exit 0", c.args)
		}
		// The pipe and the reader's buffers hold a little more than
		// the process has taken.
		if got := r.read.Load(); got > c.limit+4<<20 {
			t.Errorf("%v: %d bytes were read, limit %d", c.args, got, c.limit)
		}
		t.Logf("%v: exit %d after reading %d MB in %v, peak RSS %d MB: %s", c.args, code, r.read.Load()>>20, d.Round(time.Millisecond), rss>>10, firstLine(string(out)))
	}
}
