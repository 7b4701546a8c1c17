package main

// Helpers of the tests that run `nemsfhir serve` or compare it with
// `nemsfhir request`: starting and stopping the binary, calling it as a
// Spine client would, asking the request command the same, collecting
// over MESH and reading the event log.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh/meshtest"
	"github.com/nemsfhir/nemsfhir/internal/nems"
	"github.com/nemsfhir/nemsfhir/validate/request"
)

// serveProcess is a running `nemsfhir serve`.
type serveProcess struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startServe runs the binary (nemsfhirBinary, built once per test
// process) on a loopback port the system picks, on the SQLite data folder
// or PostgreSQL URL data, with the extra flags given, and waits (at most
// 30 s) for it to say where it listens.
func startServe(t *testing.T, data string, extra ...string) *serveProcess {
	t.Helper()
	where := []string{"--data", data}
	if nems.IsPostgresURL(data) {
		where = []string{"--store", data}
	}
	cmd := exec.Command(nemsfhirBinary(t), append(append([]string{"serve", "--listen", "127.0.0.1:0"}, where...), extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProcess{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(p.logs, line)
			if m := listeningAddr.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("serve exited before listening (%v):\n%s", err, p.logs)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve did not listen within 30 s:\n%s", p.logs)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
	})
	return p
}

// send makes one NEMS call with good Spine headers and a JWT valid now.
func send(client *http.Client, base string, in request.Interaction, path string, body []byte) (*http.Response, []byte, error) {
	method, path := target(in, "", path)
	scope := map[request.Interaction]string{request.Publish: "patient/Bundle.write", request.SubscriptionCreate: "patient/Subscription.write",
		request.SubscriptionRead: "patient/Subscription.read", request.SubscriptionDelete: "patient/Subscription.write"}[in]
	token := spineJWT(testASID, scope, time.Now().Add(-time.Minute))
	return call(client, method, base+path, spineHeaders[in], token, body)
}

// target is the method and path of a request of the interaction: the
// interaction's own unless given.
func target(in request.Interaction, method, path string) (string, string) {
	if method == "" {
		method = in.Method()
	}
	if path == "" {
		path = in.Path()
	}
	return method, path
}

// call sends one HTTP request with the headers and, unless token is "",
// the JWT, and reads at most 8 MiB of the answer.
func call(client *http.Client, method, url string, header map[string]string, token string, body []byte) (*http.Response, []byte, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp, b, err
}

// testASID is the system every test token but a stranger's speaks for.
const testASID = "200000000205"

// spineJWT is an unsecured Spine token of the ASID, issued at issued for
// the five minutes Spine Core allows.
func spineJWT(asid, scope string, issued time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	p, _ := json.Marshal(map[string]any{
		"iss": "https://cas.nhs.uk", "aud": "https://clinicals.spineservices.nhs.uk",
		"sub": "https://fhir.nhs.uk/Id/accredited-system|" + asid,
		"iat": issued.Unix(), "exp": issued.Unix() + 300,
		"reason_for_request":      "directcare",
		"scope":                   scope,
		"requesting_system":       "https://fhir.nhs.uk/Id/accredited-system|" + asid,
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|A91545",
	})
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(p) + "."
}

// collectScript is a receiver collecting with NHS England's Python MESH
// client, unchanged: handshake, list, retrieve and acknowledge each
// message, list and count again; then a handshake for each refused
// (name, mailbox, password). It prints what it saw as JSON; bodies in
// base64, so that they are compared byte for byte.
const collectScript = `
import base64, json, sys, warnings
warnings.simplefilter("ignore")
import requests
from mesh_client import MeshClient

cfg = json.loads(sys.argv[1])
url, box = cfg["url"], cfg["mailbox"]
kw = {"max_retries": 0, "timeout": 20}
out = {}
with MeshClient(url, box, cfg["password"], **kw) as c:
    out["handshake"] = c.handshake().decode()
    out["list"] = c.list_messages()
    got = []
    for mid in out["list"]:
        m = c.retrieve_message(mid)
        got.append({
            "id": m.id(), "sender": m.sender, "recipient": m.recipient,
            "workflow_id": m.workflow_id, "partner_id": m.partner_id,
            "mex_partnerid": m.mex_header("partnerid"), "content_type": m.content_type,
            "body": base64.b64encode(m.read()).decode(),
        })
        m.close()
        c.acknowledge_message(mid)
    out["retrieved"] = got
    out["after"] = c.list_messages()
    out["count"] = c.count_messages()
refused = {}
for name, other, password in cfg.get("refused", []):
    with MeshClient(url, other, password, **kw) as bad:
        try:
            bad.handshake()
            refused[name] = 200
        except requests.HTTPError as e:
            refused[name] = e.response.status_code
out["refused"] = refused
print(json.dumps(out))
`

type collected struct {
	Handshake string              `json:"handshake"`
	List      []string            `json:"list"`
	Retrieved []map[string]string `json:"retrieved"`
	After     []string            `json:"after"`
	Count     int                 `json:"count"`
	Refused   map[string]int      `json:"refused"`
}

// collect runs collectScript against the server.
func collect(t *testing.T, python, clientDir, base, mailbox, password string, refused [][3]string) collected {
	t.Helper()
	arg, err := json.Marshal(map[string]any{"url": base, "mailbox": mailbox, "password": password, "refused": refused})
	if err != nil {
		t.Fatal(err)
	}
	out := meshtest.Run(t, python, clientDir, collectScript, 90*time.Second, string(arg))
	var got collected
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the script's output: %v\n%s", err, out)
	}
	return got
}

// eventLog reads the admin API's event log.
func eventLog(t *testing.T, client *http.Client, base string) []nems.Event {
	t.Helper()
	resp, err := client.Get(base + "/admin/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/events: %d %v\n%s", resp.StatusCode, err, b)
	}
	var evs []nems.Event
	if err := json.Unmarshal(b, &evs); err != nil {
		t.Fatalf("GET /admin/events: %v\n%s", err, b)
	}
	return evs
}

