package spinejwt

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// MinRSABits is the smallest RSA modulus accepted for verification: RFC 7518
// section 3.3 requires 2048 bits or more for RS* and PS*.
const MinRSABits = 2048

// Key verifies JWT signatures. It holds the key material and the algorithms
// the key may verify, which follow from the kind of key and never from a
// token:
//
//   - an RSA public key: RS256, RS384, RS512, PS256, PS384, PS512;
//   - an EC public key: the ES algorithm of its curve (P-256 ES256, P-384
//     ES384, P-521 ES512);
//   - an HMAC secret: the HS algorithms whose hash is no longer than the
//     secret (RFC 7518 section 3.2), HS256 from 32 bytes.
//
// Public keys and HMAC secrets are made by different functions, so that the
// bytes of a public key, which anyone may hold, are never taken as a secret
// that anyone could then sign with.
type Key struct {
	desc string // what the key is, for messages
	key  any    // *rsa.PublicKey, *ecdsa.PublicKey or []byte
	algs []jose.SignatureAlgorithm
}

// String describes the key and its algorithms, e.g.
// "RSA 2048-bit public key (RS256, RS384, RS512, PS256, PS384, PS512)".
func (k *Key) String() string {
	if k == nil {
		return "no key"
	}
	return k.desc + " (" + strings.Join(k.Algorithms(), ", ") + ")"
}

// Algorithms lists the alg values the key verifies.
func (k *Key) Algorithms() []string {
	if k == nil {
		return nil
	}
	out := make([]string, len(k.algs))
	for i, a := range k.algs {
		out[i] = string(a)
	}
	return out
}

func (k *Key) allows(alg string) bool {
	for _, a := range k.algs {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// NewPublicKey returns the Key for an *rsa.PublicKey of at least
// [MinRSABits] or an *ecdsa.PublicKey on P-256, P-384 or P-521. Other keys
// fail with an error wrapping [ErrKey].
func NewPublicKey(pub crypto.PublicKey) (*Key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if p == nil || p.N == nil {
			return nil, fmt.Errorf("%w: the RSA public key is empty", ErrKey)
		}
		if bits := p.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("%w: the RSA public key has %d bits; at least %d are required (RFC 7518 3.3)", ErrKey, bits, MinRSABits)
		}
		return &Key{
			desc: fmt.Sprintf("RSA %d-bit public key", p.N.BitLen()),
			key:  p,
			algs: []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512},
		}, nil
	case *ecdsa.PublicKey:
		if p == nil || p.Curve == nil {
			return nil, fmt.Errorf("%w: the EC public key is empty", ErrKey)
		}
		var alg jose.SignatureAlgorithm
		switch p.Curve {
		case elliptic.P256():
			alg = jose.ES256
		case elliptic.P384():
			alg = jose.ES384
		case elliptic.P521():
			alg = jose.ES512
		default:
			return nil, fmt.Errorf("%w: the EC public key is on curve %s; JWT signatures use P-256, P-384 or P-521", ErrKey, p.Curve.Params().Name)
		}
		return &Key{desc: "EC " + p.Curve.Params().Name + " public key", key: p, algs: []jose.SignatureAlgorithm{alg}}, nil
	case ed25519.PublicKey:
		return nil, fmt.Errorf("%w: an Ed25519 public key cannot verify Spine JWTs; expected an RSA or EC key", ErrKey)
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return nil, fmt.Errorf("%w: a private key was given; give the public key", ErrKey)
	case nil:
		return nil, fmt.Errorf("%w: no public key", ErrKey)
	}
	return nil, fmt.Errorf("%w: a %T cannot verify Spine JWTs; expected an RSA or EC public key", ErrKey, pub)
}

// NewHMACSecret returns the Key for a shared HMAC secret. RFC 7518 section
// 3.2 requires a secret at least as long as the hash output, so a secret of
// fewer than 32 bytes fails with an error wrapping [ErrKey]; HS384 is
// allowed from 48 bytes and HS512 from 64. The secret is copied.
func NewHMACSecret(secret []byte) (*Key, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("%w: the HMAC secret has %d bytes; HS256 needs at least 32 (RFC 7518 3.2)", ErrKey, len(secret))
	}
	algs := []jose.SignatureAlgorithm{jose.HS256}
	if len(secret) >= 48 {
		algs = append(algs, jose.HS384)
	}
	if len(secret) >= 64 {
		algs = append(algs, jose.HS512)
	}
	return &Key{desc: fmt.Sprintf("HMAC secret of %d bytes", len(secret)), key: bytes.Clone(secret), algs: algs}, nil
}

