package request

import (
	"crypto"

	"github.com/nemsfhir/nemsfhir/internal/spinejwt"
)

// JWTKey verifies JWT signatures; the algorithms it accepts follow from its
// kind, never from the token: RS* and PS* for an RSA public key (2048 bits
// or more), the ES* of the curve for an EC public key (P-256, P-384,
// P-521), HS* for an HMAC secret (32 bytes or more).
type JWTKey = spinejwt.Key

// ParseJWTKey reads a public key or certificate for JWT verification from
// the content of a key file: PEM ("PUBLIC KEY", "RSA PUBLIC KEY",
// "CERTIFICATE"), the same forms in DER, or a JWK (or a JWK set of one key).
// Anything else, including private keys and symmetric JWKs, is an error: it
// is never taken as an HMAC secret.
func ParseJWTKey(data []byte) (*JWTKey, error) { return spinejwt.ParsePublicKey(data) }

// NewJWTKey returns the JWTKey of an *rsa.PublicKey or *ecdsa.PublicKey.
func NewJWTKey(pub crypto.PublicKey) (*JWTKey, error) { return spinejwt.NewPublicKey(pub) }

// NewJWTHMACSecret returns the JWTKey of a shared HMAC secret of at least
// 32 bytes. Use it only when the tokens are known to be signed with a
// shared secret.
func NewJWTHMACSecret(secret []byte) (*JWTKey, error) { return spinejwt.NewHMACSecret(secret) }
