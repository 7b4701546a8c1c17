package main

// Regression tests for convert's file handling: a file the run did not
// write is never replaced without --force, and inputs are refused over a
// size cap before they are read, with the memory they take bounded.

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestConvertRoundTripIntoInputFolder: converting p.xml to p.json and back
// into the same folder would replace the original p.xml, and the comment
// JSON cannot hold with it. Without --force the original is left alone,
// byte for byte, whether p.json is named or found in the folder.
func TestConvertRoundTripIntoInputFolder(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"p.xml": patientXML})
	original, back := filepath.Join(dir, "p.xml"), filepath.Join(dir, "p.json")
	if code, _, stderr := cvRun("", "convert", "-q", "--to", "json", original); code != exitOK {
		t.Fatalf("to json: exit %d\n%s", code, stderr)
	}
	for _, arg := range []string{back, dir} {
		code, _, stderr := cvRun("", "convert", "--to", "xml", "-o", dir, arg)
		if code != exitUsage {
			t.Errorf("back to xml from %s: exit %d, want %d\n%s", arg, code, exitUsage, stderr)
		}
		want := back + ": refusing to replace " + original + ", which existed before this run (--force replaces it)"
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		if got := cvReadFile(t, original); got != patientXML {
			t.Fatalf("the original was replaced:\n%s", got)
		}
	}
	// --force replaces it: the user asked for it.
	if code, _, stderr := cvRun("", "convert", "--force", "--to", "xml", "-o", dir, back); code != exitOK {
		t.Fatalf("--force: exit %d\n%s", code, stderr)
	}
	if got := cvReadFile(t, original); got == patientXML || !strings.Contains(got, `<id value="p1"/>`) {
		t.Errorf("--force did not write the conversion:\n%s", got)
	}
	if got := cvListFiles(t, dir); len(got) != 2 {
		t.Errorf("files %v, want p.json and p.xml", got)
	}
}

// TestConvertSizeCap: an input over --max-size is refused before it is
// read, with its name, its size and the cap; a sparse 1 GiB file takes no
// disk and would take 1 GiB of memory if it were read. The other inputs
// are still converted.
func TestConvertSizeCap(t *testing.T) {
	dir := t.TempDir()
	cvWriteFiles(t, dir, map[string]string{"a.xml": patientXML, "big/huge.xml": ""})
	huge := filepath.Join(dir, "big", "huge.xml")
	if err := os.Truncate(huge, 1<<30+1); err != nil {
		t.Skipf("cannot make a sparse file: %v", err)
	}
	a := filepath.Join(dir, "a.xml")
	small := len(patientXML) - 1
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
		code  int
	}{
		{"sparse file named", "", []string{huge, a},
			huge + ": 1073741825 bytes (1.0 GiB), over the --max-size cap of 67108864 bytes (64.0 MiB); not read", exitUsage},
		{"sparse file in a folder", "", []string{filepath.Join(dir, "big"), a},
			huge + ": 1073741825 bytes (1.0 GiB), over the --max-size cap of 67108864 bytes (64.0 MiB); not read", exitUsage},
		{"file one byte over a lowered cap", "", []string{"--max-size", strconv.Itoa(small), a},
			a + ": " + strconv.Itoa(len(patientXML)) + " bytes, over the --max-size cap of " + strconv.Itoa(small) + " bytes; not read", exitUsage},
		{"standard input one byte over the cap", patientXML, []string{"--max-size", strconv.Itoa(small), "-"},
			"<stdin>: more than " + strconv.Itoa(small) + " bytes on standard input, the --max-size cap; not converted", exitUsage},
		{"standard input at the cap", patientXML, []string{"--max-size", strconv.Itoa(len(patientXML)), "-"}, "", exitOK},
		{"a cap of zero", "", []string{"--max-size", "0", a}, "--max-size must be from 1 to 2147483646 bytes", exitUsage},
		{"a cap over 2 GiB", "", []string{"--max-size", "2147483647", a}, "--max-size must be from 1 to 2147483646 bytes", exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"convert", "-q", "--to", "json", "-o", out}, tc.args...)
			code, _, stderr := cvRun(tc.stdin, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
		})
	}
	// The refusal does not stop the batch.
	out := t.TempDir()
	if code, _, _ := cvRun("", "convert", "-q", "--to", "json", "-o", out, huge, a); code != exitUsage {
		t.Errorf("exit %d", code)
	}
	if got := cvListFiles(t, out); len(got) != 1 || got[0] != "a.json" {
		t.Errorf("outputs %v, want a.json", got)
	}
}

