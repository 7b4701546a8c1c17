package structuredef

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nemsfhir/nemsfhir/internal/tripctx"
)

// TestLoadContextCancelledMidway loads an IG folder of many files and
// cancels part way: LoadContext returns context.Canceled and no Registry,
// and stops at the next file rather than reading the rest.
func TestLoadContextCancelledMidway(t *testing.T) {
	dir := t.TempDir()
	const files = 60
	for i := range files {
		vs := fmt.Sprintf(`{"resourceType":"ValueSet","url":"http://example.org/ValueSet/vs%d","status":"active",`+
			`"compose":{"include":[{"system":"http://example.org/cs","concept":[{"code":"c%d"}]}]}}`, i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("vs%03d.json", i)), []byte(vs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := tripctx.Never()
	reg, err := LoadContext(full, dir)
	if err != nil || reg == nil {
		t.Fatalf("uncancelled: %v, %v", reg, err)
	}
	total := full.Checks()
	if total < files {
		t.Fatalf("a full load asked the context %d times, fewer than its %d files", total, files)
	}
	for _, after := range []int64{0, 1, total / 3, total - 2} {
		ctx := tripctx.New(after)
		reg, err := LoadContext(ctx, dir)
		if reg != nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled after %d checks: got %v, %v; want no Registry and context.Canceled", after, reg, err)
		}
		if got := ctx.Checks(); got > after+3 {
			t.Errorf("cancelled after %d checks: went on to %d (a full load is %d)", after, got, total)
		}
	}
}

// TestLoadContextCancelledPackage: a cancelled load of a FHIR package stops
// between its members.
func TestLoadContextCancelledPackage(t *testing.T) {
	members := map[string]string{}
	for i := range 30 {
		members[fmt.Sprintf("package/ValueSet-vs%d.json", i)] = fmt.Sprintf(`{"resourceType":"ValueSet","url":"http://example.org/ValueSet/vs%d","status":"active"}`, i)
	}
	pkg := filepath.Join(t.TempDir(), "ig.tgz")
	writeTestPackage(t, pkg, members)
	full := tripctx.Never()
	if reg, err := LoadContext(full, pkg); err != nil || reg == nil {
		t.Fatalf("uncancelled: %v, %v", reg, err)
	}
	total := full.Checks()
	ctx := tripctx.New(total / 2)
	if reg, err := LoadContext(ctx, pkg); reg != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want no Registry and context.Canceled", reg, err)
	}
	if got := ctx.Checks(); got > total/2+3 {
		t.Errorf("went on to %d checks after the cancellation at %d (a full load is %d)", got, total/2, total)
	}
}

// writeTestPackage writes a gzip-compressed tar of the members to path.
func writeTestPackage(t *testing.T, path string, members map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range members {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
