// Package pgtest gives tests a real PostgreSQL: a throwaway cluster
// (initdb into a temporary folder, pg_ctl start on a Unix socket there,
// no TCP, stopped by Stop), or the server NEMSFHIR_POSTGRES names. Each
// test gets a database of its own, dropped when it ends.
//
// initdb refuses to run as root; as root the cluster is made and run as
// the unprivileged user "nobody" through setpriv, so that CI, which runs
// as root, tests against a real server too.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names an existing server to use instead of a throwaway cluster.
const EnvURL = "NEMSFHIR_POSTGRES"

// EnvRequire, set to 1 (as CI does, having installed PostgreSQL), makes
// missing binaries fail the tests rather than skip them.
const EnvRequire = "NEMSFHIR_REQUIRE_POSTGRES"

var (
	mu      sync.Mutex
	started *cluster
	failed  error // why no cluster could be started, kept so each test says so
)

type cluster struct {
	dir    string // temporary folder: data/ and the socket
	bin    string
	runAs  []string // setpriv prefix when root, else nil
	server string   // admin URL of the cluster
}

// BinDir finds initdb and pg_ctl: on PATH, else the newest
// /usr/lib/postgresql/*/bin. It returns "" when there are none.
func BinDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				p = real
			}
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// URL returns the URL of a new, empty database for t, dropped when t ends.
// It skips t when there is neither a server named by NEMSFHIR_POSTGRES nor
// PostgreSQL binaries to start one.
func URL(t testing.TB) string {
	t.Helper()
	server, err := serverURL()
	if err != nil {
		if errors.Is(err, errNoBinaries) && os.Getenv(EnvRequire) != "1" {
			t.Skip(err.Error())
		}
		t.Fatal(err)
	}
	name := "nemsfhir_test_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("postgres %s: %v", redact(server), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("postgres %s: create database %s: %v", redact(server), name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Logf("postgres: database %s not dropped: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("postgres: database %s not dropped: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

var errNoBinaries = errors.New("no PostgreSQL: neither " + EnvURL + " is set nor are initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin (Debian's postgresql package)")

// serverURL is the URL of an administrative database on the server,
// starting the throwaway cluster the first time.
func serverURL() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	mu.Lock()
	defer mu.Unlock()
	if started != nil {
		return started.server, nil
	}
	if failed != nil {
		return "", failed
	}
	c, err := start(false)
	if err != nil {
		failed = err
		return "", err
	}
	started = c
	return c.server, nil
}

// Cluster is a throwaway PostgreSQL cluster started by StartCluster.
type Cluster struct{ c *cluster }

// StartCluster starts a throwaway cluster outside any test, as the load
// generator does; durable keeps fsync on, as a real server has it. Stop
// it when done.
func StartCluster(durable bool) (*Cluster, error) {
	c, err := start(durable)
	if err != nil {
		return nil, err
	}
	return &Cluster{c}, nil
}

// URL is the cluster's administrative database, postgres.
func (c *Cluster) URL() string { return c.c.server }

// Stop stops the cluster and removes its folder.
func (c *Cluster) Stop() { c.c.stop() }

func start(durable bool) (*cluster, error) {
	bin := BinDir()
	if bin == "" {
		return nil, errNoBinaries
	}
	// Short, fixed-depth path: a Unix socket path must stay under 108 bytes.
	dir, err := os.MkdirTemp("", "nemsfhir-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin}
	fail := func(err error) (*cluster, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return fail(fmt.Errorf("running as root, where initdb refuses to run, and there is no user nobody to run PostgreSQL as: %w", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			return fail(fmt.Errorf("running as root, where initdb refuses to run, and setpriv (util-linux) is not there to run it as nobody: %w", err))
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return fail(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
		c.runAs = []string{setpriv, "--reuid=" + u.Uid, "--regid=" + u.Gid, "--clear-groups", "--"}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"); err != nil {
		return fail(fmt.Errorf("initdb in %s: %v\n%s", dir, err, out))
	}
	// No TCP at all: the socket in the temporary folder is the only way in.
	// fsync off: a test cluster is thrown away, so durability across an
	// operating-system crash is not what the tests measure.
	opts := fmt.Sprintf("-c listen_addresses='' -k %s -c max_connections=200", dir)
	if !durable {
		opts += " -c fsync=off"
	}
	if out, err := c.run(filepath.Join(bin, "pg_ctl"), "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		return fail(fmt.Errorf("pg_ctl start in %s: %v\n%s\n%s", dir, err, out, log))
	}
	c.server = "postgres://postgres@/postgres?host=" + url.QueryEscape(dir)
	return c, nil
}

func (c *cluster) run(name string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, c.runAs...), name)
	argv = append(argv, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	ownProcessGroup(cmd)
	return cmd.CombinedOutput()
}

// Stop stops the throwaway cluster, if one was started, and removes its
// folder. Call it from TestMain after m.Run.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	if started == nil {
		return
	}
	c := started
	started = nil
	c.stop()
}

func (c *cluster) stop() {
	if out, err := c.run(filepath.Join(c.bin, "pg_ctl"), "stop", "-m", "immediate", "-w", "-D", filepath.Join(c.dir, "data")); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: pg_ctl stop: %v\n%s", err, out)
	}
	os.RemoveAll(c.dir)
}

// Main runs the tests and stops the cluster: func TestMain(m *testing.M)
// { os.Exit(pgtest.Main(m)) }.
func Main(m *testing.M) int {
	defer Stop()
	return m.Run()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// HasServer says whether URL would find a server without skipping.
func HasServer() bool {
	return os.Getenv(EnvURL) != "" || BinDir() != ""
}
