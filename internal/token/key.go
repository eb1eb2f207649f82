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
// method verifies with, after checking that the material suits the
// algorithm. An HS256 key with an empty secret is refused: HMAC would accept
// a signature anyone can compute.
func (k Key) verificationKey() (jwt.SigningMethod, any, error) {
	m := method(k.Algorithm)
	if m == nil {
		return nil, nil, fmt.Errorf("%w: key %q: unsupported algorithm %q", ErrBadKey, k.KID, k.Algorithm)
	}
	switch k.Algorithm {
	case HS256:
		if len(k.Secret) == 0 {
			return nil, nil, fmt.Errorf("%w: key %q: empty HS256 secret", ErrBadKey, k.KID)
		}
		return m, k.Secret, nil
	case ES256:
		pub, ok := k.Public.(*ecdsa.PublicKey)
		if !ok || pub == nil || pub.Curve != elliptic.P256() {
			return nil, nil, fmt.Errorf("%w: key %q: ES256 needs a P-256 *ecdsa.PublicKey", ErrBadKey, k.KID)
		}
		if _, err := pub.ECDH(); err != nil {
			return nil, nil, fmt.Errorf("%w: key %q: invalid P-256 point", ErrBadKey, k.KID)
		}
		return m, pub, nil
	default: // EdDSA
		pub, ok := k.Public.(ed25519.PublicKey)
		if !ok || len(pub) != ed25519.PublicKeySize {
			return nil, nil, fmt.Errorf("%w: key %q: EdDSA needs an ed25519.PublicKey", ErrBadKey, k.KID)
		}
		return m, pub, nil
	}
}

// signingKey is verificationKey's counterpart for Mint.
func (k Key) signingKey() (jwt.SigningMethod, any, error) {
	m := method(k.Algorithm)
	if m == nil {
		return nil, nil, fmt.Errorf("%w: key %q: unsupported algorithm %q", ErrBadKey, k.KID, k.Algorithm)
	}
	switch k.Algorithm {
	case HS256:
		if len(k.Secret) == 0 {
			return nil, nil, fmt.Errorf("%w: key %q: empty HS256 secret", ErrBadKey, k.KID)
		}
		return m, k.Secret, nil
	case ES256:
		priv, ok := k.PrivateKey.(*ecdsa.PrivateKey)
		if !ok || priv == nil || priv.Curve != elliptic.P256() {
			return nil, nil, fmt.Errorf("%w: key %q: ES256 minting needs a P-256 *ecdsa.PrivateKey", ErrBadKey, k.KID)
		}
		return m, priv, nil
	default: // EdDSA
		priv, ok := k.PrivateKey.(ed25519.PrivateKey)
		if !ok || len(priv) != ed25519.PrivateKeySize {
			return nil, nil, fmt.Errorf("%w: key %q: EdDSA minting needs an ed25519.PrivateKey", ErrBadKey, k.KID)
		}
		return m, priv, nil
	}
}
