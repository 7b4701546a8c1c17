package spinejwt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"hash"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// keySet holds the keys of the verification tests, made once per test
// binary since RSA key generation is slow.
type keySet struct {
	rsa, rsaOther  *rsa.PrivateKey
	ec256, ec384   *ecdsa.PrivateKey
	ec521          *ecdsa.PrivateKey
	secret         []byte // 64 bytes: verifies HS256, HS384 and HS512
	hmac           *Key
	rsaKey, ec256K *Key
}

var (
	keysOnce sync.Once
	keys     *keySet
	keysErr  error
)

func testKeys(t testing.TB) *keySet {
	keysOnce.Do(func() {
		k := &keySet{secret: []byte("a shared secret of sixty-four bytes for the HS256/384/512 tests.")}
		must := func(err error) {
			if err != nil && keysErr == nil {
				keysErr = err
			}
		}
		var err error
		k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.rsaOther, err = rsa.GenerateKey(rand.Reader, 2048)
		must(err)
		k.ec256, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		must(err)
		k.ec384, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		must(err)
		k.ec521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		must(err)
		k.hmac, err = NewHMACSecret(k.secret)
		must(err)
		if keysErr == nil {
			k.rsaKey, err = NewPublicKey(&k.rsa.PublicKey)
			must(err)
			k.ec256K, err = NewPublicKey(&k.ec256.PublicKey)
			must(err)
		}
		keys = k
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

func hmacKey(t testing.TB, secret []byte) *Key {
	t.Helper()
	k, err := NewHMACSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signJWT signs payload with the standard library alone, so that the tests
// do not check go-jose against itself. key is a []byte secret for HS*, an
// *rsa.PrivateKey for RS* and PS*, an *ecdsa.PrivateKey for ES*, and is
// ignored for "none".
func signJWT(t testing.TB, alg string, key any, payload string) string {
	t.Helper()
	in := b64(`{"alg":"`+alg+`","typ":"JWT"}`) + "." + b64(payload)
	if alg == "none" {
		return in + "."
	}
	var h crypto.Hash
	var newHash func() hash.Hash
	switch alg[2:] {
	case "256":
		h, newHash = crypto.SHA256, sha256.New
	case "384":
		h, newHash = crypto.SHA384, sha512.New384
	case "512":
		h, newHash = crypto.SHA512, sha512.New
	default:
		t.Fatalf("signJWT: alg %q", alg)
	}
	d := newHash()
	d.Write([]byte(in))
	sum := d.Sum(nil)
	var sig []byte
	var err error
	switch alg[:2] {
	case "HS":
		m := hmac.New(newHash, key.([]byte))
		m.Write([]byte(in))
		sig = m.Sum(nil)
	case "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), h, sum)
	case "PS":
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), h, sum, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		// JWS wants r and s as fixed-size big-endian integers (RFC 7518 3.4).
		priv := key.(*ecdsa.PrivateKey)
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, sum)
		if err == nil {
			size := (priv.Curve.Params().BitSize + 7) / 8
			sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		}
	default:
		t.Fatalf("signJWT: alg %q", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func decodeOK(t testing.TB, raw string) *Token {
	t.Helper()
	tok, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// keyForm is one way to write a public key into a key file.
type keyForm struct {
	name string
	data []byte
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func selfSigned(t testing.TB, pub crypto.PublicKey, priv crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "nems test subscriber"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// keyForms writes pub in every form ParsePublicKey reads.
func keyForms(t testing.TB, pub crypto.PublicKey, priv crypto.Signer) []keyForm {
	t.Helper()
	pkixDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	cert := selfSigned(t, pub, priv)
	jwk, err := jose.JSONWebKey{Key: pub}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	forms := []keyForm{
		{"PEM PUBLIC KEY", pemBlock("PUBLIC KEY", pkixDER)},
		{"DER PUBLIC KEY", pkixDER},
		{"PEM CERTIFICATE", pemBlock("CERTIFICATE", cert)},
		{"PEM CERTIFICATE chain with text before", append(append([]byte("subject=CN = nems test subscriber\n"), pemBlock("CERTIFICATE", cert)...), pemBlock("CERTIFICATE", cert)...)},
		{"DER CERTIFICATE", cert},
		{"JWK", append(jwk, '\n')},
		{"JWK set", []byte(`{"keys":[` + string(jwk) + `]}`)},
	}
	if r, ok := pub.(*rsa.PublicKey); ok {
		forms = append(forms,
			keyForm{"PEM RSA PUBLIC KEY", pemBlock("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(r))},
			keyForm{"DER RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(r)})
	}
	return forms
}

// TestVerifyKeyForms is the regression test of the key confusion: for every
// form of an RSA or EC public key, the genuine token verifies, while a token
// "signed" with HS256 using the key file's bytes as the secret (which anyone
// can do, the key being public), an unsecured token, and a token of another
// algorithm or key are refused.
func TestVerifyKeyForms(t *testing.T) {
	ks := testKeys(t)
	payload := spineExamplePayload
	for _, kt := range []struct {
		name    string
		priv    crypto.Signer
		pub     crypto.PublicKey
		genuine []string // algs whose genuine tokens must verify
		foreign []string // tokens of these algs, signed with another key kind, must be refused as ErrAlgorithm
		other   crypto.Signer
	}{
		{"RSA", ks.rsa, &ks.rsa.PublicKey, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, []string{"ES256", "HS256"}, ks.rsaOther},
		{"EC P-256", ks.ec256, &ks.ec256.PublicKey, []string{"ES256"}, []string{"ES384", "RS256", "HS256"}, nil},
		{"EC P-384", ks.ec384, &ks.ec384.PublicKey, []string{"ES384"}, []string{"ES256", "ES512", "PS256"}, nil},
		{"EC P-521", ks.ec521, &ks.ec521.PublicKey, []string{"ES512"}, []string{"ES384", "RS512"}, nil},
	} {
		for _, form := range keyForms(t, kt.pub, kt.priv) {
			t.Run(kt.name+"/"+form.name, func(t *testing.T) {
				key, err := ParsePublicKey(form.data)
				if err != nil {
					t.Fatalf("ParsePublicKey: %v", err)
				}
				for _, alg := range kt.genuine {
					if err := decodeOK(t, signJWT(t, alg, kt.priv, payload)).Verify(key); err != nil {
						t.Errorf("genuine %s token: %v", alg, err)
					}
				}
				// The forgery: HMAC over the public bytes, as they are
				// in the file and trimmed.
				for _, secret := range [][]byte{form.data, bytes.TrimSpace(form.data)} {
					for _, alg := range []string{"HS256", "HS384", "HS512"} {
						err := decodeOK(t, signJWT(t, alg, secret, payload)).Verify(key)
						if !errors.Is(err, ErrAlgorithm) || !strings.Contains(err.Error(), `alg "`+alg+`"`) {
							t.Errorf("%s token forged with the key file as secret: %v, want ErrAlgorithm naming %s", alg, err, alg)
						}
					}
				}
				if err := decodeOK(t, signJWT(t, "none", nil, payload)).Verify(key); !errors.Is(err, ErrAlgorithm) || !strings.Contains(err.Error(), "unsecured") {
					t.Errorf("unsecured token with a key: %v, want ErrAlgorithm", err)
				}
				for _, alg := range kt.foreign {
					var signer any
					switch alg[:2] {
					case "HS":
						signer = ks.secret
					case "RS", "PS":
						signer = ks.rsa
					case "ES":
						signer = map[string]*ecdsa.PrivateKey{"ES256": ks.ec256, "ES384": ks.ec384, "ES512": ks.ec521}[alg]
					}
					if err := decodeOK(t, signJWT(t, alg, signer, payload)).Verify(key); !errors.Is(err, ErrAlgorithm) {
						t.Errorf("%s token for a %s key: %v, want ErrAlgorithm", alg, kt.name, err)
					}
				}
				if kt.other != nil {
					if err := decodeOK(t, signJWT(t, kt.genuine[0], kt.other, payload)).Verify(key); !errors.Is(err, ErrSignature) {
						t.Errorf("token of another %s key: %v, want ErrSignature", kt.name, err)
					}
				}
			})
		}
	}
}

// TestVerifyTampered: a genuine signature over other claims is refused.
func TestVerifyTampered(t *testing.T) {
	ks := testKeys(t)
	for _, tc := range []struct {
		alg  string
		priv any
		key  *Key
	}{{"RS256", ks.rsa, ks.rsaKey}, {"ES256", ks.ec256, ks.ec256K}, {"HS256", ks.secret, ks.hmac}} {
		parts := strings.Split(signJWT(t, tc.alg, tc.priv, spineExamplePayload), ".")
		forged := decodeOK(t, parts[0]+"."+b64(strings.Replace(spineExamplePayload, "RR8", "RY6", 1))+"."+parts[2])
		if err := forged.Verify(tc.key); !errors.Is(err, ErrSignature) {
			t.Errorf("%s with changed claims: %v, want ErrSignature", tc.alg, err)
		}
		// Same signature, header claiming another alg the key allows.
		if tc.alg == "RS256" {
			relabelled := decodeOK(t, b64(`{"alg":"PS256","typ":"JWT"}`)+"."+parts[1]+"."+parts[2])
			if err := relabelled.Verify(tc.key); !errors.Is(err, ErrSignature) {
				t.Errorf("RS256 signature relabelled PS256: %v, want ErrSignature", err)
			}
		}
	}
}

// TestVerifyHMAC: a shared secret is used only when made with
// NewHMACSecret, only for HS algorithms its length allows.
func TestVerifyHMAC(t *testing.T) {
	ks := testKeys(t)
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		if err := decodeOK(t, signJWT(t, alg, ks.secret, spineExamplePayload)).Verify(ks.hmac); err != nil {
			t.Errorf("genuine %s: %v", alg, err)
		}
	}
	if err := decodeOK(t, signJWT(t, "HS256", []byte("another secret that is long enough!!"), spineExamplePayload)).Verify(ks.hmac); !errors.Is(err, ErrSignature) {
		t.Errorf("HS256 with another secret: %v, want ErrSignature", err)
	}
	short := hmacKey(t, ks.secret[:40])
	if err := decodeOK(t, signJWT(t, "HS512", ks.secret[:40], spineExamplePayload)).Verify(short); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("HS512 with a 40-byte secret: %v, want ErrAlgorithm", err)
	}
	if got := strings.Join(short.Algorithms(), " "); got != "HS256" {
		t.Errorf("40-byte secret verifies %s, want HS256 only", got)
	}
	if err := decodeOK(t, signJWT(t, "RS256", ks.rsa, spineExamplePayload)).Verify(ks.hmac); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RS256 token for an HMAC key: %v, want ErrAlgorithm", err)
	}
	if _, err := NewHMACSecret([]byte("thirty-one bytes of a secret!!!")); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "31 bytes") {
		t.Errorf("31-byte secret: %v, want ErrKey", err)
	}
	if err := decodeOK(t, signJWT(t, "HS256", ks.secret, "{}")).Verify(nil); !errors.Is(err, ErrKey) {
		t.Errorf("nil key: %v, want ErrKey", err)
	}
}

// TestParsePublicKeyJWKAlg: a JWK's alg narrows the key to that algorithm.
func TestParsePublicKeyJWKAlg(t *testing.T) {
	ks := testKeys(t)
	jwk, err := jose.JSONWebKey{Key: &ks.rsa.PublicKey, Algorithm: "PS256", Use: "sig"}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParsePublicKey(jwk)
	if err != nil {
		t.Fatal(err)
	}
	if err := decodeOK(t, signJWT(t, "PS256", ks.rsa, "{}")).Verify(key); err != nil {
		t.Errorf("PS256 for a PS256 JWK: %v", err)
	}
	if err := decodeOK(t, signJWT(t, "RS256", ks.rsa, "{}")).Verify(key); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("RS256 for a PS256 JWK: %v, want ErrAlgorithm", err)
	}
}

// TestParsePublicKeyRefused: content that is not a usable public key is an
// error that says what it is, never a secret.
func TestParsePublicKeyRefused(t *testing.T) {
	ks := testKeys(t)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := func(pub any) []byte {
		b, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ks.rsa)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, err := x509.MarshalECPrivateKey(ks.ec256)
	if err != nil {
		t.Fatal(err)
	}
	jwk := func(k any, extra map[string]any) []byte {
		b, err := jose.JSONWebKey{Key: k}.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if extra == nil {
			return b
		}
		m := map[string]any{}
		json.Unmarshal(b, &m)
		for k, v := range extra {
			m[k] = v
		}
		b, _ = json.Marshal(m)
		return b
	}
	rsaPEM := pemBlock("PUBLIC KEY", der(&ks.rsa.PublicKey))
	for _, tc := range []struct {
		name, data, msg string
	}{
		{"empty", "", "empty"},
		{"blank", " \n", "empty"},
		{"a secret", "just a shared secret that is long enough\n", "not a public key or certificate"},
		{"PKCS #8 private key PEM", string(pemBlock("PRIVATE KEY", pkcs8)), "not the private key"},
		{"RSA private key PEM", string(pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(ks.rsa))), "not the private key"},
		{"EC private key PEM", string(pemBlock("EC PRIVATE KEY", ecPriv)), "not the private key"},
		{"PKCS #8 private key DER", string(pkcs8), "private key"},
		{"two public keys", string(rsaPEM) + string(pemBlock("PUBLIC KEY", der(&ks.ec256.PublicKey))), `"PUBLIC KEY" block after`},
		{"cut-off PEM", string(rsaPEM[:len(rsaPEM)-20]), "malformed"},
		{"PEM of garbage", string(pemBlock("PUBLIC KEY", []byte("garbage"))), "does not parse"},
		{"other PEM block", string(pemBlock("X509 CRL", []byte("x"))), `"X509 CRL"`},
		{"RSA 1024", string(pemBlock("PUBLIC KEY", der(&rsa1024.PublicKey))), "1024 bits"},
		{"EC P-224", string(der(&ec224.PublicKey)), "P-224"},
		{"Ed25519", string(pemBlock("PUBLIC KEY", der(edPub))), "Ed25519"},
		{"JWK oct", string(jwk(ks.secret, nil)), "symmetric"},
		{"JWK private", string(jwk(ks.ec256, nil)), "private"},
		{"JWK set of two", `{"keys":[` + string(jwk(&ks.rsa.PublicKey, nil)) + "," + string(jwk(&ks.ec256.PublicKey, nil)) + `]}`, "2 keys"},
		{"JWK for encryption", string(jwk(&ks.rsa.PublicKey, map[string]any{"use": "enc"})), `"use": "enc"`},
		{"JWK alg of another kind", string(jwk(&ks.rsa.PublicKey, map[string]any{"alg": "HS256"})), `"alg": "HS256"`},
		{"JWK unknown kty", `{"kty":"XYZ","n":"AQAB"}`, "does not parse"},
		{"not JSON", `{"kty":`, "not a JWK"},
	} {
		key, err := ParsePublicKey([]byte(tc.data))
		if !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: key %v, error %v; want ErrKey containing %q", tc.name, key, err, tc.msg)
		}
	}
	for _, pub := range []crypto.PublicKey{nil, ks.rsa, ks.ec256, (*rsa.PublicKey)(nil), "secret"} {
		if _, err := NewPublicKey(pub); !errors.Is(err, ErrKey) {
			t.Errorf("NewPublicKey(%T): %v, want ErrKey", pub, err)
		}
	}
}

// FuzzVerify feeds arbitrary tokens to the verifier with each kind of key:
// no panic, every error wraps one of the package's errors, and a token that
// verifies carries an alg of the key, never "none" and, for a public key,
// never an HS algorithm. The seeds are short, since the fuzzer minimises
// every new input with many runs, each with an RSA or EC check.
func FuzzVerify(f *testing.F) {
	ks := testKeys(f)
	const payload = `{"sub":"x"}`
	for _, s := range []struct {
		alg string
		key any
	}{{"RS256", ks.rsa}, {"PS256", ks.rsa}, {"ES256", ks.ec256}, {"HS256", ks.secret}, {"HS512", ks.secret}, {"none", nil}} {
		f.Add(signJWT(f, s.alg, s.key, payload))
	}
	pub, _ := x509.MarshalPKIXPublicKey(&ks.rsa.PublicKey)
	f.Add(signJWT(f, "HS256", pemBlock("PUBLIC KEY", pub), payload))
	f.Add(b64(`{"alg":"ES256"}`) + "." + b64("{}") + "." + b64("short"))
	f.Add(b64(`{"alg":"RS256","b64":false}`) + "." + b64("{}") + "." + b64("sig"))
	keys := []*Key{ks.rsaKey, ks.ec256K, ks.hmac}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Decode(raw)
		if err != nil {
			return
		}
		for _, key := range keys {
			err := tok.Verify(key)
			if err != nil {
				if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrAlgorithm) && !errors.Is(err, ErrKey) {
					t.Fatalf("Verify(%q) with %v: unclassified error %v", raw, key, err)
				}
				continue
			}
			if tok.Unsigned() || !key.allows(tok.Header.Alg) || (key != ks.hmac && strings.HasPrefix(tok.Header.Alg, "HS")) {
				t.Fatalf("Verify(%q) with %v accepted alg %q", raw, key, tok.Header.Alg)
			}
		}
	})
}

// FuzzParsePublicKey feeds arbitrary key files to ParsePublicKey: no
// panic, errors wrap ErrKey, and a key it returns is never an HMAC secret.
func FuzzParsePublicKey(f *testing.F) {
	ks := testKeys(f)
	for _, form := range keyForms(f, &ks.rsa.PublicKey, ks.rsa) {
		f.Add(form.data)
	}
	for _, form := range keyForms(f, &ks.ec256.PublicKey, ks.ec256) {
		f.Add(form.data)
	}
	f.Add([]byte(`{"kty":"oct","k":"c2VjcmV0"}`))
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParsePublicKey(data)
		if err != nil {
			if !errors.Is(err, ErrKey) {
				t.Fatalf("ParsePublicKey: unclassified error %v", err)
			}
			return
		}
		algs := key.Algorithms()
		if len(algs) == 0 {
			t.Fatalf("key %v verifies no algorithm", key)
		}
		for _, a := range algs {
			if strings.HasPrefix(a, "HS") || a == "none" {
				t.Fatalf("public key %v allows %s", key, a)
			}
		}
	})
}
