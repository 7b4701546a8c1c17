// Package meshtest finds NHS England's Python MESH client, kept unchanged
// in the reference data, for tests of different packages that run it
// against a MESH server.
package meshtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/sharedtest"
)

// RequirePython, set to 1 in the environment, makes a test that needs the
// client fail instead of skipping when Python, requests or the client
// (with the reference data there) is missing, as in CI.
const RequirePython = "NEMSFHIR_REQUIRE_PYTHON"

// Client finds the client in the reference data, and python3 with
// requests. It skips the test when one is missing (fails with
// NEMSFHIR_REQUIRE_PYTHON=1); absent reference data always skips, as on a
// fresh clone.
func Client(tb testing.TB) (python, dir string) {
	tb.Helper()
	missing := func(why string) {
		tb.Helper()
		if os.Getenv(RequirePython) == "1" {
			tb.Fatalf("%s (%s=1)", why, RequirePython)
		}
		tb.Skipf("%s: skipping the NHS MESH client test (set %s=1 to fail instead)", why, RequirePython)
	}
	shared, _ := sharedtest.Dir()
	if shared == "" {
		// No reference data: a skip even for CI, which runs the tests
		// once that way (sharedtest fails instead when NEMSFHIR_SHARED
		// names no folder).
		sharedtest.Path(tb, "clients/mesh-client")
	}
	dir = filepath.Join(shared, "clients", "mesh-client")
	if _, err := os.Stat(filepath.Join(dir, "mesh_client", "__init__.py")); err != nil {
		missing(fmt.Sprintf("the NHS MESH client is absent from %s", dir))
	}
	// The python3 on PATH first, then Debian's, where the python3-requests
	// package installs: a PATH that leads to another Python (pyenv, say)
	// need not have requests.
	var why []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(name)
		if err != nil {
			why = append(why, fmt.Sprintf("%s: not installed", name))
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := exec.CommandContext(ctx, p, "-c", "import requests").CombinedOutput()
		cancel()
		if err == nil {
			return p, dir
		}
		why = append(why, fmt.Sprintf("%s cannot import requests: %v %s", p, err, bytes.TrimSpace(out)))
	}
	missing("no python3 with requests (install python3-requests): " + strings.Join(why, "; "))
	return python, dir
}

// Env is the environment of the client: the client on PYTHONPATH, no
// byte code written into the read-only reference data, no proxy between
// the client and a loopback server, and no MESH_CLIENT_SHARED_KEY, so that
// the client uses its own default shared key.
func Env(clientDir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "PYTHONPATH", "MESH_CLIENT_SHARED_KEY", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PYTHONPATH="+clientDir, "PYTHONDONTWRITEBYTECODE=1", "NO_PROXY=*")
}

// Run runs script with python, the arguments given, in a temporary
// folder, with the client's environment, for at most timeout, and returns
// what it printed on standard output; a failure ends the test with its
// standard error.
func Run(tb testing.TB, python, clientDir, script string, timeout time.Duration, args ...string) []byte {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "script.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{path}, args...)...)
	cmd.Dir = tb.TempDir()
	cmd.Env = Env(clientDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("the MESH client script failed: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.Bytes(), stdout.Bytes())
	}
	return stdout.Bytes()
}