// ParsePublicKey reads a verification key from the content of a key file:
//
//   - PEM: a "PUBLIC KEY" (PKIX), "RSA PUBLIC KEY" (PKCS #1) or
//     "CERTIFICATE" block, with any text before it; a file of several
//     certificates (a chain) uses the first one, any other second block is
//     refused;
//   - DER: the same three forms in binary;
//   - JWK (RFC 7517): a public RSA or EC key, or a key set holding exactly
//     one. A JWK "alg" narrows the algorithms to that one; a "use" other
//     than "sig" is refused.
//
// A certificate serves only as the holder of its public key: its validity
// dates and issuer are not checked. Private keys, symmetric JWKs and
// anything else fail with an error wrapping [ErrKey] that says what was
// found: such content is never taken as an HMAC secret (see
// [NewHMACSecret] for that).
func ParsePublicKey(data []byte) (*Key, error) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, fmt.Errorf("%w: the key is empty", ErrKey)
	case trimmed[0] == '{':
		return parseJWK(trimmed)
	case bytes.Contains(data, []byte("-----BEGIN ")):
		return parsePEM(data)
	}
	return parseDER(data)
}

func parsePEM(data []byte) (*Key, error) {
	blk, rest := pem.Decode(data)
	if blk == nil {
		return nil, fmt.Errorf("%w: the PEM text is malformed (no complete -----BEGIN/-----END block)", ErrKey)
	}
	for next, more := pem.Decode(rest); next != nil; next, more = pem.Decode(more) {
		if blk.Type != "CERTIFICATE" || next.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: the PEM text holds a %q block after the %q block; give one public key or certificate", ErrKey, next.Type, blk.Type)
		}
	}
	var pub any
	var err error
	switch blk.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(blk.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(blk.Bytes); err == nil {
			pub = cert.PublicKey
		}
	default:
		if strings.Contains(blk.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("%w: the PEM block is a %q; give the public key or the certificate, not the private key", ErrKey, blk.Type)
		}
		return nil, fmt.Errorf("%w: the PEM block is a %q; expected \"PUBLIC KEY\", \"RSA PUBLIC KEY\" or \"CERTIFICATE\"", ErrKey, blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the PEM %q block does not parse: %v", ErrKey, blk.Type, err)
	}
	return NewPublicKey(pub)
}

func parseDER(data []byte) (*Key, error) {
	if pub, err := x509.ParsePKIXPublicKey(data); err == nil {
		return NewPublicKey(pub)
	}
	if cert, err := x509.ParseCertificate(data); err == nil {
		return NewPublicKey(cert.PublicKey)
	}
	if pub, err := x509.ParsePKCS1PublicKey(data); err == nil {
		return NewPublicKey(pub)
	}
	if _, err := x509.ParsePKCS8PrivateKey(data); err == nil {
		return nil, fmt.Errorf("%w: the DER data is a private key; give the public key or the certificate", ErrKey)
	}
	return nil, fmt.Errorf("%w: not a public key or certificate in PEM, DER (PKIX, PKCS #1 or X.509) or JWK form", ErrKey)
}

func parseJWK(data []byte) (*Key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("%w: the key starts with '{' but is not a JWK or JWK set: %v", ErrKey, err)
	}
	if set.Keys != nil {
		if len(set.Keys) != 1 {
			return nil, fmt.Errorf("%w: the JWK set holds %d keys; give a set of one key, or the one JWK", ErrKey, len(set.Keys))
		}
		data = set.Keys[0]
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("%w: the JWK does not parse: %v", ErrKey, err)
	}
	if _, ok := jwk.Key.([]byte); ok {
		return nil, fmt.Errorf("%w: the JWK is a symmetric (kty \"oct\") key; an HMAC secret must be given as such, not as a public key", ErrKey)
	}
	if !jwk.IsPublic() {
		return nil, fmt.Errorf("%w: the JWK is a private key; give its public part", ErrKey)
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return nil, fmt.Errorf("%w: the JWK has \"use\": %q; a key that verifies signatures has \"sig\" or none", ErrKey, jwk.Use)
	}
	k, err := NewPublicKey(jwk.Key)
	if err != nil {
		return nil, err
	}
	k.desc = strings.Replace(k.desc, "public key", "public JWK", 1)
	if jwk.Algorithm != "" {
		if !k.allows(jwk.Algorithm) {
			return nil, fmt.Errorf("%w: the JWK names \"alg\": %q, which a %s cannot verify", ErrKey, jwk.Algorithm, k.desc)
		}
		k.algs = []jose.SignatureAlgorithm{jose.SignatureAlgorithm(jwk.Algorithm)}
	}
	return k, nil
}
