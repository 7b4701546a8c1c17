//go:build unix

package inputs_test

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/nemsfhir/nemsfhir/validate/inputs"
)

// TestWalkRefusesSpecialFiles: a named pipe in a folder, or named as such,
// is an input with a NotRegularError, never opened.
func TestWalkRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	for _, p := range []string{dir, fifo} {
		for in := range inputs.Walk(context.Background(), []string{p}, inputs.Options{}) {
			var nr *inputs.NotRegularError
			if !errors.As(in.Err, &nr) || in.Open != nil {
				t.Errorf("%s (walking %s): err %v; want a NotRegularError and no Open", in.Name, p, in.Err)
			}
		}
	}
	if _, _, err := inputs.OpenRegular(fifo); err == nil {
		t.Error("OpenRegular opened a named pipe")
	}
}
