//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRequestFIFO: a named pipe given as the body, JWT or key file is
// refused at once instead of waiting for a writer that never comes.
func TestRequestFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	base := []string{"request", "--interaction", "publish", "--defaults", "--jwt", testJWT("patient/Bundle.write")}
	for _, args := range [][]string{
		{fifo},
		{"--jwt-key", fifo},
		{"--jwt-hmac-secret", fifo},
	} {
		type result struct {
			code   int
			errOut string
		}
		done := make(chan result, 1)
		go func() {
			code, _, errOut := runCLIStdin("", append(append([]string{}, base...), args...)...)
			done <- result{code, errOut}
		}()
		select {
		case r := <-done:
			if r.code != exitUsage || !strings.Contains(r.errOut, fifo+": not read: a named pipe (FIFO), not a regular file") {
				t.Errorf("%v: exit %d, stderr %s; want a usage error naming the pipe", args, r.code, r.errOut)
			}
		case <-time.After(30 * time.Second):
			// Only a guard so that a regression fails instead of hanging
			// the suite; the goroutine stays blocked on the open.
			t.Fatalf("%v: still waiting on the FIFO after 30 s", args)
		}
	}
}
