package sqlrow

import (
	"context"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The columns of the API token and idempotency tables, in the order their
// scan functions read them and their INSERTs list them.
const (
	APITokenCols   = `id, tenant_id, name, hash, role, scopes, created_by, created_at, expires_at, revoked_at, last_used_at`
	IdempotentCols = `token_id, key, tenant_id, request, status, body, created_at`
)

// JoinScopes is a token's scopes as the scopes column keeps them.
func JoinScopes(scopes []string) string { return strings.Join(scopes, " ") }

// ScanAPIToken reads APITokenCols; no scopes is nil.
func (d *Dialect) ScanAPIToken(r Row) (t store.APIToken, err error) {
	var scopes string
	var created, expires, revoked, used int64
	err = r.Scan(&t.ID, &t.TenantID, &t.Name, &t.Hash, &t.Role, &scopes, &t.CreatedBy, &created, &expires, &revoked, &used)
	t.Scopes = strings.Fields(scopes)
	if len(t.Scopes) == 0 {
		t.Scopes = nil
	}
	t.CreatedAt, t.ExpiresAt = valid.FromNanos(created), valid.FromNanos(expires)
	t.RevokedAt, t.LastUsedAt = valid.FromNanos(revoked), valid.FromNanos(used)
	return t, err
}

// ScanIdempotentAnswer reads IdempotentCols.
func (d *Dialect) ScanIdempotentAnswer(r Row) (a store.IdempotentAnswer, err error) {
	var created int64
	err = r.Scan(&a.TokenID, &a.Key, &a.TenantID, &a.Request, &a.Status, &a.Body, &created)
	a.CreatedAt = valid.FromNanos(created)
	return a, err
}

// API tokens are read once per management request (by hash, a unique
// index) and change at the rate of administrators; their last use is
// written in batches by each backend's TouchAPITokens. None of it touches
// the lock check or its cache.

// APIToken implements store.Reader.
func (r Reads) APIToken(ctx context.Context, id string) (store.APIToken, error) {
	return One(ctx, r.D, r.Q, "get api token", r.D.ScanAPIToken,
		`SELECT `+APITokenCols+` FROM api_tokens WHERE id = $1`, id)
}

// APITokenByHash implements store.Reader.
func (r Reads) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	return One(ctx, r.D, r.Q, "get api token by hash", r.D.ScanAPIToken,
		`SELECT `+APITokenCols+` FROM api_tokens WHERE hash = $1`, hash)
}

// APITokens implements store.Reader.
func (r Reads) APITokens(ctx context.Context, tenantID string) ([]store.APIToken, error) {
	return List(ctx, r.D, r.Q, "list api tokens", r.D.ScanAPIToken,
		`SELECT `+APITokenCols+` FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// CreateAPIToken implements store.Tx.
func (w Writes) CreateAPIToken(ctx context.Context, k store.APIToken) error {
	return w.D.Put(ctx, w.DB, "create api token", valid.APIToken(k), "api token",
		`INSERT INTO api_tokens (`+APITokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0)`,
		k.ID, k.TenantID, k.Name, k.Hash, k.Role, JoinScopes(k.Scopes), k.CreatedBy,
		valid.Nanos(k.CreatedAt), valid.Nanos(k.ExpiresAt))
}

// RevokeAPIToken implements store.Tx with one conditional UPDATE.
func (w Writes) RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) (bool, error) {
	const op = "revoke api token"
	n, err := valid.Stamp("token id", id, "revoked at", at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	changed, err := w.DB.Exec(ctx, op, `UPDATE api_tokens SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at = 0`,
		n, tenantID, id)
	if err != nil || changed == 1 {
		return changed == 1, err
	}
	_, err = One(ctx, w.D, w.DB, op, w.D.ScanAPIToken,
		`SELECT `+APITokenCols+` FROM api_tokens WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return false, err
}
