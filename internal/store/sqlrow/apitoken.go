package sqlrow

import (
	"strings"

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
