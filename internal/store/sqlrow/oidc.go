package sqlrow

import (
	"encoding/json"

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
