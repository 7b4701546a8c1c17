//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nemsfhir/nemsfhir/internal/mesh"
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

// buildServe builds the binary into a temporary folder.
func buildServe(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "nemsfhir")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs the binary on a loopback port the system picks, on the
// SQLite data folder or PostgreSQL URL data, with the extra flags given, and waits (at most 30 s) for it to say where it
// listens.
func startServe(t *testing.T, bin, data string, extra ...string) *serveProcess {
	t.Helper()
	where := []string{"--data", data}
	if nems.IsPostgresURL(data) {
		where = []string{"--store", data}
	}
	cmd := exec.Command(bin, append(append([]string{"serve", "--listen", "127.0.0.1:0"}, where...), extra...)...)
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
	if path == "" {
		path = in.Path()
	}
	req, err := http.NewRequest(in.Method(), base+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range spineHeaders[in] {
		req.Header.Set(k, v)
	}
	scope := map[request.Interaction]string{request.Publish: "patient/Bundle.write", request.SubscriptionCreate: "patient/Subscription.write",
		request.SubscriptionRead: "patient/Subscription.read", request.SubscriptionDelete: "patient/Subscription.write"}[in]
	req.Header.Set("Authorization", "Bearer "+jwtAt(scope, time.Now()))
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, b, err
}

// jwtAt is an unsecured token like testJWT, issued a minute before now
// for the five minutes Spine Core allows.
func jwtAt(scope string, now time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	p, _ := json.Marshal(map[string]any{
		"iss": "https://cas.nhs.uk", "aud": "https://clinicals.spineservices.nhs.uk",
		"sub": "https://fhir.nhs.uk/Id/accredited-system|200000000205",
		"iat": now.Unix() - 60, "exp": now.Unix() + 240,
		"reason_for_request":      "directcare",
		"scope":                   scope,
		"requesting_system":       "https://fhir.nhs.uk/Id/accredited-system|200000000205",
		"requesting_organisation": "https://fhir.nhs.uk/Id/ods-organization-code|A91545",
	})
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(p) + "."
}

// TestServeSurvivesKill runs the real binary, kills it with SIGKILL in the
// middle of traffic, restarts it on the same data and checks that every
// subscription answered 201 and every event answered 202 is still there,
// that no mailbox holds a message twice, and that SIGTERM then stops it
// gracefully.
func TestServeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: skipped with -short")
	}
	bin := buildServe(t)
	data := filepath.Join(t.TempDir(), "data")
	subXML, err := os.ReadFile(filepath.Join(requestTestdata, "subscription.xml"))
	if err != nil {
		t.Fatal(err)
	}
	event, err := os.ReadFile(filepath.Join(requestTestdata, "publish.xml"))
	if err != nil {
		t.Fatal(err)
	}
	const mailbox = "A91545OT001"
	client := &http.Client{Timeout: 10 * time.Second}

	p := startServe(t, bin, data)
	resp, _, err := send(client, p.base, request.SubscriptionCreate, "", subXML)
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("first subscription: %v %v\n%s", resp, err, p.logs)
	}

	// Traffic from four clients at once: subscriptions to new mailboxes
	// and publishes that match the first one. Once 40 calls have been
	// acknowledged the server is killed, with calls in flight; each client
	// stops at its first failed call (bounded in any case).
	var (
		mu       sync.Mutex
		created  []string
		accepted int
		failure  string
		acked    int
		killOnce sync.Once
		wg       sync.WaitGroup
	)
	kill := func() { p.cmd.Process.Signal(syscall.SIGKILL) }
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				var resp *http.Response
				var err error
				isSub := i%2 == 0
				if isSub {
					body := bytes.Replace(subXML, []byte(mailbox), []byte(fmt.Sprintf("A91545T%d%03d", w, i)), 1)
					resp, _, err = send(client, p.base, request.SubscriptionCreate, "", body)
				} else {
					resp, _, err = send(client, p.base, request.Publish, "", event)
				}
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				switch {
				case isSub && resp.StatusCode == http.StatusCreated:
					created = append(created, resp.Header.Get("Location"))
				case !isSub && resp.StatusCode == http.StatusAccepted:
					accepted++
				default:
					failure = fmt.Sprintf("client %d call %d: status %d", w, i, resp.StatusCode)
				}
				acked++
				n := acked
				mu.Unlock()
				if n >= 40 {
					killOnce.Do(kill)
				}
			}
		}(w)
	}
	wg.Wait()
	if failure != "" {
		t.Fatalf("%s\n%s", failure, p.logs)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not die on SIGKILL")
	}
	if len(created) < 10 || accepted < 10 {
		t.Fatalf("only %d subscriptions and %d events were acknowledged before the kill\n%s", len(created), accepted, p.logs)
	}

	p = startServe(t, bin, data)
	for _, loc := range created {
		path := strings.TrimPrefix(loc, loc[:strings.Index(loc, request.PathSubscription)])
		resp, body, err := send(client, p.base, request.SubscriptionRead, path, nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("subscription %s, acknowledged 201, after restart: %v %v\n%s", path, resp, err, body)
		}
	}
	// Stop gracefully, then look at the mailbox in the database itself.
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("serve exited with %v on SIGTERM\n%s", err, p.logs)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of SIGTERM")
	}
	if !strings.Contains(p.logs.String(), "msg=stopped") {
		t.Errorf("no graceful stop in the log:\n%s", p.logs)
	}
	store, err := nems.OpenSQLite(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// At most 1000 publishes were sent: one page holds them all.
	ids, err := store.Inbox(context.Background(), mailbox, mesh.InboxQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ids {
		id := e.ID
		if seen[id] {
			t.Errorf("mailbox %s holds %s twice", mailbox, id)
		}
		seen[id] = true
	}
	// Each publish matched the first subscription: one message for each
	// 202, and at most one more per client, stored by a server killed
	// before its answer reached the client.
	if len(ids) < accepted || len(ids) > accepted+4 {
		t.Errorf("mailbox %s holds %d messages after %d events were answered 202", mailbox, len(ids), accepted)
	}
	t.Logf("%d subscriptions and %d events acknowledged before SIGKILL; all there after restart", len(created), accepted)
}
