package spinejwt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxTokenSize bounds the length of a token [Decode] accepts. Spine JWTs are
// a few hundred bytes; the bound keeps a hostile header from costing memory.
const MaxTokenSize = 16 << 10

// Header is the decoded JOSE header of a token.
type Header struct {
	Alg string // signing algorithm: "none", "HS256", "RS256", ...
	Typ string // media type, "JWT" in Spine examples; empty when absent
	Kid string // key id; empty when absent
	// Raw holds every header parameter as sent.
	Raw map[string]json.RawMessage
}

// Token is a decoded compact JWT. Decoding does not verify the signature;
// call [Token.Verify] with a key for that.
type Token struct {
	Raw       string // the compact token as given
	Header    Header
	Claims    *Claims
	Signature []byte // decoded third part; empty for an unsecured token
	// SigningInput is the part the signature covers: "<header>.<payload>".
	SigningInput string
}

// Unsigned reports whether the token is an unsecured JWT (alg "none"), the
// form Spine clients build when no national authorisation server is used.
func (t *Token) Unsigned() bool { return t.Header.Alg == "none" }

// DecodeError reports a token that is not a well-formed compact JWT. Part
// says where the problem is: "token", "header", "payload" or "signature".
type DecodeError struct {
	Part string
	Msg  string
	Err  error // underlying base64 or JSON error, if any
}

func (e *DecodeError) Error() string {
	if e.Part == "token" {
		return "malformed JWT: " + e.Msg
	}
	return fmt.Sprintf("malformed JWT %s: %s", e.Part, e.Msg)
}

func (e *DecodeError) Unwrap() error { return e.Err }

func decodeErr(part string, err error, format string, args ...any) *DecodeError {
	return &DecodeError{Part: part, Msg: fmt.Sprintf(format, args...), Err: err}
}

// ErrNoAuthorization is returned by [FromAuthorization] for an empty header.
var ErrNoAuthorization = errors.New("the Authorization header is missing or empty")

// FromAuthorization returns the token of an Authorization header value of
// the form "Bearer <jwt>" (RFC 6750). The scheme name is matched without
// regard to case, as HTTP requires.
func FromAuthorization(value string) (string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", ErrNoAuthorization
	}
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", decodeErr("token", nil, "the Authorization header must be %q; found %s", "Bearer <jwt>", quote(v))
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", decodeErr("token", nil, "the Authorization header has the Bearer scheme but no token")
	}
	return token, nil
}

// Decode splits a compact JWT into header, claims and signature and decodes
// them, without verifying the signature. It fails with a [*DecodeError] when
// the token does not have three dot-separated parts (an unsecured token ends
// with a "." that must not be left out), a part is not unpadded base64url,
// the header or payload is not a JSON object, a header parameter or a known
// claim has the wrong JSON type or a claim name repeats, alg is "none" with a
// signature or another alg without one, or the header lists critical
// extensions ("crit"), none of which this package understands.
func Decode(raw string) (*Token, error) {
	if raw == "" {
		return nil, decodeErr("token", nil, "empty token")
	}
	if len(raw) > MaxTokenSize {
		return nil, decodeErr("token", nil, "token is %d bytes; at most %d accepted", len(raw), MaxTokenSize)
	}
	if strings.HasPrefix(strings.ToLower(raw), "bearer ") {
		return nil, decodeErr("token", nil, "starts with the Bearer scheme; pass only the token (see FromAuthorization)")
	}
	if i := strings.IndexAny(raw, " \t\r\n"); i >= 0 {
		return nil, decodeErr("token", nil, "contains white space at byte %d; a compact JWT has none", i)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		msg := fmt.Sprintf("has %d dot-separated parts; expected 3 (header.payload.signature)", len(parts))
		if len(parts) == 2 {
			msg += `; an unsecured token still ends with "." before its empty signature`
		}
		if len(parts) == 5 {
			msg += "; this looks like an encrypted JWE, which Spine does not use"
		}
		return nil, decodeErr("token", nil, "%s", msg)
	}
	headerJSON, err := decodeSegment("header", parts[0])
	if err != nil {
		return nil, err
	}
	payloadJSON, err := decodeSegment("payload", parts[1])
	if err != nil {
		return nil, err
	}
	var sig []byte
	if parts[2] != "" {
		if sig, err = decodeSegment("signature", parts[2]); err != nil {
			return nil, err
		}
	}
	h, err := parseHeader(headerJSON)
	if err != nil {
		return nil, err
	}
	switch {
	case h.Alg == "none" && len(sig) > 0:
		return nil, decodeErr("signature", nil, `alg is "none" but the signature part is not empty; an unsecured JWT has an empty signature`)
	case h.Alg != "none" && len(sig) == 0:
		return nil, decodeErr("signature", nil, "alg is %q but the signature part is empty", h.Alg)
	}
	claims, err := ParseClaims(payloadJSON)
	if err != nil {
		return nil, err
	}
	return &Token{
		Raw:          raw,
		Header:       h,
		Claims:       claims,
		Signature:    sig,
		SigningInput: parts[0] + "." + parts[1],
	}, nil
}

