package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
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
const lastCheckpointsSQL = `SELECT ` + CheckpointCols + ` FROM audit_checkpoints AS c
	WHERE c.seq = (SELECT max(seq) FROM audit_checkpoints WHERE tenant_id = c.tenant_id) ORDER BY c.tenant_id`

// AuditHeads implements store.Reader.
func (r Reads) AuditHeads(ctx context.Context) ([]audit.Head, error) {
	return List(ctx, r.D, r.Q, "list audit heads", r.D.ScanAuditHead, auditHeadsSQL)
}

// Checkpoints implements store.Reader.
func (r Reads) Checkpoints(ctx context.Context, tenantID string) ([]audit.Checkpoint, error) {
	return List(ctx, r.D, r.Q, "list checkpoints", r.D.ScanCheckpoint,
		`SELECT `+CheckpointCols+` FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY seq`, tenantID)
}

// LastCheckpoints implements store.Reader.
func (r Reads) LastCheckpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	return List(ctx, r.D, r.Q, "list last checkpoints", r.D.ScanCheckpoint, lastCheckpointsSQL)
}

// AddCheckpoint implements store.Tx.
func (w Writes) AddCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	return w.D.Put(ctx, w.DB, "add checkpoint", valid.Checkpoint(c), "a checkpoint of this seq exists",
		`INSERT INTO audit_checkpoints (`+CheckpointCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.TenantID, c.Seq, c.Hash, valid.Nanos(c.At), c.KeyID, c.Signature)
}
