package mesh

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAuthorization: any Authorization header is refused with 400 or 403,
// or accepted only when it is a token correctly signed for the mailbox.
func FuzzAuthorization(f *testing.F) {
	f.Add(receiver, makeToken(DefaultSharedKey, receiver, DefaultPassword, "n", 1, testNow))
	f.Add(receiver, makeToken(DefaultSharedKey, receiver, "x", "n", 1, testNow))
	f.Add(other, makeToken(DefaultSharedKey, receiver, DefaultPassword, "n", 1, testNow))
	f.Add(receiver, "NHSMESH "+receiver+":n:1:202612070102:"+strings.Repeat("0", 64))
	f.Add(receiver, "NHSMESH ::::")
	f.Add("", "nhsmesh a:b:c:d:e")
	f.Fuzz(func(t *testing.T, mailbox, header string) {
		a := newTestAuth(t, AuthOptions{})
		err := a.Check(context.Background(), mailbox, header)
		if err == nil {
			tok, perr := parseToken(header)
			if perr != nil {
				t.Fatalf("accepted an unreadable header %q: %v", header, perr)
			}
			if tok.mailbox != mailbox || len(tok.count) > 18 {
				t.Fatalf("accepted %q for mailbox %q", header, mailbox)
			}
			// The only way in is the signature of the password.
			m := hmac.New(sha256.New, []byte(DefaultSharedKey))
			m.Write([]byte(tok.mailbox + ":" + tok.nonce + ":" + tok.count + ":" + DefaultPassword + ":" + tok.timestamp))
			if !strings.EqualFold(tok.hash, hex.EncodeToString(m.Sum(nil))) {
				t.Fatalf("accepted %q with a wrong hash", header)
			}
			return
		}
		var ae *AuthError
		if !errors.As(err, &ae) || (ae.Status != http.StatusBadRequest && ae.Status != http.StatusForbidden) || ae.Reason == "" {
			t.Fatalf("header %q for %q: %v", header, mailbox, err)
		}
	})
}

// FuzzInboxQuery: any inbox query is answered 200 with at most max_results
// ids of the mailbox, or 400 with a reason; never a server error.
func FuzzInboxQuery(f *testing.F) {
	f.Add("10", "", "CHANGEOFGP_1")
	f.Add("", "20261207003100000002_A2", "!*GP*")
	f.Add("5000", "x", "DEATH*")
	f.Add("9", "", "*")
	f.Add("", "", "!**")
	store := NewMemoryStore()
	mine := map[string]bool{}
	for _, m := range testMessages() {
		if err := store.Deliver(m); err != nil {
			f.Fatal(err)
		}
		if m.To == receiver {
			mine[m.ID] = true
		}
	}
	f.Fuzz(func(t *testing.T, maxResults, continueFrom, filter string) {
		h := NewHandler(store, newTestAuth(t, AuthOptions{}))
		v := url.Values{}
		if maxResults != "" {
			v.Set("max_results", maxResults)
		}
		if continueFrom != "" {
			v.Set("continue_from", continueFrom)
		}
		if filter != "" {
			v.Set("workflow_filter", filter)
		}
		req := httptest.NewRequest(http.MethodGet, "/messageexchange/"+receiver+"/inbox?"+v.Encode(), nil)
		req.Header.Set("Authorization", makeToken(DefaultSharedKey, receiver, DefaultPassword, "n", 0, testNow))
		req.Header.Set("Accept", mediaV2)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var l struct {
				Messages []string
				Links    map[string]string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			for _, id := range l.Messages {
				if !mine[id] {
					t.Fatalf("listed %q, not a message of %s", id, receiver)
				}
			}
			if len(l.Messages) > defaultMaxResults || l.Links["self"] == "" {
				t.Fatalf("answer %s", rec.Body)
			}
		case http.StatusBadRequest:
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["errorDescription"] == "" {
				t.Fatalf("400 without a reason: %s", rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}
