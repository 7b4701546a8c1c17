package inputs_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// names lists what Walk yields: each input's Rel (or base name), with
// "sniffed" or its error.
func names(t *testing.T, seq func(func(inputs.Input) bool), dir string) []string {
	t.Helper()
	var out []string
	for in := range seq {
		name := in.Rel
		if name == "" {
			name, _ = filepath.Rel(dir, in.Name)
			name = filepath.ToSlash(name)
		}
		switch {
		case errors.Is(in.Err, inputs.ErrNoPayloads):
			name += " (empty)"
		case in.Err != nil:
			name += " (error)"
		case in.Sniffed:
			name += " (sniffed)"
		}
		out = append(out, name)
	}
	return out
}

// TestWalkFolderRules: lexical order, hidden entries skipped, extensions
// of any case, files without an extension sniffed, other extensions left
// alone, Include and Exclude globs, a folder with nothing to take and a
// missing path reported in their places.
func TestWalkFolderRules(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"b.json": "{}", "a.XML": "<x/>", "bare": "{}", "notes.md": "x", "data.jsonl": "{}",
		".hidden.json": "{}", ".git/x.json": "{}", "sub/c.xml": "<x/>", "sub/skip/d.json": "{}",
		"empty/readme.txt": "",
	})
	ctx := context.Background()
	got := names(t, inputs.Walk(ctx, []string{dir, filepath.Join(dir, "empty"), filepath.Join(dir, "nope")}, inputs.Options{}), dir)
	want := "a.XML, b.json, bare (sniffed), sub/c.xml, sub/skip/d.json, empty (empty), nope (error)"
	if strings.Join(got, ", ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, ", "), want)
	}
	got = names(t, inputs.Walk(ctx, []string{dir}, inputs.Options{Include: []string{"*.md", "sub/*.xml"}, Exclude: []string{"skip"}}), dir)
	if want := "notes.md, sub/c.xml"; strings.Join(got, ", ") != want {
		t.Errorf("with globs: got %s, want %s", strings.Join(got, ", "), want)
	}
	got = names(t, inputs.Walk(ctx, []string{dir}, inputs.Options{Exts: []string{".json"}, NoSniff: true}), dir)
	if want := "b.json, sub/skip/d.json"; strings.Join(got, ", ") != want {
		t.Errorf("JSON only: got %s, want %s", strings.Join(got, ", "), want)
	}
	if err := (inputs.Options{Include: []string{"[x"}}).Check(); err == nil {
		t.Error("a bad glob passed Check")
	}
}

// TestWalkStops: the walk ends when the consumer stops and when ctx ends,
// without listing the rest.
func TestWalkStops(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		files[n+".json"] = "{}"
	}
	writeTree(t, dir, files)
	n := 0
	for range inputs.Walk(context.Background(), []string{dir, dir}, inputs.Options{}) {
		if n++; n == 2 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	for range inputs.Walk(ctx, []string{dir, dir}, inputs.Options{}) {
		if n++; n == 3 {
			cancel()
		}
	}
	if n != 3 {
		t.Errorf("%d inputs after the cancellation at the third", n)
	}
}

// TestOpenSniffed: a sniffed input is opened whole when it is XML or JSON
// (after a byte order mark), and skipped otherwise.
func TestOpenSniffed(t *testing.T) {
	for _, tc := range []struct {
		src string
		ok  bool
	}{
		{"\ufeff  {\"resourceType\":\"Patient\"}", true},
		{"\n<Patient/>", true},
		{"plain text", false},
		{"", false},
	} {
		in := inputs.Input{Name: "x", Sniffed: true, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(tc.src)), nil }}
		r, ok, err := inputs.Open(in)
		if err != nil || ok != tc.ok {
			t.Errorf("%q: ok %v, %v; want %v", tc.src, ok, err, tc.ok)
			continue
		}
		if ok {
			b, _ := io.ReadAll(r)
			r.Close()
			if string(b) != tc.src {
				t.Errorf("%q read back as %q", tc.src, b)
			}
		}
	}
	if inputs.Sniff([]byte("\ufeff<x/>")) != "xml" || inputs.Sniff([]byte(" {")) != "json" || inputs.Sniff([]byte("x")) != "" {
		t.Error("Sniff does not follow the first significant byte after a byte order mark")
	}
}

// TestReadAll: a read stops after limit+1 bytes with ErrTooLarge.
func TestReadAll(t *testing.T) {
	src := strings.Repeat("x", 1000)
	if b, err := inputs.ReadAll(strings.NewReader(src), -1, 1000); err != nil || len(b) != 1000 {
		t.Errorf("at the limit: %d bytes, %v", len(b), err)
	}
	if _, err := inputs.ReadAll(strings.NewReader(src), 10, 999); !errors.Is(err, inputs.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
}
