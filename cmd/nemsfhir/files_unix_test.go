//go:build unix

package main

// Regression tests for the CLI's file handling that need named pipes,
// symlinks or signals: a FIFO among the inputs must not hang a run, an
// output must never land on an input through a symlink, and an interrupted
// convert must leave no temporary file behind.

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runGuarded runs nemsfhir in-process like cvRun, but fails the test
// rather than hang it when the run does not finish within 30 s;
// unblock is then called to release whatever the run waits on.
func runGuarded(t *testing.T, unblock func(), stdin string, args ...string) (int, string, string) {
	t.Helper()
	type outcome struct {
		code           int
		stdout, stderr string
	}
	done := make(chan outcome, 1)
	go func() {
		code, stdout, stderr := cvRun(stdin, args...)
		done <- outcome{code, stdout, stderr}
	}()
	select {
	case o := <-done:
		return o.code, o.stdout, o.stderr
	case <-time.After(30 * time.Second):
		if unblock != nil {
			unblock()
		}
		t.Fatalf("nemsfhir %s did not finish within 30 s", strings.Join(args, " "))
		return 0, "", ""
	}
}

// TestFIFOInputsAreReportedNotRead: a named pipe among the inputs, in a
// folder (directly, or behind a symlink) or named on the command line, is
// reported without being opened for a blocking read, and the good file
// before it is still checked or converted.
func TestFIFOInputsAreReportedNotRead(t *testing.T) {
	good := cvReadFile(t, filepath.Join("testdata", "accept", "patient.json"))
	root := t.TempDir()
	in, fifo := filepath.Join(root, "in"), filepath.Join(root, "elsewhere", "fifo")
	cvWriteFiles(t, root, map[string]string{"in/a-good.json": good, "elsewhere/README": "the pipe lives here"})
	direct := filepath.Join(in, "y-pipe.json")
	link := filepath.Join(in, "z-link.json")
	for _, p := range []string{fifo, direct} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Skipf("cannot make a named pipe: %v", err)
		}
	}
	if err := os.Symlink(filepath.Join("..", "elsewhere", "fifo"), link); err != nil {
		t.Fatal(err)
	}
	// A run blocked on opening or reading a pipe is released by a writer
	// that opens and closes it.
	unblock := func() {
		for _, p := range []string{fifo, direct} {
			if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	}
	const notRead = ": not read: a named pipe (FIFO), not a regular file"
	out := filepath.Join(root, "out")
	for _, tc := range []struct {
		name   string
		args   []string
		stdout string   // expected in stdout
		stderr []string // expected in stderr
		output string   // expected file under out
	}{
		{
			name:   "validate folder",
			args:   []string{"validate", "-o", "json", in},
			stdout: `{"path":"` + filepath.Join(in, "a-good.json") + `","format":"json","valid":true`,
			stderr: []string{direct + notRead, link + notRead},
		},
		{
			name:   "validate a symlink to a FIFO",
			args:   []string{"validate", link},
			stderr: []string{link + notRead},
		},
		{
			name:   "convert folder",
			args:   []string{"convert", "--to", "xml", "-o", out, in},
			stderr: []string{direct + notRead, link + notRead, "1 converted, 0 invalid, 2 not written"},
			output: "a-good.xml",
		},
		{
			name:   "convert a symlink to a FIFO",
			args:   []string{"convert", "--to", "xml", "-o", "-", link},
			stderr: []string{link + notRead},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(out)
			code, stdout, stderr := runGuarded(t, unblock, "", tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if tc.output != "" {
				if got := cvReadFile(t, filepath.Join(out, tc.output)); !strings.Contains(got, "<Patient") {
					t.Errorf("%s = %q", tc.output, got)
				}
			}
		})
	}
}

// TestConvertRefusesSymlinkedInputTarget: in/a.xml is a symlink to
// src/a.json, the only copy of the resource; converting it into src would
// write src/a.json, the input itself. It is refused, with or without
// --force, whether the symlink is named or found in a folder, and the
// target keeps every byte.
func TestConvertRefusesSymlinkedInputTarget(t *testing.T) {
	root := t.TempDir()
	cvWriteFiles(t, root, map[string]string{"src/a.json": patientXML})
	src, in := filepath.Join(root, "src"), filepath.Join(root, "in")
	if err := os.Mkdir(in, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(in, "a.xml")
	if err := os.Symlink(filepath.Join("..", "src", "a.json"), link); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(src, "a.json")
	for _, force := range []bool{false, true} {
		for _, arg := range []string{link, in} {
			args := []string{"convert", "-q", "--to", "json", "-o", src, arg}
			if force {
				args = append(args, "--force")
			}
			code, _, stderr := cvRun("", args...)
			if code != exitUsage {
				t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
			}
			want := link + ": refusing to overwrite input " + link + ": the output " + target + " is the same file under another name"
			if !strings.Contains(stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, stderr)
			}
			if got := cvReadFile(t, target); got != patientXML {
				t.Fatalf("%v: the symlink's target was replaced:\n%s", args, got)
			}
			if got := cvListFiles(t, src); len(got) != 1 {
				t.Errorf("%v: files in src: %v", args, got)
			}
		}
	}
}

// TestConvertSignalRemovesTempFiles sends SIGINT or SIGTERM to the test
// process while a conversion holds a written temporary file not yet renamed
// into place (the hook keeps it there until the test is done looking):
// convert removes the file and returns 130 or 143.
func TestConvertSignalRemovesTempFiles(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{
		{syscall.SIGINT, 130, "SIGINT"},
		{syscall.SIGTERM, 143, "SIGTERM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, out := t.TempDir(), t.TempDir()
			cvWriteFiles(t, in, map[string]string{"a.xml": patientXML})
			release := make(chan struct{})
			defer close(release)
			seen := make(chan string, 1)
			var once sync.Once
			testHookWritten = func(name string) {
				// Once only: after convert returns, the signal would
				// take its default action and end the test process.
				once.Do(func() {
					seen <- name
					syscall.Kill(os.Getpid(), tc.sig)
				})
				<-release
			}
			code, _, stderr := runGuarded(t, nil, "", "convert", "-q", "-j", "1", "--to", "json", "-o", out, in)
			// Received before the hook is reset: the worker's last read
			// of testHookWritten happens before this. The hook, if it
			// ran, sent before the signal, so before convert returned.
			var tmp string
			select {
			case tmp = <-seen:
			default:
				t.Error("no temporary file was written")
			}
			testHookWritten = nil
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if want := "nemsfhir convert: interrupted by " + tc.name + " after 0 of 1 inputs; 1 partial output files removed"; !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
			if !strings.HasPrefix(filepath.Base(tmp), ".a.json.tmp-") {
				t.Errorf("the hook saw %q, not a temporary output", tmp)
			}
			if got := cvListFiles(t, out); len(got) != 0 {
				t.Errorf("files left in the output folder: %v", got)
			}
		})
	}
}
