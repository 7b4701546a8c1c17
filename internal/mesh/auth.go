package mesh

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"
)

// DefaultSharedKey is the environment shared secret MESH's own Python
// client uses when none is configured (mesh_client/key_helper.py), the key
// of MESH's non-live test environments and sandboxes.
const DefaultSharedKey = "BackBone"

// DefaultPassword is every mailbox's password when no mailbox file is given.
const DefaultPassword = "password"

// DefaultSkew is how far a token's timestamp may be from the server's
// clock: MESH refuses a token "not within 2 hours of the server time".
const DefaultSkew = 2 * time.Hour

// DefaultMaxTokens bounds the tokens remembered to refuse a replay.
const DefaultMaxTokens = 100000

// maxMailboxFile bounds the size of a mailbox file.
const maxMailboxFile = 1 << 20

// authScheme is the custom scheme of MESH's Authorization header.
const authScheme = "NHSMESH"

// AuthOptions configures [NewAuth]. The zero value gives the defaults of
// a local MESH: every mailbox exists with the password "password" and
// tokens are keyed with [DefaultSharedKey].
type AuthOptions struct {
	// Mailboxes maps each mailbox id to its password (see [LoadMailboxes]).
	// When nil, every mailbox exists (subject to MailboxExists) with
	// DefaultPassword.
	Mailboxes map[string]string
	// DefaultPassword is the password of every mailbox when Mailboxes is
	// nil; empty means [DefaultPassword].
	DefaultPassword string
	// MailboxExists, when Mailboxes is nil and it is set, says whether a
	// mailbox exists (for example: it is named by a subscription). A
	// mailbox it refuses is answered 403, as MESH answers an unknown one.
	MailboxExists func(ctx context.Context, mailbox string) (bool, error)
	// SharedKey keys the tokens' HMAC; nil means [DefaultSharedKey].
	SharedKey []byte
	// Skew is how far a token's timestamp may be from now; 0 means
	// [DefaultSkew].
	Skew time.Duration
	// MaxTokens bounds the tokens remembered within the skew window to
	// refuse a replay; 0 means [DefaultMaxTokens]. When that many tokens
	// are still within their window, new requests are answered 429 until
	// the oldest expire: memory stays bounded and no replay slips through.
	MaxTokens int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Auth checks the NHSMESH Authorization tokens of MESH requests. It is
// safe for concurrent use.
type Auth struct {
	mailboxes       map[string]string
	defaultPassword string
	exists          func(context.Context, string) (bool, error)
	key             []byte
	skew            time.Duration
	maxTokens       int
	now             func() time.Time

	mu        sync.Mutex
	seen      map[string]time.Time // token (mailbox, nonce, count) -> when it may be forgotten
	lastSweep time.Time
}

// NewAuth returns an Auth with the given options.
func NewAuth(opts AuthOptions) (*Auth, error) {
	a := &Auth{
		defaultPassword: opts.DefaultPassword,
		exists:          opts.MailboxExists,
		key:             opts.SharedKey,
		skew:            opts.Skew,
		maxTokens:       opts.MaxTokens,
		now:             opts.Now,
		seen:            map[string]time.Time{},
	}
	if opts.Mailboxes != nil {
		if len(opts.Mailboxes) == 0 {
			return nil, errors.New("mesh: the mailbox list is empty: no mailbox could collect")
		}
		a.mailboxes = make(map[string]string, len(opts.Mailboxes))
		for id, pw := range opts.Mailboxes {
			if err := checkMailboxID(id); err != nil {
				return nil, fmt.Errorf("mesh: mailbox %q: %v", id, err)
			}
			if pw == "" {
				return nil, fmt.Errorf("mesh: mailbox %q has an empty password", id)
			}
			a.mailboxes[id] = pw
		}
	}
	if a.defaultPassword == "" {
		a.defaultPassword = DefaultPassword
	}
	if a.key == nil {
		a.key = []byte(DefaultSharedKey)
	}
	if len(a.key) == 0 {
		return nil, errors.New("mesh: the shared key is empty")
	}
	if a.skew < 0 {
		return nil, fmt.Errorf("mesh: negative token skew %v", a.skew)
	}
	if a.skew == 0 {
		a.skew = DefaultSkew
	}
	if a.maxTokens < 0 {
		return nil, fmt.Errorf("mesh: negative token bound %d", a.maxTokens)
	}
	if a.maxTokens == 0 {
		a.maxTokens = DefaultMaxTokens
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a, nil
}

// checkMailboxID refuses ids that cannot appear in a token or a path.
func checkMailboxID(id string) error {
	if id == "" {
		return errors.New("empty mailbox id")
	}
	if len(id) > 100 {
		return errors.New("mailbox id longer than 100 characters")
	}
	for _, r := range id {
		if r == ':' || r == '/' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("mailbox id holds %q (no colon, slash, space or control character)", r)
		}
	}
	return nil
}

// LoadMailboxes reads a mailbox file: one mailbox per line, its id, then
// white space, then its password (the rest of the line, trimmed). Blank
// lines and lines starting with # are skipped. A duplicate id, a line
// without a password or a file larger than 1 MiB is an error naming the
// file and the line.
func LoadMailboxes(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mesh mailbox file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMailboxFile+1))
	if err != nil {
		return nil, fmt.Errorf("mesh mailbox file %s: %v", path, err)
	}
	if len(data) > maxMailboxFile {
		return nil, fmt.Errorf("mesh mailbox file %s: larger than %d bytes", path, maxMailboxFile)
	}
	return parseMailboxes(path, data)
}

