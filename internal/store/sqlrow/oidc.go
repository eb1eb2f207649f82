package sqlrow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The columns of the OpenID provider's tables, in the order their scan
// functions read them and their INSERTs list them. A client's lists are
// JSON arrays in both dialects; AppID NULL reads as "".
const (
	OIDCClientCols  = `id, tenant_id, name, secret_hash, public, redirect_uris, frame_origins, coalesce(app_id, ''), created_at`
	OIDCKeyCols     = `id, algorithm, sealed_key, public_key, created_at, retired_at, expires_at`
	OIDCRequestCols = `id, tenant_id, client_id, coalesce(code_hash, ''), document, created_at, expires_at`
)

// ScanOIDCClient reads OIDCClientCols; no frame origins is nil.
func (d *Dialect) ScanOIDCClient(r Row) (c store.OIDCClient, err error) {
	var created int64
	var redirects, frames string
	if err = r.Scan(&c.ID, &c.TenantID, &c.Name, &c.SecretHash, &c.Public, &redirects, &frames, &c.AppID, &created); err != nil {
		return c, err
	}
	if err = json.Unmarshal([]byte(redirects), &c.RedirectURIs); err != nil {
		return c, err
	}
	if err = json.Unmarshal([]byte(frames), &c.FrameOrigins); err != nil {
		return c, err
	}
	if len(c.FrameOrigins) == 0 {
		c.FrameOrigins = nil
	}
	c.CreatedAt = valid.FromNanos(created)
	return c, nil
}

