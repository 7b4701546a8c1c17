package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// signTestJWT returns testJWT's claims signed with alg: key is an
// *rsa.PrivateKey for RS256, an *ecdsa.PrivateKey (P-256) for ES256, a
// []byte secret for HS256. The standard library signs, not the library
// under test.
func signTestJWT(t *testing.T, alg string, key any, scope string) string {
	t.Helper()
	payload := strings.Split(testJWT(scope), ".")[1]
	in := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"`+alg+`","typ":"JWT"}`)) + "." + payload
	sum := sha256.Sum256([]byte(in))
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	case "ES256":
		var r, s *big.Int
		if r, s, err = ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), sum[:]); err == nil {
			sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		}
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write([]byte(in))
		sig = m.Sum(nil)
	default:
		t.Fatalf("signTestJWT: alg %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// keyFiles writes pub to dir in each form --jwt-key reads and returns the
// paths by form name.
func keyFiles(t *testing.T, dir, prefix string, pub crypto.PublicKey, priv crypto.Signer) map[string]string {
	t.Helper()
	pkixDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "subscriber"},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	jwk := map[string]string{}
	enc := base64.RawURLEncoding.EncodeToString
	switch p := pub.(type) {
	case *rsa.PublicKey:
		jwk = map[string]string{"kty": "RSA", "n": enc(p.N.Bytes()), "e": enc(big.NewInt(int64(p.E)).Bytes())}
	case *ecdsa.PublicKey:
		jwk = map[string]string{"kty": "EC", "crv": "P-256", "x": enc(p.X.FillBytes(make([]byte, 32))), "y": enc(p.Y.FillBytes(make([]byte, 32)))}
	}
	jwkJSON, _ := json.Marshal(jwk)
	forms := map[string][]byte{
		"PEM public key":  pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkixDER}),
		"DER public key":  pkixDER,
		"PEM certificate": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}),
		"DER certificate": cert,
		"JWK":             jwkJSON,
	}
	if r, ok := pub.(*rsa.PublicKey); ok {
		forms["PEM PKCS1"] = pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(r)})
		forms["DER PKCS1"] = x509.MarshalPKCS1PublicKey(r)
	}
	paths := map[string]string{}
	for name, b := range forms {
		p := filepath.Join(dir, prefix+" "+strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// TestRequestJWTKey is the regression test of the key confusion in
// --jwt-key: for every form of an RSA and an EC public key, the genuine
// token is accepted, and a token forged with HS256 using the key file's
// bytes as the secret, or an unsigned one, is refused.
func TestRequestJWTKey(t *testing.T) {
	publish := filepath.Join(requestTestdata, "publish.xml")
	if _, err := os.Stat(publish); err != nil {
		t.Skipf("testdata: %v", err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	scope := "patient/Bundle.write"
	base := []string{"request", "--interaction", "publish", "--defaults", "--now=2025-03-01T10:00:00Z"}
	check := func(t *testing.T, args []string, code int, want string) {
		t.Helper()
		c, out, errOut := runCLIStdin("", append(append(append([]string{}, base...), args...), publish)...)
		if c != code || !strings.Contains(out+errOut, want) {
			t.Errorf("%v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", args, c, code, want, out, errOut)
		}
	}
	for _, kt := range []struct {
		name, alg string
		priv      crypto.Signer
		pub       crypto.PublicKey
	}{{"RSA", "RS256", rsaKey, &rsaKey.PublicKey}, {"EC", "ES256", ecKey, &ecKey.PublicKey}} {
		for form, path := range keyFiles(t, dir, kt.name, kt.pub, kt.priv) {
			t.Run(kt.name+" "+form, func(t *testing.T) {
				check(t, []string{"--jwt-key", path, "--jwt", signTestJWT(t, kt.alg, kt.priv, scope)}, exitOK, "HTTP/1.1 202 Accepted")
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				for _, secret := range [][]byte{raw, bytes.TrimSuffix(raw, []byte("\n"))} {
					check(t, []string{"--jwt-key", path, "--jwt", signTestJWT(t, "HS256", secret, scope)}, exitInvalid, "verifies only "+kt.alg)
				}
				check(t, []string{"--jwt-key", path, "--jwt", testJWT(scope)}, exitInvalid, "jwt:signature")
				// RS256 from another key: a bad signature for the RSA
				// key, a foreign algorithm for the EC one.
				check(t, []string{"--jwt-key", path, "--jwt", signTestJWT(t, "RS256", otherRSA, scope)}, exitInvalid, "jwt:signature")
			})
		}
	}

	t.Run("HMAC only with --jwt-hmac-secret", func(t *testing.T) {
		secretFile := filepath.Join(dir, "secret")
		secret := []byte("a shared secret of thirty-two bytes or more")
		os.WriteFile(secretFile, append(secret, '\n'), 0o600)
		tok := signTestJWT(t, "HS256", secret, scope)
		check(t, []string{"--jwt-hmac-secret", secretFile, "--jwt", tok}, exitOK, "HTTP/1.1 202 Accepted")
		check(t, []string{"--jwt-hmac-secret", secretFile, "--jwt", signTestJWT(t, "HS256", []byte("another secret of thirty-two bytes or more"), scope)}, exitInvalid, "jwt:signature")
		check(t, []string{"--jwt-hmac-secret", secretFile, "--jwt", testJWT(scope)}, exitInvalid, "unsecured")
		check(t, []string{"--jwt-hmac-secret", secretFile, "--jwt", signTestJWT(t, "RS256", rsaKey, scope)}, exitInvalid, "verifies only HS256")
		check(t, []string{"--jwt-key", secretFile, "--jwt", tok}, exitUsage, "--jwt-hmac-secret")
		check(t, []string{"--jwt-key", secretFile, "--jwt-hmac-secret", secretFile, "--jwt", tok}, exitUsage, "not both")
		short := filepath.Join(dir, "short")
		os.WriteFile(short, []byte("short secret\n"), 0o600)
		check(t, []string{"--jwt-hmac-secret", short, "--jwt", tok}, exitUsage, "at least 32")
	})
	t.Run("unusable key files", func(t *testing.T) {
		priv := filepath.Join(dir, "private.pem")
		os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), 0o600)
		check(t, []string{"--jwt-key", priv, "--jwt", testJWT(scope)}, exitUsage, "not the private key")
		empty := filepath.Join(dir, "empty")
		os.WriteFile(empty, nil, 0o600)
		check(t, []string{"--jwt-key", empty, "--jwt", testJWT(scope)}, exitUsage, "empty")
		check(t, []string{"--jwt-key", filepath.Join(dir, "absent"), "--jwt", testJWT(scope)}, exitUsage, "absent")
	})
}

// TestRequestNbf: a token whose nbf lies after --now is refused, naming the
// claim and both times; one whose nbf has passed is accepted.
func TestRequestNbf(t *testing.T) {
	publish := filepath.Join(requestTestdata, "publish.xml")
	if _, err := os.Stat(publish); err != nil {
		t.Skipf("testdata: %v", err)
	}
	// testJWT is valid from iat 2025-03-01T09:59:00Z to exp 10:04:00Z.
	for _, tc := range []struct {
		nbf  int64
		code int
		want string
	}{
		{1740823140, exitOK, "202 Accepted"},
		{1740823200 + 60, exitInvalid, "not valid before 2025-03-01T10:01:00Z (nbf); the time now is 2025-03-01T10:00:00Z"},
	} {
		parts := strings.Split(testJWT("patient/Bundle.write"), ".")
		p, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil {
			t.Fatal(err)
		}
		m["nbf"] = tc.nbf
		p, _ = json.Marshal(m)
		tok := parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "."
		code, out, errOut := runCLIStdin("", "request", "--interaction", "publish", "--defaults", "--now=2025-03-01T10:00:00Z", "--jwt", tok, publish)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("nbf %d: exit %d, want %d with %q\nstdout: %s\nstderr: %s", tc.nbf, code, tc.code, tc.want, out, errOut)
		}
	}
}