// endless is an io.Reader that never ends and counts what it gives.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	clear(p)
	e.n += int64(len(p))
	return len(p), nil
}

// TestReadBounded: a known size is read into one buffer of that size plus
// the byte that shows the end; an endless reader is read no further than
// the limit and one byte.
func TestReadBounded(t *testing.T) {
	src := strings.Repeat("x", 1000)
	got, err := readBounded(strings.NewReader(src), int64(len(src)), 5000)
	if err != nil || string(got) != src || cap(got) != len(src)+1 {
		t.Errorf("known size: len %d cap %d err %v, want len %d cap %d", len(got), cap(got), err, len(src), len(src)+1)
	}
	got, err = readBounded(strings.NewReader(src), -1, 5000)
	if err != nil || string(got) != src {
		t.Errorf("unknown size: len %d err %v", len(got), err)
	}
	if _, err := readBounded(strings.NewReader(src), -1, 999); !errors.Is(err, errTooLong) {
		t.Errorf("one byte over: err %v", err)
	}
	for _, limit := range []int64{100, 1 << 20} {
		e := &endless{}
		if _, err := readBounded(e, -1, limit); !errors.Is(err, errTooLong) {
			t.Errorf("endless, limit %d: err %v", limit, err)
		}
		if e.n > limit+1 {
			t.Errorf("endless, limit %d: read %d bytes", limit, e.n)
		}
	}
	if _, err := readBounded(io.MultiReader(strings.NewReader("ab"), failingReader{}), -1, 10); err == nil || err.Error() != "boom" {
		t.Errorf("read error: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

// TestByteBudget: what is acquired is at most the total, a request that
// does not fit waits (here: gives up on a done context), and releases make
// room again.
func TestByteBudget(t *testing.T) {
	b := newByteBudget(100)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	if !b.acquire(ctx, 60) {
		t.Fatal("60 of 100 refused")
	}
	if b.acquire(done, 50) {
		t.Fatal("50 more acquired with 40 free")
	}
	if !b.acquire(done, 40) {
		t.Fatal("40 refused with 40 free")
	}
	b.release(60)
	if !b.acquire(ctx, 50) {
		t.Fatal("50 refused after the release")
	}
	b.release(50)
	b.release(40)
	// More than the total is taken as the total, so it cannot wait forever.
	if !b.acquire(ctx, 1000) || b.acquire(done, 1) {
		t.Fatal("an oversized request is not the whole budget")
	}
}

// TestLiveTempsAfterStop: once removeAll has run, the temporary files are
// gone, none is created and none is put in place.
func TestLiveTempsAfterStop(t *testing.T) {
	dir := t.TempDir()
	lt := newLiveTemps()
	f, err := lt.create(dir, ".x.tmp-*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if n := lt.removeAll(); n != 1 {
		t.Errorf("removed %d, want 1", n)
	}
	final := filepath.Join(dir, "x.json")
	if err := lt.place(f.Name(), func() error { return os.Rename(f.Name(), final) }); err != errStopped {
		t.Errorf("place after stop: %v", err)
	}
	if _, err := lt.create(dir, ".y.tmp-*"); err != errStopped {
		t.Errorf("create after stop: %v", err)
	}
	if got := cvListFiles(t, dir); len(got) != 0 {
		t.Errorf("files left: %v", got)
	}
}
