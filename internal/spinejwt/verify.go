package spinejwt

import (
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Errors of [Token.Verify] and of the key constructors; the returned error
// wraps one of them.
var (
	// ErrSignature means the signature does not match the key.
	ErrSignature = errors.New("JWT signature does not verify")
	// ErrKey means the key cannot be used: it does not parse, is of an
	// unsupported kind, is too short or is missing.
	ErrKey = errors.New("JWT key cannot be used")
	// ErrAlgorithm means the token's alg is not one the key verifies,
	// including an unsecured token (alg "none") when a key was given.
	ErrAlgorithm = errors.New("JWT algorithm does not match the key")
)

// Verify checks the token's signature with key and returns nil when it
// matches. The algorithms accepted are those of the key (see [Key]); the
// token's alg header only has to be one of them and never chooses how the
// key is used, so a token "signed" with HS256 over the bytes of a public key
// is refused. An unsecured token (alg "none") fails with [ErrAlgorithm]: a
// caller who gives a key expects a signed token. [Decode] never verifies.
// The signature itself is checked by go-jose.
func (t *Token) Verify(key *Key) error {
	if key == nil || key.key == nil || len(key.algs) == 0 {
		return fmt.Errorf("%w: no key to verify with", ErrKey)
	}
	alg := t.Header.Alg
	if alg == "none" {
		return fmt.Errorf(`%w: the token is unsecured (alg "none", no signature) but a key was given, so it must be signed with %s`,
			ErrAlgorithm, strings.Join(key.Algorithms(), ", "))
	}
	if !key.allows(alg) {
		return fmt.Errorf("%w: the token's header says alg %s; the %s verifies only %s",
			ErrAlgorithm, quote(alg), key.desc, strings.Join(key.Algorithms(), ", "))
	}
	jws, err := jose.ParseSignedCompact(t.Raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return fmt.Errorf("%w: the %s token cannot be read for verification: %v", ErrSignature, alg, err)
	}
	if _, err := jws.Verify(key.key); err != nil {
		return fmt.Errorf("%w: the %s signature does not match the %s (%v)", ErrSignature, alg, key.desc, err)
	}
	return nil
}
