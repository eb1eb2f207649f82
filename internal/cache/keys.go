package cache

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// Key is an application's signing key ready to verify a token with: an
// HS256 secret opened with Options.Box, a public key parsed.
type Key struct {
	store.SigningKey
	// Verify is the key for token.Verifier; empty when Err is set.
	Verify token.Key
	// Err says why this server cannot use the key: an HS256 secret sealed
	// under another master key, or a public key that does not parse.
	Err error
}

// openedKey is what opening a kid's key material gave, kept with the
// material it came from: SealedSecret for HS256, PublicKey otherwise.
type openedKey struct {
	material []byte
	key      token.Key
	err      error
}

// errNoBox: the cache was given no seal.Box to open HS256 secrets with.
var errNoBox = errors.New("no master key to open it with")

// open makes raw ready to verify with, reusing keys opened before. Opened
// secrets live only in this process's memory.
func (c *Cache) open(raw []store.SigningKey) []Key {
	out := make([]Key, len(raw))
	var fresh []int // indexes of keys not opened before
	c.mu.RLock()
	for i, k := range raw {
		out[i].SigningKey = k
		if o, ok := c.opened.get(k.KID); ok && bytes.Equal(o.material, material(k)) {
			out[i].Verify, out[i].Err = o.key, o.err
		} else {
			fresh = append(fresh, i)
		}
	}
	c.mu.RUnlock()
	if len(fresh) == 0 {
		return out
	}
	for _, i := range fresh {
		out[i].Verify, out[i].Err = c.openOne(out[i].SigningKey)
	}
	c.mu.Lock()
	for _, i := range fresh {
		k := out[i]
		c.opened.put(k.KID, openedKey{material: material(k.SigningKey), key: k.Verify, err: k.Err})
	}
	c.mu.Unlock()
	return out
}

// material is the bytes a key's opened form is made from.
func material(k store.SigningKey) []byte {
	if k.Algorithm == store.AlgHS256 {
		return k.SealedSecret
	}
	return k.PublicKey
}

func (c *Cache) openOne(k store.SigningKey) (token.Key, error) {
	tk := token.Key{KID: k.KID, Algorithm: k.Algorithm}
	if k.Algorithm != store.AlgHS256 {
		pub, err := x509.ParsePKIXPublicKey(k.PublicKey)
		if err != nil {
			return token.Key{}, fmt.Errorf("the public key does not parse: %w", err)
		}
		tk.Public = pub
		return tk, nil
	}
	if c.opts.Box == nil {
		return token.Key{}, fmt.Errorf("the secret cannot be opened: %w", errNoBox)
	}
	secret, err := c.opts.Box.Open(k.SealedSecret, k.KID)
	if err != nil {
		return token.Key{}, fmt.Errorf("the secret does not open with this master key: %w", err)
	}
	tk.Secret = secret
	return tk, nil
}
