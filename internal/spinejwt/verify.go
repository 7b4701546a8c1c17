package spinejwt

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Errors of [Token.Verify]; the returned error wraps one of them.
var (
	// ErrSignature means the signature does not match the key.
	ErrSignature = errors.New("JWT signature does not verify")
	// ErrKey means the key cannot be used for the token's algorithm.
	ErrKey = errors.New("key does not suit the JWT algorithm")
	// ErrUnsupportedAlg means the token uses an algorithm other than
	// HS256 and RS256, or none while a key was supplied.
	ErrUnsupportedAlg = errors.New("JWT algorithm not supported for verification")
)

// Verify checks the token's signature with key and returns nil when it
// matches. Only two algorithms are supported, each with its own key type, so
// that a key meant for one can never be used for the other:
//
//   - HS256: key is the shared secret as []byte (not empty);
//   - RS256: key is an *rsa.PublicKey.
//
// An unsecured token (alg "none") fails with [ErrUnsupportedAlg]: a caller
// who supplies a key expects a signed token. [Decode] never verifies; a
// token is only verified when the caller has a key and calls Verify.
func (t *Token) Verify(key any) error {
	switch t.Header.Alg {
	case "HS256":
		secret, ok := key.([]byte)
		if !ok {
			return fmt.Errorf("%w: HS256 needs a []byte secret, got %T", ErrKey, key)
		}
		if len(secret) == 0 {
			return fmt.Errorf("%w: HS256 secret is empty", ErrKey)
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(t.SigningInput))
		if !hmac.Equal(mac.Sum(nil), t.Signature) {
			return fmt.Errorf("%w: HS256 MAC differs", ErrSignature)
		}
		return nil
	case "RS256":
		pub, ok := key.(*rsa.PublicKey)
		if !ok || pub == nil {
			return fmt.Errorf("%w: RS256 needs an *rsa.PublicKey, got %T", ErrKey, key)
		}
		sum := sha256.Sum256([]byte(t.SigningInput))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], t.Signature); err != nil {
			return fmt.Errorf("%w: RS256: %v", ErrSignature, err)
		}
		return nil
	case "none":
		return fmt.Errorf("%w: the token is unsecured (alg \"none\") but a key was supplied", ErrUnsupportedAlg)
	}
	return fmt.Errorf("%w: alg %q (only HS256 and RS256)", ErrUnsupportedAlg, t.Header.Alg)
}
