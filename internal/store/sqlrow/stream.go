package sqlrow

import "context"

// Stream cursors are read and moved by the SIEM stream job, inside the
// transaction that queues the records they pass.

// StreamCursor implements store.Tx.
func (w Writes) StreamCursor(ctx context.Context, endpoint, tenantID, kind string) (int64, error) {
	return One(ctx, w.D, w.DB, "get stream cursor", ScanInt64,
		`SELECT COALESCE(MAX(position), 0) FROM stream_cursors WHERE endpoint = $1 AND tenant_id = $2 AND kind = $3`, endpoint, tenantID, kind)
}

// SetStreamCursor implements store.Tx.
func (w Writes) SetStreamCursor(ctx context.Context, endpoint, tenantID, kind string, position int64) error {
	_, err := w.DB.Exec(ctx, "set stream cursor", `INSERT INTO stream_cursors (endpoint, tenant_id, kind, position) VALUES ($1, $2, $3, $4)
		ON CONFLICT (endpoint, tenant_id, kind) DO UPDATE SET position = excluded.position`, endpoint, tenantID, kind, position)
	return err
}
