package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithms a Key can have. They are the exact JOSE "alg" names.
const (
	HS256 = "HS256" // HMAC-SHA256 with a shared secret (what NL3 hands out)
	ES256 = "ES256" // ECDSA P-256 with SHA-256
	EdDSA = "EdDSA" // Ed25519
)

// Key is one signing key of an application.
//
// For verification, HS256 keys need Secret and ES256/EdDSA keys need Public
// (*ecdsa.PublicKey on P-256, or ed25519.PublicKey). For minting, HS256 keys
// need Secret and the others need PrivateKey (*ecdsa.PrivateKey or
// ed25519.PrivateKey).
//
// Key's String and GoString methods leave the key material out, so a Key can
// be logged.
type Key struct {
	// KID identifies the key among the application's keys; tokens may name
	// it in their "kid" header.
	KID string
	// Algorithm is HS256, ES256 or EdDSA; a token's alg must equal it.
	Algorithm string
	// Secret is the raw (base64-decoded) HS256 secret.
	Secret []byte
	// Public is the verification key for ES256 and EdDSA.
	Public crypto.PublicKey
	// PrivateKey is the signing key for ES256 and EdDSA, used only by Mint.
	PrivateKey crypto.Signer
}

// String describes the key without its material.
func (k Key) String() string {
	return fmt.Sprintf("token.Key{KID:%q, Algorithm:%q}", k.KID, k.Algorithm)
}

// GoString describes the key without its material, for %#v.
func (k Key) GoString() string { return k.String() }

// method returns the signing method for an algorithm name this package
// accepts, or nil.
func method(alg string) jwt.SigningMethod {
	switch alg {
	case HS256:
		return jwt.SigningMethodHS256
	case ES256:
		return jwt.SigningMethodES256
	case EdDSA:
		return jwt.SigningMethodEdDSA
	}
	return nil
}

// verificationKey returns the signing method and the key material the
// method verifies with (see keyFor).
func (k Key) verificationKey() (jwt.SigningMethod, any, error) { return k.keyFor(false) }

// signingKey is verificationKey's counterpart for Mint.
func (k Key) signingKey() (jwt.SigningMethod, any, error) { return k.keyFor(true) }

// keyFor returns the signing method of k's algorithm and the key material
// it mints with (mint) or verifies with, after checking that the material
// suits the algorithm. An HS256 key with an empty secret is refused: HMAC
// would accept a signature anyone can compute.
func (k Key) keyFor(mint bool) (jwt.SigningMethod, any, error) {
	m := method(k.Algorithm)
	switch {
	case m == nil:
		return nil, nil, k.bad("unsupported algorithm %q", k.Algorithm)
	case k.Algorithm == HS256 && len(k.Secret) == 0:
		return nil, nil, k.bad("empty HS256 secret")
	case k.Algorithm == HS256:
		return m, k.Secret, nil
	case k.Algorithm == ES256 && mint:
		priv, ok := k.PrivateKey.(*ecdsa.PrivateKey)
		if !ok || priv == nil || priv.Curve != elliptic.P256() {
			return nil, nil, k.bad("ES256 minting needs a P-256 *ecdsa.PrivateKey")
		}
		return m, priv, nil
	case k.Algorithm == ES256:
		pub, ok := k.Public.(*ecdsa.PublicKey)
		if !ok || pub == nil || pub.Curve != elliptic.P256() {
			return nil, nil, k.bad("ES256 needs a P-256 *ecdsa.PublicKey")
		}
		if _, err := pub.ECDH(); err != nil {
			return nil, nil, k.bad("invalid P-256 point")
		}
		return m, pub, nil
	case mint: // EdDSA
		priv, ok := k.PrivateKey.(ed25519.PrivateKey)
		if !ok || len(priv) != ed25519.PrivateKeySize {
			return nil, nil, k.bad("EdDSA minting needs an ed25519.PrivateKey")
		}
		return m, priv, nil
	default: // EdDSA
		pub, ok := k.Public.(ed25519.PublicKey)
		if !ok || len(pub) != ed25519.PublicKeySize {
			return nil, nil, k.bad("EdDSA needs an ed25519.PublicKey")
		}
		return m, pub, nil
	}
}

// bad is ErrBadKey for k, with the problem format describes.
func (k Key) bad(format string, args ...any) error {
	return fmt.Errorf("%w: key %q: %s", ErrBadKey, k.KID, fmt.Sprintf(format, args...))
}
