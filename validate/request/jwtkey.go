package request

import (
	"crypto"

	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
)

// JWTKey verifies JWT signatures; the algorithms it accepts follow from its
// kind, never from the token: RS* and PS* for an RSA public key (2048 bits
// or more), the ES* of the curve for an EC public key (P-256, P-384,
// P-521), HS* for an HMAC secret (32 bytes or more).
type JWTKey struct{ k *spinejwt.Key }

func jwtKey(k *spinejwt.Key, err error) (*JWTKey, error) {
	if err != nil {
		return nil, err
	}
	return &JWTKey{k}, nil
}

// String describes the key and its algorithms, e.g.
// "RSA 2048-bit public key (RS256, RS384, RS512, PS256, PS384, PS512)".
func (k *JWTKey) String() string { return k.key().String() }

// Algorithms lists the alg values the key verifies.
func (k *JWTKey) Algorithms() []string { return k.key().Algorithms() }

// key returns the key for package spinejwt, nil for none.
func (k *JWTKey) key() *spinejwt.Key {
	if k == nil {
		return nil
	}
	return k.k
}

// ParseJWTKey reads a public key or certificate for JWT verification from
// the content of a key file: PEM ("PUBLIC KEY", "RSA PUBLIC KEY",
// "CERTIFICATE"), the same forms in DER, or a JWK (or a JWK set of one key).
// Anything else, including private keys and symmetric JWKs, is an error: it
// is never taken as an HMAC secret.
func ParseJWTKey(data []byte) (*JWTKey, error) { return jwtKey(spinejwt.ParsePublicKey(data)) }

// NewJWTKey returns the JWTKey of an *rsa.PublicKey or *ecdsa.PublicKey.
func NewJWTKey(pub crypto.PublicKey) (*JWTKey, error) { return jwtKey(spinejwt.NewPublicKey(pub)) }

// NewJWTHMACSecret returns the JWTKey of a shared HMAC secret of at least
// 32 bytes. Use it only when the tokens are known to be signed with a
// shared secret.
func NewJWTHMACSecret(secret []byte) (*JWTKey, error) { return jwtKey(spinejwt.NewHMACSecret(secret)) }
