package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The OpenID provider's clients and keys change at the rate of
// administrators and its requests at the rate of step-up sign-ins, so
// they are plain queries; none is read by the lock check.

// OIDCClient implements store.Reader.
func (r reads) OIDCClient(ctx context.Context, id string) (store.OIDCClient, error) {
	return one(ctx, r.q, "get oidc client", dialect.ScanOIDCClient,
		`SELECT `+sqlrow.OIDCClientCols+` FROM oidc_clients WHERE id = $1`, id)
}

// OIDCClients implements store.Reader.
func (r reads) OIDCClients(ctx context.Context, tenantID string) ([]store.OIDCClient, error) {
	return list(ctx, r.q, "list oidc clients", dialect.ScanOIDCClient,
		`SELECT `+sqlrow.OIDCClientCols+` FROM oidc_clients WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// OIDCKeys implements store.Reader.
func (r reads) OIDCKeys(ctx context.Context) ([]store.OIDCKey, error) {
	return list(ctx, r.q, "list oidc keys", dialect.ScanOIDCKey,
		`SELECT `+sqlrow.OIDCKeyCols+` FROM oidc_keys ORDER BY created_at DESC, id`)
}

// OIDCRequest implements store.Reader.
func (r reads) OIDCRequest(ctx context.Context, id string) (store.OIDCRequest, error) {
	return one(ctx, r.q, "get oidc request", dialect.ScanOIDCRequest,
		`SELECT `+sqlrow.OIDCRequestCols+` FROM oidc_requests WHERE id = $1`, id)
}

// CreateOIDCClient implements store.Tx.
func (t *txn) CreateOIDCClient(ctx context.Context, c store.OIDCClient) error {
	const op = "create oidc client"
	if err := valid.OIDCClient(c); err != nil {
		return wrap(op, err)
	}
	redirects, frames := sqlrow.OIDCLists(c)
	return t.insert(ctx, op, valid.Conflict("oidc_clients", []string{"name"}),
		`INSERT INTO oidc_clients (id, tenant_id, name, secret_hash, public, redirect_uris, frame_origins, app_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.TenantID, c.Name, c.SecretHash, c.Public, redirects, frames, nullable(c.AppID), valid.Nanos(c.CreatedAt))
}

// DeleteOIDCClient implements store.Tx; its requests go with it (ON
// DELETE CASCADE).
func (t *txn) DeleteOIDCClient(ctx context.Context, tenantID, id string) error {
	const op = "delete oidc client"
	n, err := t.exec(ctx, op, `DELETE FROM oidc_clients WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return found(op, n, err)
}

// CreateOIDCKey implements store.Tx.
func (t *txn) CreateOIDCKey(ctx context.Context, k store.OIDCKey) error {
	const op = "create oidc key"
	if err := valid.OIDCKey(k); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO oidc_keys (`+sqlrow.OIDCKeyCols+`) VALUES ($1, $2, $3, $4, $5, 0, 0)`,
		k.ID, k.Algorithm, k.SealedKey, k.PublicKey, valid.Nanos(k.CreatedAt))
	return err
}

// RetireOIDCKeys implements store.Tx.
func (t *txn) RetireOIDCKeys(ctx context.Context, at, expires time.Time) (int, error) {
	const op = "retire oidc keys"
	n, err := valid.Now(at)
	if err != nil {
		return 0, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `UPDATE oidc_keys SET retired_at = $1, expires_at = $2 WHERE retired_at = 0`, n, valid.Nanos(expires))
	return int(rows), err
}

// DeleteOIDCKeys implements store.Tx.
func (t *txn) DeleteOIDCKeys(ctx context.Context, now time.Time) (int, error) {
	const op = "delete oidc keys"
	n, err := valid.Now(now)
	if err != nil {
		return 0, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `DELETE FROM oidc_keys WHERE retired_at <> 0 AND expires_at <= $1`, n)
	return int(rows), err
}

// PutOIDCRequest implements store.Tx.
func (t *txn) PutOIDCRequest(ctx context.Context, q store.OIDCRequest) error {
	const op = "put oidc request"
	if err := valid.OIDCRequest(q); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO oidc_requests (id, tenant_id, client_id, code_hash, document, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, document = excluded.document, expires_at = excluded.expires_at`,
		q.ID, q.TenantID, q.ClientID, nullable(q.CodeHash), string(q.Document), valid.Nanos(q.CreatedAt), valid.Nanos(q.ExpiresAt))
	return err
}

// TakeOIDCCode implements store.Tx with one DELETE … RETURNING.
func (t *txn) TakeOIDCCode(ctx context.Context, codeHash string) (store.OIDCRequest, error) {
	if codeHash == "" {
		return store.OIDCRequest{}, wrap("take oidc code", store.ErrNotFound)
	}
	return one(ctx, t.tx, "take oidc code", dialect.ScanOIDCRequest,
		`DELETE FROM oidc_requests WHERE code_hash = $1 RETURNING `+sqlrow.OIDCRequestCols, codeHash)
}

// DeleteOIDCRequest implements store.Tx.
func (t *txn) DeleteOIDCRequest(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete oidc request", `DELETE FROM oidc_requests WHERE id = $1`, id)
	return err
}

// PurgeOIDCRequests implements store.Tx.
func (t *txn) PurgeOIDCRequests(ctx context.Context, now time.Time) (int, error) {
	const op = "purge oidc requests"
	n, err := valid.Now(now)
	if err != nil {
		return 0, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `DELETE FROM oidc_requests WHERE expires_at <= $1`, n)
	return int(rows), err
}
