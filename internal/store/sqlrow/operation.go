package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Approval requests for operations run at the rate of applications asking
// and people voting: plain queries; LockOperation takes a row lock where
// the database has them.

// Operation implements store.Reader.
func (r Reads) Operation(ctx context.Context, tenantID, id string) (store.Operation, error) {
	return One(ctx, r.D, r.Q, "get operation request", r.D.ScanOperation,
		`SELECT `+OperationCols+` FROM operation_requests WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// PendingOperations implements store.Reader.
func (r Reads) PendingOperations(ctx context.Context, tenantID string, limit int) ([]store.Operation, error) {
	return ListUpTo(ctx, r.D, r.Q, "list pending operation requests", r.D.ScanOperation, limit,
		`SELECT `+OperationCols+` FROM operation_requests WHERE tenant_id = $1 AND status = 'pending'
		 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID)
}

// ExpiredOperations implements store.Reader.
func (r Reads) ExpiredOperations(ctx context.Context, now time.Time, limit int) ([]store.Operation, error) {
	return ListDue(ctx, r.D, r.Q, "list expired operation requests", r.D.ScanOperation, now, limit,
		`SELECT `+OperationCols+` FROM operation_requests WHERE status = 'pending' AND expires_at <= $1
		 ORDER BY expires_at, id LIMIT $2`)
}

// OperationVotes implements store.Reader.
func (r Reads) OperationVotes(ctx context.Context, requestID string) ([]store.Vote, error) {
	return List(ctx, r.D, r.Q, "list operation votes", r.D.ScanVote,
		`SELECT `+VoteCols+` FROM operation_votes WHERE request_id = $1 ORDER BY at, member_id`, requestID)
}

// CreateOperation implements store.Tx.
func (w Writes) CreateOperation(ctx context.Context, o store.Operation) error {
	const op = "create operation request"
	if err := valid.Operation(o); err != nil {
		return w.D.Wrap(op, err)
	}
	_, err := w.DB.Exec(ctx, op, `INSERT INTO operation_requests (`+OperationCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'pending', '', $15, $16, 0)`,
		o.ID, o.TenantID, o.AppID, o.Subject, o.RequesterID, o.TemplateID, o.TemplateKey, o.Title, o.Text,
		MetaDataText(o.MetaData), o.Mode, IDListText(o.Approvers), o.Approvals, o.DenyOn,
		valid.Nanos(o.CreatedAt), valid.Nanos(o.ExpiresAt))
	return err
}

// LockOperation implements store.Tx with SELECT … FOR UPDATE (Lock).
func (w Writes) LockOperation(ctx context.Context, tenantID, id string) (store.Operation, error) {
	return One(ctx, w.D, w.DB, "lock operation request", w.D.ScanOperation,
		`SELECT `+OperationCols+` FROM operation_requests WHERE tenant_id = $1 AND id = $2`+w.D.Lock("UPDATE"), tenantID, id)
}

// CastOperationVote implements store.Tx.
func (w Writes) CastOperationVote(ctx context.Context, v store.Vote) error {
	return w.D.CastVote(ctx, w.DB, "cast operation vote", v, `SELECT tenant_id FROM operation_requests WHERE id = $1`,
		`INSERT INTO operation_votes (`+VoteCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`)
}

// DecideOperation implements store.Tx.
func (w Writes) DecideOperation(ctx context.Context, id, status, by string, at time.Time) (bool, error) {
	return w.D.Decide(ctx, w.DB, "decide operation request", `UPDATE operation_requests SET status = $1, decided_by = $2,
		decided_at = $3 WHERE id = $4 AND status = 'pending' AND expires_at %s $5`,
		`SELECT count(*) FROM operation_requests WHERE id = $1`, id, status, by, at)
}