func parseMailboxes(name string, data []byte) (map[string]string, error) {
	boxes := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxMailboxFile)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.IndexFunc(line, unicode.IsSpace)
		if i < 0 {
			return nil, fmt.Errorf("%s:%d: mailbox %q has no password (want \"MAILBOX PASSWORD\")", name, n, line)
		}
		id, pw := line[:i], strings.TrimSpace(line[i:])
		if err := checkMailboxID(id); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, n, err)
		}
		if _, dup := boxes[id]; dup {
			return nil, fmt.Errorf("%s:%d: mailbox %s is listed twice", name, n, id)
		}
		boxes[id] = pw
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(boxes) == 0 {
		return nil, fmt.Errorf("%s: no mailbox listed", name)
	}
	return boxes, nil
}

// AuthError is a refused token: the HTTP status MESH answers and why.
type AuthError struct {
	Status int
	Reason string
}

func (e *AuthError) Error() string { return e.Reason }

func refuse(status int, format string, args ...any) *AuthError {
	return &AuthError{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// token is a parsed NHSMESH Authorization header.
type token struct {
	mailbox, nonce, count, timestamp, hash string
}

// parseToken splits "NHSMESH mailbox:nonce:nonce_count:timestamp:hmac".
func parseToken(header string) (token, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return token{}, errors.New("no Authorization header")
	}
	scheme, rest, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, authScheme) {
		return token{}, fmt.Errorf("the Authorization scheme is not %s", authScheme)
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 5 {
		return token{}, fmt.Errorf("the %s token has %d parts, not 5 (mailbox:nonce:nonce_count:timestamp:hmac)", authScheme, len(parts))
	}
	t := token{parts[0], parts[1], parts[2], parts[3], parts[4]}
	switch {
	case t.mailbox == "":
		return token{}, errors.New("the token's mailbox is empty")
	case t.nonce == "" || len(t.nonce) > 100:
		return token{}, errors.New("the token's nonce is empty or longer than 100 characters")
	case t.count == "" || len(t.count) > 18 || strings.Trim(t.count, "0123456789") != "":
		return token{}, fmt.Errorf("the token's nonce count %q is not a number", t.count)
	case len(t.hash) != 2*sha256.Size:
		return token{}, errors.New("the token's hash is not 64 hexadecimal digits")
	}
	return t, nil
}

// Check authorises a request for mailbox (the mailbox of its path) from its
// Authorization header. A header that cannot be read is refused with 400;
// a token for another mailbox, an unknown mailbox, a timestamp outside the
// window, a wrong HMAC or a token used before with 403, as MESH does; 429
// when the replay memory is full. Only a token that passes every other
// check is remembered, so that unauthenticated requests cannot fill it.
func (a *Auth) Check(ctx context.Context, mailbox, header string) error {
	t, err := parseToken(header)
	if err != nil {
		return refuse(http.StatusBadRequest, "error reading the Authorization header: %v", err)
	}
	if t.mailbox != mailbox {
		return refuse(http.StatusForbidden, "the token's mailbox %s does not match the mailbox %s of the path", t.mailbox, mailbox)
	}
	password, err := a.password(ctx, mailbox)
	if err != nil {
		return err
	}
	at, err := time.Parse("200601021504", t.timestamp)
	if err != nil {
		return refuse(http.StatusForbidden, "the token's timestamp %q is not yyyyMMddHHmm", t.timestamp)
	}
	now := a.now()
	if d := now.Sub(at); d > a.skew+time.Minute || d < -a.skew {
		return refuse(http.StatusForbidden, "the token's timestamp %s (UTC) is more than %v from the server time %s", t.timestamp, a.skew, now.UTC().Format("200601021504"))
	}
	got, err := hex.DecodeString(t.hash)
	if err != nil {
		return refuse(http.StatusForbidden, "the token's hash is not hexadecimal")
	}
	if !hmac.Equal(got, a.sign(t, password)) {
		return refuse(http.StatusForbidden, "the token's hash does not match mailbox %s's password and the shared key", mailbox)
	}
	return a.remember(t, at.Add(a.skew+time.Minute), now)
}

// sign computes the token's HMAC-SHA256 over
// mailbox:nonce:nonce_count:password:timestamp, keyed with the shared key.
func (a *Auth) sign(t token, password string) []byte {
	m := hmac.New(sha256.New, a.key)
	fmt.Fprintf(m, "%s:%s:%s:%s:%s", t.mailbox, t.nonce, t.count, password, t.timestamp)
	return m.Sum(nil)
}

// password returns mailbox's password, or a 403 when it does not exist.
func (a *Auth) password(ctx context.Context, mailbox string) (string, error) {
	if a.mailboxes != nil {
		pw, ok := a.mailboxes[mailbox]
		if !ok {
			return "", refuse(http.StatusForbidden, "no mailbox %s is configured", mailbox)
		}
		return pw, nil
	}
	if err := checkMailboxID(mailbox); err != nil {
		return "", refuse(http.StatusForbidden, "no mailbox %q: %v", mailbox, err)
	}
	if a.exists != nil {
		ok, err := a.exists(ctx, mailbox)
		if err != nil {
			return "", fmt.Errorf("mesh: looking up mailbox %s: %w", mailbox, err)
		}
		if !ok {
			return "", refuse(http.StatusForbidden, "no mailbox %s is known", mailbox)
		}
	}
	return a.defaultPassword, nil
}

// remember records a token until it expires, refusing one seen before.
func (a *Auth) remember(t token, expires, now time.Time) error {
	key := t.mailbox + "\x00" + t.nonce + "\x00" + strings.TrimLeft(t.count, "0")
	a.mu.Lock()
	defer a.mu.Unlock()
	if exp, ok := a.seen[key]; ok && now.Before(exp) {
		return refuse(http.StatusForbidden, "the token (nonce %s, count %s) was used before: each token is valid for one request", t.nonce, t.count)
	}
	if len(a.seen) >= a.maxTokens || now.Sub(a.lastSweep) > time.Minute {
		for k, exp := range a.seen {
			if !now.Before(exp) {
				delete(a.seen, k)
			}
		}
		a.lastSweep = now
	}
	if len(a.seen) >= a.maxTokens {
		return refuse(http.StatusTooManyRequests, "%d tokens are still within their %v window: try again later", len(a.seen), a.skew)
	}
	a.seen[key] = expires
	return nil
}
