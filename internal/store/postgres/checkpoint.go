package postgres

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Audit heads and checkpoints are read by the checkpoint job and by
// verify, at the rate of minutes, so they are plain queries.

// auditHeadsSQL finds each tenant's last record through the audit_log
// primary key (tenant_id, seq).
const auditHeadsSQL = `SELECT l.tenant_id, l.seq, l.hash, l.at FROM tenants AS t
	JOIN audit_log AS l ON l.tenant_id = t.id AND l.seq = (SELECT max(seq) FROM audit_log WHERE tenant_id = t.id)
	ORDER BY t.id`

// lastCheckpointsSQL finds each tenant's latest checkpoint.
const lastCheckpointsSQL = `SELECT ` + sqlrow.CheckpointCols + ` FROM audit_checkpoints AS c
	WHERE c.seq = (SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = c.tenant_id) ORDER BY c.tenant_id`

// AuditHeads implements store.Reader.
func (r reads) AuditHeads(ctx context.Context) ([]audit.Head, error) {
	return list(ctx, r.q, "list audit heads", dialect.ScanAuditHead, auditHeadsSQL)
}

// Checkpoints implements store.Reader.
func (r reads) Checkpoints(ctx context.Context, tenantID string) ([]audit.Checkpoint, error) {
	return list(ctx, r.q, "list checkpoints", dialect.ScanCheckpoint,
		`SELECT `+sqlrow.CheckpointCols+` FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq`, tenantID)
}

// LastCheckpoints implements store.Reader.
func (r reads) LastCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	return list(ctx, r.q, "list last checkpoints", dialect.ScanCheckpoint, lastCheckpointsSQL)
}

// AddCheckpoint implements store.Tx.
func (t *txn) AddCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	const op = "add checkpoint"
	if err := valid.Checkpoint(c); err != nil {
		return wrap(op, err)
	}
	return t.insert(ctx, op, "a checkpoint of this seq exists", `INSERT INTO audit_checkpoints (`+sqlrow.CheckpointCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.TenantID, c.Seq, c.Hash, valid.Nanos(c.At), c.KeyID, c.Signature)
}
