package ids

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/google/uuid"
)

// New returns a new record ID: a UUIDv7, which sorts by creation time.
// Should the clock-and-random source fail, it is a random UUIDv4, still
// unique.
func New() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// NewKID returns a new signing-key ID: "k_" and 16 hex digits.
func NewKID() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return "k_" + hex.EncodeToString(b)
}

// NewSecret returns a one-time secret: 32 random bytes, base64url without
// padding.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecretHash is how one-time secrets (setup links, portal session cookies)
// are stored: hex SHA-256. The secrets are 32 random bytes, so a plain
// hash is enough to make a copy of the database useless for signing in.
func SecretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