// OIDCLists encodes a client's lists for its INSERT.
func OIDCLists(c store.OIDCClient) (redirects, frames string) {
	r, _ := json.Marshal(nonNil(c.RedirectURIs))
	f, _ := json.Marshal(nonNil(c.FrameOrigins))
	return string(r), string(f)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ScanOIDCKey reads OIDCKeyCols.
func (d *Dialect) ScanOIDCKey(r Row) (k store.OIDCKey, err error) {
	var created, retired, expires int64
	err = r.Scan(&k.ID, &k.Algorithm, &k.SealedKey, &k.PublicKey, &created, &retired, &expires)
	k.CreatedAt, k.RetiredAt, k.ExpiresAt = valid.FromNanos(created), valid.FromNanos(retired), valid.FromNanos(expires)
	return k, err
}

// ScanOIDCRequest reads OIDCRequestCols.
func (d *Dialect) ScanOIDCRequest(r Row) (q store.OIDCRequest, err error) {
	var created, expires int64
	var doc string
	err = r.Scan(&q.ID, &q.TenantID, &q.ClientID, &q.CodeHash, &doc, &created, &expires)
	q.Document = json.RawMessage(doc)
	q.CreatedAt, q.ExpiresAt = valid.FromNanos(created), valid.FromNanos(expires)
	return q, err
}

// The OpenID provider's clients and keys change at the rate of
// administrators and its requests at the rate of step-up sign-ins, so
// they are plain queries; none is read by the lock check.

// OIDCClient implements store.OIDCReader.
func (r Reads) OIDCClient(ctx context.Context, id string) (store.OIDCClient, error) {
	return One(ctx, r.D, r.Q, "get oidc client", r.D.ScanOIDCClient,
		`SELECT `+OIDCClientCols+` FROM oidc_clients WHERE id = $1`, id)
}

// OIDCClients implements store.OIDCReader.
func (r Reads) OIDCClients(ctx context.Context, tenantID string) ([]store.OIDCClient, error) {
	return List(ctx, r.D, r.Q, "list oidc clients", r.D.ScanOIDCClient,
		`SELECT `+OIDCClientCols+` FROM oidc_clients WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// OIDCKeys implements store.OIDCReader.
func (r Reads) OIDCKeys(ctx context.Context) ([]store.OIDCKey, error) {
	return List(ctx, r.D, r.Q, "list oidc keys", r.D.ScanOIDCKey,
		`SELECT `+OIDCKeyCols+` FROM oidc_keys ORDER BY created_at DESC, id`)
}

// OIDCRequest implements store.OIDCReader.
func (r Reads) OIDCRequest(ctx context.Context, id string) (store.OIDCRequest, error) {
	return One(ctx, r.D, r.Q, "get oidc request", r.D.ScanOIDCRequest,
		`SELECT `+OIDCRequestCols+` FROM oidc_requests WHERE id = $1`, id)
}

// CreateOIDCClient implements store.OIDCTx.
func (w Writes) CreateOIDCClient(ctx context.Context, c store.OIDCClient) error {
	redirects, frames := OIDCLists(c)
	return w.D.Put(ctx, w.DB, "create oidc client", valid.OIDCClient(c), valid.Conflict("oidc_clients", []string{"name"}),
		`INSERT INTO oidc_clients (id, tenant_id, name, secret_hash, public, redirect_uris, frame_origins, app_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		c.ID, c.TenantID, c.Name, c.SecretHash, c.Public, redirects, frames, Nullable(c.AppID), valid.Nanos(c.CreatedAt))
}

// DeleteOIDCClient implements store.OIDCTx; its requests go with it (ON
// DELETE CASCADE).
func (w Writes) DeleteOIDCClient(ctx context.Context, tenantID, id string) error {
	return w.D.Change(ctx, w.DB, "delete oidc client", nil, `DELETE FROM oidc_clients WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// CreateOIDCKey implements store.OIDCTx.
func (w Writes) CreateOIDCKey(ctx context.Context, k store.OIDCKey) error {
	const op = "create oidc key"
	if err := valid.OIDCKey(k); err != nil {
		return w.D.Wrap(op, err)
	}
	_, err := w.DB.Exec(ctx, op, `INSERT INTO oidc_keys (`+OIDCKeyCols+`) VALUES ($1, $2, $3, $4, $5, 0, 0)`,
		k.ID, k.Algorithm, k.SealedKey, k.PublicKey, valid.Nanos(k.CreatedAt))
	return err
}

// RetireOIDCKeys implements store.OIDCTx.
func (w Writes) RetireOIDCKeys(ctx context.Context, at, expires time.Time) (int, error) {
	const op = "retire oidc keys"
	n, err := valid.Now(at)
	if err != nil {
		return 0, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `UPDATE oidc_keys SET retired_at = $1, expires_at = $2 WHERE retired_at = 0`, n, valid.Nanos(expires))
	return int(rows), err
}

// DeleteOIDCKeys implements store.OIDCTx.
func (w Writes) DeleteOIDCKeys(ctx context.Context, now time.Time) (int, error) {
	const op = "delete oidc keys"
	n, err := valid.Now(now)
	if err != nil {
		return 0, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `DELETE FROM oidc_keys WHERE retired_at <> 0 AND expires_at <= $1`, n)
	return int(rows), err
}

// PutOIDCRequest implements store.OIDCTx.
func (w Writes) PutOIDCRequest(ctx context.Context, q store.OIDCRequest) error {
	const op = "put oidc request"
	if err := valid.OIDCRequest(q); err != nil {
		return w.D.Wrap(op, err)
	}
	_, err := w.DB.Exec(ctx, op, `INSERT INTO oidc_requests (id, tenant_id, client_id, code_hash, document, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (id) DO UPDATE SET code_hash = excluded.code_hash, document = excluded.document, expires_at = excluded.expires_at`,
		q.ID, q.TenantID, q.ClientID, Nullable(q.CodeHash), string(q.Document), valid.Nanos(q.CreatedAt), valid.Nanos(q.ExpiresAt))
	return err
}

// TakeOIDCCode implements store.OIDCTx with one DELETE … RETURNING.
func (w Writes) TakeOIDCCode(ctx context.Context, codeHash string) (store.OIDCRequest, error) {
	const op = "take oidc code"
	if codeHash == "" {
		return store.OIDCRequest{}, w.D.Wrap(op, store.ErrNotFound)
	}
	return One(ctx, w.D, w.DB, op, w.D.ScanOIDCRequest,
		`DELETE FROM oidc_requests WHERE code_hash = $1 RETURNING `+OIDCRequestCols, codeHash)
}

// DeleteOIDCRequest implements store.OIDCTx.
func (w Writes) DeleteOIDCRequest(ctx context.Context, id string) error {
	_, err := w.DB.Exec(ctx, "delete oidc request", `DELETE FROM oidc_requests WHERE id = $1`, id)
	return err
}

// PurgeOIDCRequests implements store.OIDCTx.
func (w Writes) PurgeOIDCRequests(ctx context.Context, now time.Time) (int, error) {
	const op = "purge oidc requests"
	n, err := valid.Now(now)
	if err != nil {
		return 0, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `DELETE FROM oidc_requests WHERE expires_at <= $1`, n)
	return int(rows), err
}
