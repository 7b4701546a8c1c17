package mesh

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of the tests that do not run a real client.
var testNow = time.Date(2026, 12, 7, 1, 2, 30, 0, time.UTC)

// makeToken builds an NHSMESH token as MESH's documentation describes it,
// independently of the code under test.
func makeToken(key, mailbox, password, nonce string, count int, at time.Time) string {
	ts := at.UTC().Format("200601021504")
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(mailbox + ":" + nonce + ":" + fmt.Sprint(count) + ":" + password + ":" + ts))
	return fmt.Sprintf("NHSMESH %s:%s:%d:%s:%s", mailbox, nonce, count, ts, hex.EncodeToString(m.Sum(nil)))
}

func newTestAuth(t *testing.T, opts AuthOptions) *Auth {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	a, err := NewAuth(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wantStatus(t *testing.T, err error, status int, reason string) {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want a refusal with status %d", err, status)
	}
	if ae.Status != status || !strings.Contains(ae.Reason, reason) {
		t.Fatalf("got %d %q, want %d and a reason containing %q", ae.Status, ae.Reason, status, reason)
	}
}

// TestAuthClientToken checks a token made by NHS England's Python client
// (AuthTokenGenerator with the client's default shared key, mailbox
// X26OT181TEST, password "password", nonce count 7, at 2026-12-07 01:02 UTC).
func TestAuthClientToken(t *testing.T) {
	const fromClient = "NHSMESH X26OT181TEST:2c001608-5f09-4840-9611-bea43e666a30:7:202612070102:447c1ca254520642cc49d1fca02b056c0d072d871bdc958420a90fefa0c395d8"
	a := newTestAuth(t, AuthOptions{})
	if err := a.Check(context.Background(), "X26OT181TEST", fromClient); err != nil {
		t.Fatalf("the client's token is refused: %v", err)
	}
	if got := makeToken(DefaultSharedKey, "X26OT181TEST", "password", "2c001608-5f09-4840-9611-bea43e666a30", 7, testNow); got != fromClient {
		t.Fatalf("the test's token construction differs from the client's:\n got %s\nwant %s", got, fromClient)
	}
	wantStatus(t, a.Check(context.Background(), "X26OT181TEST", fromClient), http.StatusForbidden, "used before")
}

func TestAuthRefusals(t *testing.T) {
	const box, nonce = "X26OT181TEST", "0f8d0a53-51d4-4a43-a0c1-43e7f6d5a1b9"
	good := func(count int) string {
		return makeToken(DefaultSharedKey, box, DefaultPassword, nonce, count, testNow)
	}
	cases := []struct {
		name    string
		mailbox string
		header  string
		status  int
		reason  string
	}{
		{"no header", box, "", http.StatusBadRequest, "no Authorization header"},
		{"other scheme", box, "Basic " + strings.TrimPrefix(good(1), "NHSMESH "), http.StatusBadRequest, "scheme is not NHSMESH"},
		{"four parts", box, "NHSMESH " + box + ":" + nonce + ":1:202612070102", http.StatusBadRequest, "4 parts"},
		{"count not a number", box, strings.Replace(good(1), ":1:", ":x:", 1), http.StatusBadRequest, "not a number"},
		{"short hash", box, good(1)[:len(good(1))-2], http.StatusBadRequest, "64 hexadecimal"},
		{"wrong mailbox", "X26OT182TEST", good(1), http.StatusForbidden, "does not match the mailbox X26OT182TEST"},
		{"bad HMAC (other password)", box, makeToken(DefaultSharedKey, box, "secret", nonce, 1, testNow), http.StatusForbidden, "hash does not match"},
		{"bad HMAC (other shared key)", box, makeToken("OtherKey", box, DefaultPassword, nonce, 1, testNow), http.StatusForbidden, "hash does not match"},
		{"bad HMAC (altered count)", box, strings.Replace(good(1), ":1:", ":2:", 1), http.StatusForbidden, "hash does not match"},
		{"stale timestamp", box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 1, testNow.Add(-2*time.Hour-2*time.Minute)), http.StatusForbidden, "more than 2h0m0s from the server time"},
		{"future timestamp", box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 1, testNow.Add(2*time.Hour+2*time.Minute)), http.StatusForbidden, "more than 2h0m0s"},
		{"timestamp not a date", box, "NHSMESH " + box + ":" + nonce + ":1:202613070102:" + strings.Repeat("a", 64), http.StatusForbidden, "not yyyyMMddHHmm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newTestAuth(t, AuthOptions{})
			wantStatus(t, a.Check(context.Background(), c.mailbox, c.header), c.status, c.reason)
			// A refused token is not remembered: the good one still passes.
			if err := a.Check(context.Background(), box, good(1)); err != nil {
				t.Fatalf("a good token after a refusal: %v", err)
			}
		})
	}
}

