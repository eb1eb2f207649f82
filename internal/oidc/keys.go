package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Default key lifetimes.
const (
	// DefaultRotateAfter is how old the signing key gets before the next
	// signature rotates it.
	DefaultRotateAfter = 30 * 24 * time.Hour
	// DefaultKeepRetired is how long a retired key stays published: longer
	// than any token it signed lives (five minutes) with clock skew.
	DefaultKeepRetired = time.Hour
)

// KeyStore is what Keys reads and changes.
type KeyStore interface {
	store.OIDCReader
	store.Updater
}

// Keys are the provider's signing keys. It is safe for concurrent use.
type Keys struct {
	Store KeyStore
	Box   *seal.Box
	Clock clock.Clock
	// RotateAfter and KeepRetired: zero means the defaults.
	RotateAfter time.Duration
	KeepRetired time.Duration
}

// Published are the keys of the JWKS now: the signing key and the retired
// keys not yet expired, newest first.
func (k *Keys) Published(ctx context.Context) ([]store.OIDCKey, error) {
	all, err := k.Store.OIDCKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.Clock.Now()
	var out []store.OIDCKey
	for _, key := range all {
		if key.RetiredAt.IsZero() || now.Before(key.ExpiresAt) {
			out = append(out, key)
		}
	}
	return out, nil
}

// Signer returns the key that signs now, creating the first one, or
// rotating one older than RotateAfter.
func (k *Keys) Signer(ctx context.Context) (store.OIDCKey, *ecdsa.PrivateKey, error) {
	all, err := k.Store.OIDCKeys(ctx)
	if err != nil {
		return store.OIDCKey{}, nil, err
	}
	rotateAfter := k.RotateAfter
	if rotateAfter <= 0 {
		rotateAfter = DefaultRotateAfter
	}
	for _, key := range all {
		if key.RetiredAt.IsZero() && k.Clock.Now().Sub(key.CreatedAt) < rotateAfter {
			priv, err := k.open(key)
			return key, priv, err
		}
	}
	key, err := k.Rotate(ctx)
	if err != nil {
		return store.OIDCKey{}, nil, err
	}
	priv, err := k.open(key)
	return key, priv, err
}

// Rotate retires the signing key (published for KeepRetired more), deletes
// the retired keys that expired, and makes a new signing key.
func (k *Keys) Rotate(ctx context.Context) (store.OIDCKey, error) {
	keep := k.KeepRetired
	if keep <= 0 {
		keep = DefaultKeepRetired
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return store.OIDCKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.OIDCKey{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return store.OIDCKey{}, err
	}
	now := k.Clock.Now().UTC()
	key := store.OIDCKey{ID: ids.NewKID(), Algorithm: store.AlgES256, PublicKey: pub, CreatedAt: now}
	if key.SealedKey, err = k.Box.Seal(der, key.ID); err != nil {
		return store.OIDCKey{}, err
	}
	err = k.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.RetireOIDCKeys(ctx, now, now.Add(keep)); err != nil {
			return err
		}
		if _, err := tx.DeleteOIDCKeys(ctx, now); err != nil {
			return err
		}
		return tx.CreateOIDCKey(ctx, key)
	})
	return key, err
}

func (k *Keys) open(key store.OIDCKey) (*ecdsa.PrivateKey, error) {
	der, err := k.Box.Open(key.SealedKey, key.ID)
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key %s: %w", key.ID, store.ErrMasterKey)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key %s: %w", key.ID, err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("oidc: signing key %s is not ECDSA", key.ID)
	}
	return priv, nil
}

// signingKey is a private key as op.SigningKey.
type signingKey struct {
	id   string
	priv *ecdsa.PrivateKey
}

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (s signingKey) Key() any                                    { return s.priv }
func (s signingKey) ID() string                                  { return s.id }

// publicKey is a published key as op.Key.
type publicKey struct {
	id  string
	pub any
}

var _ op.Key = publicKey{}

func (p publicKey) ID() string                         { return p.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.pub }
