//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestValidateSignalStops sends SIGINT or SIGTERM to the built command
// while it validates a large folder: it stops, keeps the JSON lines of
// the payloads judged by then, says on stderr that it was interrupted and
// how many files it checked, and exits 130 or 143, as convert does. The
// signal is sent once the first records have reached standard output, so
// the run is under way whatever the machine's speed; what is asserted is
// the work done, not the time taken.
func TestValidateSignalStops(t *testing.T) {
	bin := nemsfhirBinary(t)
	dir := t.TempDir()
	const files = 3000
	for i := range files {
		// Invalid, so that each record carries issues and the reporter's
		// buffer reaches standard output after a few dozen files.
		p := fmt.Sprintf(`<Patient xmlns="http://hl7.org/fhir"><id value="p%d"/><name><family value="Okafor"/></name>`+
			`<gender value="woman"/><birthDate value="14/03/2019"/></Patient>`, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%05d.xml", i)), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	summary := regexp.MustCompile(`nemsfhir validate: interrupted by (SIGINT|SIGTERM); (\d+) files? checked: \d+ valid, \d+ invalid`)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{
		{syscall.SIGINT, 130, "SIGINT"},
		{syscall.SIGTERM, 143, "SIGTERM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "-f", "json", "-j", "2", dir)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Wait for the first records, then signal.
			var out bytes.Buffer
			first := make([]byte, 1)
			if _, err := io.ReadFull(stdout, first); err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no output before the signal: %v\n%s", err, stderr.String())
			}
			out.Write(first)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := io.Copy(&out, stdout)
				if err == nil {
					err = cmd.Wait()
				}
				done <- err
			}()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("validate did not stop after %s:\n%s", tc.name, stderr.String())
			}
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr.String())
			}
			m := summary.FindStringSubmatch(stderr.String())
			if m == nil || m[1] != tc.name {
				t.Fatalf("stderr does not say the run was interrupted by %s and what it checked:\n%s", tc.name, stderr.String())
			}
			checked, _ := strconv.Atoi(m[2])
			records := strings.Count(out.String(), "\n")
			t.Logf("%s: %d of %d files checked, %d JSON lines written", tc.name, checked, files, records)
			if checked >= files {
				t.Errorf("all %d files were checked: the signal did not stop the run", files)
			}
			if records != checked || checked == 0 {
				t.Errorf("%d JSON lines for %d files checked: the records judged before the signal must all be written", records, checked)
			}
			if !strings.HasSuffix(out.String(), "}\n") {
				t.Errorf("the last JSON line is cut short: %q", out.String()[max(0, out.Len()-80):])
			}
		})
	}
}
