package sqlite

import (
	"context"
	"database/sql"
	"errors"
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
	const op = "cast operation vote"
	if err := valid.Vote(v); err != nil {
		return wrap(op, err)
	}
	var tenant string
	switch err := t.tx.QueryRowContext(ctx, `SELECT tenant_id FROM operation_requests WHERE id = ?`, v.RequestID).Scan(&tenant); {
	case errors.Is(err, sql.ErrNoRows):
		return invalid(op, "request %s does not exist", v.RequestID)
	case err != nil:
		return wrap(op, err)
	case tenant != v.TenantID:
		return invalid(op, "request %s is not in tenant %s", v.RequestID, v.TenantID)
	}
	_, err := t.exec(ctx, op, `INSERT INTO operation_votes (`+sqlrow.VoteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.RequestID, v.TenantID, v.MemberID, v.Decision, v.Channel, v.Actor, v.Comment, v.Evidence, valid.Nanos(v.At))
	return err
}

// DecideOperation implements store.Tx with one conditional UPDATE.
func (t *txn) DecideOperation(ctx context.Context, id, status, by string, at time.Time) (bool, error) {
	const op = "decide operation request"
	n, err := valid.Decision(id, status, by, at)
	if err != nil {
		return false, wrap(op, err)
	}
	cond := `expires_at > ?`
	if status == store.RequestExpired {
		cond = `expires_at <= ?`
	}
	rows, err := t.exec(ctx, op, `UPDATE operation_requests SET status = ?, decided_by = ?, decided_at = ?
		WHERE id = ? AND status = 'pending' AND `+cond, status, by, n, id, n)
	return sqlrow.Applied(rows, err, func() error {
		n, err := t.count(ctx, op, `SELECT count(*) FROM operation_requests WHERE id = ?`, id)
		if err == nil && n == 0 {
			return notFound(op)
		}
		return err
	})
}