// kill kills the server with SIGKILL, as a crash would.
func (p *serveProcess) kill() { p.cmd.Process.Signal(syscall.SIGKILL) }

// awaitKilled waits at most 10 s for the process kill killed to exit.
func awaitKilled(t *testing.T, p *serveProcess, name string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not die on SIGKILL", name)
	}
}

// stopServe stops the server with SIGTERM and waits for it to exit.
func stopServe(t *testing.T, p *serveProcess) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("serve exited with %v on SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not stop within 20 s of SIGTERM\n%s", p.logs)
	}
}

// requestFixture reads a file of the request checker's testdata.
func requestFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(requestTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	statusLine    = regexp.MustCompile(`^HTTP/1\.1 (\d{3}) `)
	cliHeaderLine = regexp.MustCompile(`^([A-Za-z-]+): (.*)$`)
)

// cliAnswer is what `nemsfhir request` printed: its exit code, and the
// status, headers and body of the answer it says the server gives.
type cliAnswer struct {
	code   int
	status int
	header http.Header
	body   string
	out    string // all it printed
}

// requestCLI gives a request to `nemsfhir request`, in-process, with the
// flags given; name says which request failed when the command printed
// no answer.
func requestCLI(t *testing.T, name string, in request.Interaction, method, path string, header map[string]string, body []byte, flags ...string) cliAnswer {
	t.Helper()
	args := append([]string{"request", "--interaction", in.String(), "--method", method, "--path", path}, flags...)
	for k, v := range header {
		args = append(args, "-H", k+": "+v)
	}
	if len(body) > 0 {
		f := filepath.Join(t.TempDir(), "body")
		if err := os.WriteFile(f, body, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, f)
	}
	code, out, errOut := runCLI(args...)
	m := statusLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("%s: nemsfhir request exited %d with no status line: %q %q", name, code, out, errOut)
	}
	a := cliAnswer{code: code, header: http.Header{}, out: out}
	a.status, _ = strconv.Atoi(m[1])
	head, cliBody, _ := strings.Cut(out, "\n\n")
	a.body = cliBody
	for _, line := range strings.Split(head, "\n")[1:] {
		if hm := cliHeaderLine.FindStringSubmatch(line); hm != nil {
			a.header.Set(hm[1], hm[2])
		}
	}
	return a
}