// decodeSegment decodes one part as unpadded base64url (RFC 7515 section 2)
// and explains the usual mistakes.
func decodeSegment(part, s string) ([]byte, error) {
	if s == "" {
		return nil, decodeErr(part, nil, "is empty")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err == nil {
		return b, nil
	}
	switch {
	case strings.Contains(s, "="):
		return nil, decodeErr(part, err, "has base64 padding '='; JWT parts are base64url without padding")
	case strings.ContainsAny(s, "+/"):
		return nil, decodeErr(part, err, "uses the standard base64 alphabet ('+' or '/'); JWT parts use base64url ('-' and '_')")
	}
	return nil, decodeErr(part, err, "is not valid base64url: %v", err)
}

func parseHeader(b []byte) (Header, error) {
	raw, err := parseObject("header", b)
	if err != nil {
		return Header{}, err
	}
	h := Header{Raw: raw}
	var problems []string
	strParam := func(name string, dst *string, required bool) {
		v, ok := raw[name]
		if !ok {
			if required {
				problems = append(problems, fmt.Sprintf("parameter %q is missing", name))
			}
			return
		}
		if !unmarshalString(v, dst) {
			problems = append(problems, fmt.Sprintf("parameter %q must be a string; found %s", name, jsonKind(v)))
		}
	}
	strParam("alg", &h.Alg, true)
	strParam("typ", &h.Typ, false)
	strParam("kid", &h.Kid, false)
	if h.Alg == "" && raw["alg"] != nil && len(problems) == 0 {
		problems = append(problems, `parameter "alg" is empty`)
	}
	if _, ok := raw["crit"]; ok {
		problems = append(problems, `parameter "crit" names critical extensions, which are not supported`)
	}
	if len(problems) > 0 {
		return Header{}, decodeErr("header", nil, "%s", strings.Join(problems, "; "))
	}
	return h, nil
}

// parseObject decodes a JSON object into its members, keeping each value raw,
// and rejects a repeated member name: with duplicates, two readers of the
// same token could see different claims.
func parseObject(part string, b []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, decodeErr(part, err, "is not valid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, decodeErr(part, nil, "must be a JSON object; found %s", jsonKind(b))
	}
	m := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, decodeErr(part, err, "is not valid JSON: %v", err)
		}
		name := tok.(string) // object keys are always strings
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, decodeErr(part, err, "member %q is not valid JSON: %v", name, err)
		}
		if _, dup := m[name]; dup {
			return nil, decodeErr(part, nil, "member %q appears more than once", name)
		}
		m[name] = v
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return nil, decodeErr(part, err, "is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, decodeErr(part, nil, "has data after the JSON object")
	}
	return m, nil
}

// jsonKind names the JSON type of a raw value for messages.
func jsonKind(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "a string " + bounded(string(v))
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean " + string(v)
	case 'n':
		return "null"
	}
	return "a number " + bounded(string(v))
}

// bounded shortens raw JSON text for a message; it is already escaped.
func bounded(s string) string {
	if len(s) > maxQuoted {
		return fmt.Sprintf("%s... (%d bytes)", s[:maxQuoted], len(s))
	}
	return s
}

const maxQuoted = 80

// quote renders a value for a message, bounded and with invisible
// characters made visible.
func quote(s string) string {
	if len(s) > maxQuoted {
		return fmt.Sprintf("%q... (%d bytes)", s[:maxQuoted], len(s))
	}
	return fmt.Sprintf("%q", s)
}
