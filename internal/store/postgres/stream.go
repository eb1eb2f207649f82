package postgres

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// Stream cursors are read and moved by the SIEM stream job, inside the
// transaction that queues the records they pass.

// StreamCursor implements store.Tx.
func (t *txn) StreamCursor(ctx context.Context, endpoint, tenantID, kind string) (int64, error) {
	return one(ctx, t.q, "get stream cursor", scanInt64,
		`SELECT COALESCE(MAX(position), 0) FROM stream_cursors WHERE endpoint = $1 AND tenant_id = $2 AND kind = $3`, endpoint, tenantID, kind)
}

// SetStreamCursor implements store.Tx.
func (t *txn) SetStreamCursor(ctx context.Context, endpoint, tenantID, kind string, position int64) error {
	_, err := t.exec(ctx, "set stream cursor", `INSERT INTO stream_cursors (endpoint, tenant_id, kind, position) VALUES ($1, $2, $3, $4)
		ON CONFLICT (endpoint, tenant_id, kind) DO UPDATE SET position = excluded.position`, endpoint, tenantID, kind, position)
	return err
}

func scanInt64(r sqlrow.Row) (int64, error) {
	var n int64
	err := r.Scan(&n)
	return n, err
}
