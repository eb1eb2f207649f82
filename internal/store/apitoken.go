package store

import (
	"context"
	"time"
)

// APIToken is a management API token of a tenant. Only the SHA-256 of its
// secret is kept (Hash); the secret is shown once, when it is made. Role
// is one of the API roles (package apitoken lists them and their scopes)
// or "" for a token that holds exactly Scopes.
type APIToken struct {
	ID         string
	TenantID   string
	Name       string
	Hash       string // hex SHA-256 of the secret, unique
	Role       string
	Scopes     []string
	CreatedBy  string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	RevokedAt  time.Time // zero: not revoked
	LastUsedAt time.Time // zero: never used; written in batches
}

// Usable reports whether the token may be used at now: neither revoked
// nor expired.
func (t APIToken) Usable(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// State is the token's state at now in one word, as lists show it:
// "revoked", "expired" or "active".
func (t APIToken) State(now time.Time) string {
	switch {
	case !t.RevokedAt.IsZero():
		return "revoked"
	case !t.Usable(now):
		return "expired"
	}
	return "active"
}

// IdempotentAnswer is the first answer to a POST that carried an
// Idempotency-Key, kept per token and key so that a replay gets it again.
// Status 0 means the first request is still being served.
type IdempotentAnswer struct {
	TokenID   string
	Key       string
	TenantID  string
	Request   string // a digest of method, path and body
	Status    int
	Body      []byte
	CreatedAt time.Time
}

// APITokenReader reads a tenant's API tokens.
type APITokenReader interface {
	// APIToken returns one token by ID.
	APIToken(ctx context.Context, id string) (APIToken, error)
	// APITokenByHash returns the token whose secret hashes to hash.
	APITokenByHash(ctx context.Context, hash string) (APIToken, error)
	// APITokens lists a tenant's tokens, revoked and expired ones
	// included, oldest first.
	APITokens(ctx context.Context, tenantID string) ([]APIToken, error)
}

// APITokenTx is the API tokens inside a transaction, with the audit
// append that records each change.
type APITokenTx interface {
	APITokenReader
	AuditTx

	// CreateAPIToken stores t; a hash already stored is ErrConflict.
	CreateAPIToken(ctx context.Context, t APIToken) error
	// RevokeAPIToken sets RevokedAt of the tenant's token id if it is not
	// revoked yet, and reports whether it did (false: it was revoked
	// before and keeps its first time). A token that is not the tenant's
	// is ErrNotFound.
	RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) (bool, error)
}

// APITokenToucher records when tokens were last used, outside any Tx: the
// API batches these writes instead of writing once per request.
type APITokenToucher interface {
	// TouchAPITokens moves each named token's LastUsedAt forward to the
	// time given (never back), all in one transaction. Unknown IDs are
	// skipped.
	TouchAPITokens(ctx context.Context, used map[string]time.Time) error
}

// IdempotencyKeeper keeps the first answers to POSTs with an
// Idempotency-Key, outside any Tx (the answer is known only after the
// change's own transaction has committed).
type IdempotencyKeeper interface {
	// ClaimIdempotencyKey stores a (with Status 0: in progress) unless
	// its token already has an answer for a.Key. It returns the answer as
	// stored and whether this call stored it; of concurrent calls for one
	// token and key exactly one returns true.
	ClaimIdempotencyKey(ctx context.Context, a IdempotentAnswer) (IdempotentAnswer, bool, error)
	// FinishIdempotencyKey records the answer of a claimed key.
	FinishIdempotencyKey(ctx context.Context, tokenID, key string, status int, body []byte) error
	// ReleaseIdempotencyKey forgets a claim that is still in progress
	// (the request failed before it changed anything), so that a retry
	// is served afresh.
	ReleaseIdempotencyKey(ctx context.Context, tokenID, key string) error
	// PurgeIdempotencyKeys forgets the answers made before before and
	// returns how many.
	PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error)
}
