package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Approval requests for operations run at the rate of applications asking
// and people voting: plain queries. A write transaction holds the write
// lock from its start, so LockOperation is a plain read.

// Operation implements store.Reader.
func (r reads) Operation(ctx context.Context, tenantID, id string) (store.Operation, error) {
	return one(ctx, r.querier(), "get operation request", dialect.ScanOperation,
		`SELECT `+sqlrow.OperationCols+` FROM operation_requests WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// PendingOperations implements store.Reader.
func (r reads) PendingOperations(ctx context.Context, tenantID string, limit int) ([]store.Operation, error) {
	const op = "list pending operation requests"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.querier(), op, dialect.ScanOperation,
		`SELECT `+sqlrow.OperationCols+` FROM operation_requests WHERE tenant_id = ? AND status = 'pending'
		 ORDER BY created_at DESC, id DESC LIMIT ?`, tenantID, limit)
}

// ExpiredOperations implements store.Reader.
func (r reads) ExpiredOperations(ctx context.Context, now time.Time, limit int) ([]store.Operation, error) {
	const op = "list expired operation requests"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.querier(), op, dialect.ScanOperation,
		`SELECT `+sqlrow.OperationCols+` FROM operation_requests WHERE status = 'pending' AND expires_at <= ?
		 ORDER BY expires_at, id LIMIT ?`, n, limit)
}

// OperationVotes implements store.Reader.
func (r reads) OperationVotes(ctx context.Context, requestID string) ([]store.Vote, error) {
	return list(ctx, r.querier(), "list operation votes", dialect.ScanVote,
		`SELECT `+sqlrow.VoteCols+` FROM operation_votes WHERE request_id = ? ORDER BY at, member_id`, requestID)
}

// CreateOperation implements store.Tx.
func (t *txn) CreateOperation(ctx context.Context, o store.Operation) error {
	const op = "create operation request"
	if err := valid.Operation(o); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO operation_requests (`+sqlrow.OperationCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', '', ?, ?, 0)`,
		o.ID, o.TenantID, o.AppID, o.Subject, o.RequesterID, o.TemplateID, o.TemplateKey, o.Title, o.Text,
		sqlrow.MetaDataText(o.MetaData), o.Mode, sqlrow.IDListText(o.Approvers), o.Approvals, o.DenyOn,
		valid.Nanos(o.CreatedAt), valid.Nanos(o.ExpiresAt))
	return err
}

// LockOperation implements store.Tx.
func (t *txn) LockOperation(ctx context.Context, tenantID, id string) (store.Operation, error) {
	return t.Operation(ctx, tenantID, id)
}

// CastOperationVote implements store.Tx.
func (t *txn) CastOperationVote(ctx context.Context, v store.Vote) error {
	return dialect.CastVote(ctx, rowDB{t.tx}, "cast operation vote", v, `SELECT tenant_id FROM operation_requests WHERE id = ?`,
		`INSERT INTO operation_votes (`+sqlrow.VoteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
}

// DecideOperation implements store.Tx with one conditional UPDATE.
func (t *txn) DecideOperation(ctx context.Context, id, status, by string, at time.Time) (bool, error) {
	return dialect.Decide(ctx, rowDB{t.tx}, "decide operation request", `UPDATE operation_requests SET status = ?, decided_by = ?,
		decided_at = ? WHERE id = ? AND status = 'pending' AND expires_at %s ?`,
		`SELECT count(*) FROM operation_requests WHERE id = ?`, id, status, by, at)
}