func TestAuthWindowAndReplay(t *testing.T) {
	const box, nonce = "X26OT181TEST", "nonce-1"
	now := testNow
	a := newTestAuth(t, AuthOptions{Now: func() time.Time { return now }, MaxTokens: 3})
	ctx := context.Background()
	// Just inside the window on both sides.
	for i, at := range []time.Time{now.Add(-2 * time.Hour), now.Add(2 * time.Hour).Add(-time.Minute), now} {
		if err := a.Check(ctx, box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, i, at)); err != nil {
			t.Fatalf("token %d at %s: %v", i, at, err)
		}
	}
	// The same nonce with a new count is a new token; a used one is refused.
	wantStatus(t, a.Check(ctx, box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 2, now)), http.StatusForbidden, "used before")
	// Memory is full (3 tokens within their window): refused with 429, not forgotten.
	wantStatus(t, a.Check(ctx, box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 3, now)), http.StatusTooManyRequests, "still within their")
	// Once the first token (two hours old) has left the window, room is made.
	now = now.Add(2 * time.Minute)
	if err := a.Check(ctx, box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 3, now)); err != nil {
		t.Fatalf("after the oldest token expired: %v", err)
	}
	// The expired token cannot come back: its timestamp is outside the window.
	wantStatus(t, a.Check(ctx, box, makeToken(DefaultSharedKey, box, DefaultPassword, nonce, 0, testNow.Add(-2*time.Hour))), http.StatusForbidden, "more than 2h0m0s")
}

func TestAuthMailboxes(t *testing.T) {
	ctx := context.Background()
	key := []byte("LocalKey")
	a := newTestAuth(t, AuthOptions{Mailboxes: map[string]string{"X26OT181TEST": "s3cret"}, SharedKey: key})
	if err := a.Check(ctx, "X26OT181TEST", makeToken("LocalKey", "X26OT181TEST", "s3cret", "n", 0, testNow)); err != nil {
		t.Fatalf("configured mailbox and key: %v", err)
	}
	wantStatus(t, a.Check(ctx, "X26OT181TEST", makeToken("LocalKey", "X26OT181TEST", DefaultPassword, "n", 1, testNow)), http.StatusForbidden, "hash does not match")
	wantStatus(t, a.Check(ctx, "X26OT182TEST", makeToken("LocalKey", "X26OT182TEST", "s3cret", "n", 2, testNow)), http.StatusForbidden, "no mailbox X26OT182TEST is configured")

	known := newTestAuth(t, AuthOptions{DefaultPassword: "pw", MailboxExists: func(_ context.Context, m string) (bool, error) {
		if m == "BROKEN" {
			return false, errors.New("database closed")
		}
		return m == "KNOWN", nil
	}})
	if err := known.Check(ctx, "KNOWN", makeToken(DefaultSharedKey, "KNOWN", "pw", "n", 0, testNow)); err != nil {
		t.Fatalf("known mailbox with the default password flag: %v", err)
	}
	wantStatus(t, known.Check(ctx, "OTHER", makeToken(DefaultSharedKey, "OTHER", "pw", "n", 0, testNow)), http.StatusForbidden, "no mailbox OTHER is known")
	err := known.Check(ctx, "BROKEN", makeToken(DefaultSharedKey, "BROKEN", "pw", "n", 0, testNow))
	var ae *AuthError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "database closed") {
		t.Fatalf("a failing lookup must be an error of the server, not a refusal: %v", err)
	}

	for _, bad := range []AuthOptions{
		{Mailboxes: map[string]string{}},
		{Mailboxes: map[string]string{"A:B": "pw"}},
		{Mailboxes: map[string]string{"A": ""}},
		{SharedKey: []byte{}},
		{Skew: -time.Minute},
		{MaxTokens: -1},
	} {
		if _, err := NewAuth(bad); err == nil {
			t.Errorf("NewAuth(%+v) accepted", bad)
		}
	}
}

func TestLoadMailboxes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := LoadMailboxes(write("good", "# receivers\nX26OT181TEST  pass word \n\n\tX26OT182TEST\tother\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["X26OT181TEST"] != "pass word" || got["X26OT182TEST"] != "other" {
		t.Fatalf("got %q", got)
	}
	for _, c := range []struct{ text, want string }{
		{"A pw\nB\n", "bad:2: mailbox \"B\" has no password"},
		{"A pw\nA pw2\n", "bad:2: mailbox A is listed twice"},
		{"# only a comment\n", "bad: no mailbox listed"},
		{"A:B pw\n", "bad:1: mailbox id holds ':'"},
		{strings.Repeat("x", maxMailboxFile+1), "larger than"},
	} {
		_, err := LoadMailboxes(write("bad", c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text[:min(len(c.text), 20)], err, c.want)
		}
	}
	if _, err := LoadMailboxes(filepath.Join(dir, "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("absent file: %v", err)
	}
}
