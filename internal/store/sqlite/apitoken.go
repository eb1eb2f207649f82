package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// API tokens are read once per management request (by hash, a unique
// index) and change at the rate of administrators; their last use is
// written in batches by TouchAPITokens. None of it touches the lock check.

// APIToken implements store.Reader.
func (r reads) APIToken(ctx context.Context, id string) (store.APIToken, error) {
	return one(ctx, r.querier(), "get api token", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE id = ?`, id)
}

// APITokenByHash implements store.Reader.
func (r reads) APITokenByHash(ctx context.Context, hash string) (store.APIToken, error) {
	return one(ctx, r.querier(), "get api token by hash", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE hash = ?`, hash)
}

// APITokens implements store.Reader.
func (r reads) APITokens(ctx context.Context, tenantID string) ([]store.APIToken, error) {
	return list(ctx, r.querier(), "list api tokens", dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE tenant_id = ? ORDER BY created_at, id`, tenantID)
}

// CreateAPIToken implements store.Tx.
func (t *txn) CreateAPIToken(ctx context.Context, k store.APIToken) error {
	const op = "create api token"
	if err := valid.APIToken(k); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO api_tokens (`+sqlrow.APITokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
		k.ID, k.TenantID, k.Name, k.Hash, k.Role, sqlrow.JoinScopes(k.Scopes), k.CreatedBy,
		valid.Nanos(k.CreatedAt), valid.Nanos(k.ExpiresAt))
	return err
}

// RevokeAPIToken implements store.Tx with one conditional UPDATE.
func (t *txn) RevokeAPIToken(ctx context.Context, tenantID, id string, at time.Time) (bool, error) {
	const op = "revoke api token"
	n, err := valid.Stamp("token id", id, "revoked at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	changed, err := t.exec(ctx, op, `UPDATE api_tokens SET revoked_at = ? WHERE tenant_id = ? AND id = ? AND revoked_at = 0`,
		n, tenantID, id)
	if err != nil || changed == 1 {
		return changed == 1, err
	}
	_, err = one(ctx, t.tx, op, dialect.ScanAPIToken,
		`SELECT `+sqlrow.APITokenCols+` FROM api_tokens WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return false, err
}

// TouchAPITokens implements store.APITokenToucher.
func (s *Store) TouchAPITokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	return s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*txn)
		for id, at := range used {
			n, err := valid.Stamp("token id", id, "used at", at)
			if err != nil {
				return wrap("touch api tokens", err)
			}
			if _, err := t.exec(ctx, "touch api tokens", `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
				n, id, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// ClaimIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, a store.IdempotentAnswer) (store.IdempotentAnswer, bool, error) {
	const op = "claim idempotency key"
	if err := valid.IdempotentAnswer(a); err != nil {
		return store.IdempotentAnswer{}, false, wrap(op, err)
	}
	res, err := s.wdb.ExecContext(ctx, `INSERT INTO idempotency_keys (`+sqlrow.IdempotentCols+`) VALUES (?, ?, ?, ?, 0, x'', ?)
		ON CONFLICT (token_id, key) DO NOTHING`, a.TokenID, a.Key, a.TenantID, a.Request, valid.Nanos(a.CreatedAt))
	if err != nil {
		return store.IdempotentAnswer{}, false, wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		a.Status, a.Body = 0, nil
		return a, true, nil
	}
	got, err := one(ctx, s.wdb, op, dialect.ScanIdempotentAnswer,
		`SELECT `+sqlrow.IdempotentCols+` FROM idempotency_keys WHERE token_id = ? AND key = ?`, a.TokenID, a.Key)
	return got, false, err
}

// FinishIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) FinishIdempotencyKey(ctx context.Context, tokenID, key string, status int, body []byte) error {
	_, err := s.wdb.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE token_id = ? AND key = ?`,
		status, body, tokenID, key)
	return wrap("finish idempotency key", err)
}

// ReleaseIdempotencyKey implements store.IdempotencyKeeper.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, tokenID, key string) error {
	_, err := s.wdb.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE token_id = ? AND key = ? AND status = 0`, tokenID, key)
	return wrap("release idempotency key", err)
}

// PurgeIdempotencyKeys implements store.IdempotencyKeeper.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	const op = "purge idempotency keys"
	n, err := valid.Now(before)
	if err != nil {
		return 0, wrap(op, err)
	}
	res, err := s.wdb.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, n)
	if err != nil {
		return 0, wrap(op, err)
	}
	k, err := res.RowsAffected()
	return int(k), wrap(op, err)
}
