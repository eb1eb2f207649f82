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

// Approvals run at the rate of people asking and voting, so they are
// plain queries. A write transaction holds the database's write lock from
// its start (BEGIN IMMEDIATE), so LockRequest is a plain read.

// Votes implements store.Reader.
func (r reads) Votes(ctx context.Context, requestID string) ([]store.Vote, error) {
	return list(ctx, r.querier(), "list votes", dialect.ScanVote,
		`SELECT `+sqlrow.VoteCols+` FROM approval_votes WHERE request_id = ? ORDER BY at, member_id`, requestID)
}

// PendingRequests implements store.Reader.
func (r reads) PendingRequests(ctx context.Context, tenantID string, limit int) ([]store.UnlockRequest, error) {
	const op = "list pending requests"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE tenant_id = ? AND status = 'pending'
		 ORDER BY updated_at DESC, id DESC LIMIT ?`, tenantID, limit)
}

// RequestsOfTenant implements store.Reader: one keyset page over
// unlock_requests_tenant_id.
func (r reads) RequestsOfTenant(ctx context.Context, tenantID string, f store.RequestFilter, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of tenant"
	now, err := valid.RequestFilter(tenantID, f, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE tenant_id = ?1 AND (?2 = '' OR id < ?2)
		 AND `+sqlrow.RequestStateCond("?3", "?4")+` ORDER BY id DESC LIMIT ?5`, tenantID, f.Before, f.State, now, limit)
}

// RequestsOfRequester implements store.Reader.
func (r reads) RequestsOfRequester(ctx context.Context, memberID string, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of requester"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE requested_by = ? AND requested_by <> ''
		 ORDER BY updated_at DESC, id DESC LIMIT ?`, memberID, limit)
}

// StartingRequests implements store.Reader.
func (r reads) StartingRequests(ctx context.Context, now time.Time, limit int) ([]store.UnlockRequest, error) {
	const op = "list starting requests"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE status = 'approved' AND grant_id = '' AND starts_at <= ?
		 ORDER BY starts_at, id LIMIT ?`, n, limit)
}

// AskRequest implements store.Tx. The transaction holds the write lock,
// so reading the pending request and then changing or inserting cannot
// interleave with a raise.
func (t *txn) AskRequest(ctx context.Context, q store.UnlockRequest) (store.UnlockRequest, error) {
	const op = "ask request"
	if err := valid.Ask(q); err != nil {
		return store.UnlockRequest{}, wrap(op, err)
	}
	now, expires := valid.Nanos(q.UpdatedAt), valid.Nanos(q.ExpiresAt)
	var acctTenant, acctApp string
	row := t.tx.QueryRowContext(ctx, `SELECT tenant_id, app_id FROM accounts WHERE id = ?`, q.AccountID)
	switch err := row.Scan(&acctTenant, &acctApp); {
	case errors.Is(err, sql.ErrNoRows):
		return store.UnlockRequest{}, invalid(op, "account %s does not exist", q.AccountID)
	case err != nil:
		return store.UnlockRequest{}, wrap(op, err)
	case acctTenant != q.TenantID || acctApp != q.AppID:
		return store.UnlockRequest{}, invalid(op, "account %s is not in application %s of tenant %s", q.AccountID, q.AppID, q.TenantID)
	}
	rule := string(q.Rule)
	cur, err := t.PendingRequest(ctx, q.AccountID)
	if err == nil && cur.Open(q.UpdatedAt) && cur.Kind == store.RequestSignin {
		// A sign-in request that approvers have voted on keeps its terms:
		// their votes (signed ones included) were for those. It is closed
		// as superseded, and the member's request starts with no votes.
		votes, verr := t.Votes(ctx, cur.ID)
		if verr != nil {
			return store.UnlockRequest{}, verr
		}
		if len(votes) > 0 {
			if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:superseded',
			decided_at = ? WHERE id = ?`, now, cur.ID); err != nil {
				return store.UnlockRequest{}, err
			}
			err = store.ErrNotFound
		}
	}
	switch {
	case err == nil && cur.Open(q.UpdatedAt):
		if cur.Kind != store.RequestSignin {
			return store.UnlockRequest{}, conflict(op, "the account already has pending request "+cur.ID)
		}
		if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET kind = ?, requested_by = ?, reason = ?, duration = ?,
			starts_at = ?, extends_grant = ?, policy_id = ?, rule = ?, updated_at = ?, expires_at = ? WHERE id = ?`,
			q.Kind, q.RequestedBy, q.Reason, int64(q.Duration), valid.Nanos(q.StartsAt), q.ExtendsGrant,
			q.PolicyID, rule, now, expires, cur.ID); err != nil {
			return store.UnlockRequest{}, err
		}
		return t.UnlockRequest(ctx, cur.ID)
	case err == nil:
		if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:expiry',
			decided_at = expires_at WHERE id = ?`, cur.ID); err != nil {
			return store.UnlockRequest{}, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, err
	}
	if _, err := t.exec(ctx, op, `INSERT INTO unlock_requests (`+sqlrow.RequestCols+`)
		VALUES (?, ?, ?, ?, 'pending', '', '', '', '', 0, ?, ?, ?, '', 0, '', ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.TenantID, q.AppID, q.AccountID, now, now, expires,
		q.Kind, q.RequestedBy, q.Reason, int64(q.Duration), valid.Nanos(q.StartsAt), q.ExtendsGrant, q.PolicyID, rule); err != nil {
		return store.UnlockRequest{}, err
	}
	return t.UnlockRequest(ctx, q.ID)
}

// LockRequest implements store.Tx: the write lock the transaction holds
// already keeps every other writer out.
func (t *txn) LockRequest(ctx context.Context, id string) (store.UnlockRequest, error) {
	return t.UnlockRequest(ctx, id)
}

// SetRequestRule implements store.Tx.
func (t *txn) SetRequestRule(ctx context.Context, id, policyID string, rule []byte) (bool, error) {
	const op = "set request rule"
	rows, err := t.exec(ctx, op, `UPDATE unlock_requests SET policy_id = ?, rule = ? WHERE id = ? AND rule = ''`, policyID, string(rule), id)
	return sqlrow.Applied(rows, err, func() error {
		_, err := t.UnlockRequest(ctx, id)
		return err
	})
}

// CastVote implements store.Tx.
func (t *txn) CastVote(ctx context.Context, v store.Vote) error {
	return dialect.CastVote(ctx, rowDB{t.tx}, "cast vote", v, `SELECT tenant_id FROM unlock_requests WHERE id = ?`,
		`INSERT INTO approval_votes (`+sqlrow.VoteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
}

// StartRequest implements store.Tx with one conditional UPDATE.
func (t *txn) StartRequest(ctx context.Context, id, grantID string) (bool, error) {
	const op = "start request"
	if grantID == "" {
		return false, invalid(op, "grant id is empty")
	}
	rows, err := t.exec(ctx, op, `UPDATE unlock_requests SET grant_id = ? WHERE id = ? AND status = 'approved' AND grant_id = ''`, grantID, id)
	return sqlrow.Applied(rows, err, func() error {
		_, err := t.UnlockRequest(ctx, id)
		return err
	})
}
