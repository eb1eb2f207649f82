package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// API tokens are read once per management request (by hash, a unique
// index) and change at the rate of administrators; their last use is
// written in batches by TouchAPITokens. None of it touches the lock check
// or its cache, so no change announces anything.

// APIToken implements store.Reader.
func (r reads) APIToken(ctx context.Context, id string) (store.APIToken, error) {
	return one(ctx, r.q, "get api token", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE id = $1`, id)
}

// APITokenByHash implements store.Reader.
func (r reads) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	return one(ctx, r.q, "get api token by hash", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE hash = $1`, hash)
}

// APITokens implements store.Reader.
func (r reads) APITokens(ctx context.Context, tenantID string) ([]store.APIToken, error) {
	return list(ctx, r.q, "list api tokens", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// CreateAPIToken implements store.Tx.
func (t *txn) CreateAPIToken(ctx context.Context, k store.APIToken) error {
	const op = "create api token"
	if err := valid.APIToken(k); err != nil {
		return wrap(op, err)
	}
	return t.insert(ctx, op, "api token", `INSERT INTO api_tokens (`+sqlrow.APITokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0)`,
		k.ID, k.TenantID, k.Name, k.Hash, k.Role, sqlrow.JoinScopes(k.Scopes), k.CreatedBy,
		valid.Nanos(k.CreatedAt), valid.Nanos(k.ExpiresAt))
}

// RevokeAPIToken implements store.Tx with one conditional UPDATE.
func (t *txn) RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) (bool, error) {
	const op = "revoke api token"
	n, err := valid.Stamp("token id", id, "revoked at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	changed, err := t.exec(ctx, op, `UPDATE api_tokens SET revoked_at = $1 WHERE tenant_id = $2 AND id = $3 AND revoked_at = 0`,
		n, tenantID, id)
	if err != nil || changed == 1 {
		return changed == 1, err
	}
	_, err = one(ctx, t.tx, op, dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return false, err
}

// TouchAPITokens implements store.APITokenToucher with one UPDATE over
// the batch.
func (s *Store) TouchAPITokens(ctx context.Context, used map[string]time.Time) error {
	const op = "touch api tokens"
	if len(used) == 0 {
		return nil
	}
	ids, ats := make([]string, 0, len(used)), make([]int64, 0, len(used))
	for id, at := range used {
		n, err := valid.Stamp("token id", id, "used at", at)
		if err != nil {
			return wrap(op, err)
		}
		ids, ats = append(ids, id), append(ats, n)
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_tokens t SET last_used_at = u.at
		FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE t.id = u.id AND t.last_used_at < u.at`, ids, ats)
	return wrap(op, err)
}

// ClaimIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, a store.IdempotentAnswer) (store.IdempotentAnswer, bool, error) {
	const op = "claim idempotency key"
	if err := valid.IdempotentAnswer(a); err != nil {
		return store.IdempotentAnswer{}, false, wrap(op, err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO idempotency_keys (`+sqlrow.IdempotentCols+`) VALUES ($1, $2, $3, $4, 0, '', $5)
		ON CONFLICT (token_id, key) DO NOTHING`, a.TokenID, a.Key, a.TenantID, a.Request, valid.Nanos(a.CreatedAt))
	if err != nil {
		return store.IdempotentAnswer{}, false, wrap(op, err)
	}
	if tag.RowsAffected() == 1 {
		a.Status, a.Body = 0, nil
		return a, true, nil
	}
	got, err := one(ctx, s.pool, op, dialect.ScanIdempotentAnswer,
		`SELECT `+sqlrow.IdempotentCols+` FROM idempotency_keys WHERE token_id = $1 AND key = $2`, a.TokenID, a.Key)
	return got, false, err
}

// FinishIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) FinishIdempotencyKey(ctx context.Context, tokenID, key string, status int, body []byte) error {
	_, err := s.pool.Exec(ctx, `UPDATE idempotency_keys SET status = $1, body = $2 WHERE token_id = $3 AND key = $4`,
		status, body, tokenID, key)
	return wrap("finish idempotency key", err)
}

// ReleaseIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, tokenID, key string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND status = 0`, tokenID, key)
	return wrap("release idempotency key", err)
}

// PurgeIdempotencyKeys implements store.IdempotencyKeeper.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	const op = "purge idempotency keys"
	n, err := valid.Now(before)
	if err != nil {
		return 0, wrap(op, err)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, n)
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(tag.RowsAffected()), nil
}
