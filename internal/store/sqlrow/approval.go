package sqlrow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The writes of approval requests (unlock requests and operation
// requests) that both backends share; each passes its own SQL text.

// Decide moves a pending request to status at time at with update, run on
// db: a
// conditional UPDATE whose arguments are status, by, the time, then set
// (more columns, as update names them), the request's id and the time
// again, which update compares with expires_at where it has %s: a request
// is decided while it is open and expired once it is not. It reports
// whether the request moved; when it did not, exists says whether the
// request is there at all (Exists). See store.Tx's DecideRequest.
func (d *Dialect) Decide(ctx context.Context, db DB, op, update, exists, id, status, by string, at time.Time, set ...any) (bool, error) {
	n, err := valid.Decision(id, status, by, at)
	if err != nil {
		return false, d.Wrap(op, err)
	}
	cmp := ">"
	if status == store.RequestExpired {
		cmp = "<="
	}
	args := append(append([]any{status, by, n}, set...), id, n)
	rows, err := db.Exec(ctx, op, fmt.Sprintf(update, cmp), args...)
	return Applied(rows, err, func() error { return d.Exists(ctx, db, op, exists, id) })
}

// CastVote stores v with db, as a vote on a request of the kind the SQL
// names: tenantOf reads the tenant_id of the request whose id is its one
// argument, and insert inserts a vote's VoteCols, in order. A vote on a
// request that does not exist, or is in another tenant, is store.ErrInvalid.
func (d *Dialect) CastVote(ctx context.Context, db DB, op string, v store.Vote, tenantOf, insert string) error {
	if err := valid.Vote(v); err != nil {
		return d.Wrap(op, err)
	}
	var tenant string
	switch err := db.QueryRow(ctx, tenantOf, v.RequestID).Scan(&tenant); {
	case errors.Is(err, d.NoRows):
		return d.Invalid(op, "request %s does not exist", v.RequestID)
	case err != nil:
		return d.Wrap(op, err)
	case tenant != v.TenantID:
		return d.Invalid(op, "request %s is not in tenant %s", v.RequestID, v.TenantID)
	}
	return db.Insert(ctx, op, "member "+v.MemberID+" has voted on request "+v.RequestID+" already", insert,
		v.RequestID, v.TenantID, v.MemberID, v.Decision, v.Channel, v.Actor, v.Comment, v.Evidence, valid.Nanos(v.At))
}

// Approvals run at the rate of people asking and voting, so they are
// plain queries. Votes on one request are counted one transaction at a
// time: LockRequest takes the request's row lock (FOR UPDATE), which every
// other voter's LockRequest waits for, on any node; on a database without
// row locks the write transaction holds the whole database already.

// Votes implements store.Reader.
func (r Reads) Votes(ctx context.Context, requestID string) ([]store.Vote, error) {
	return List(ctx, r.D, r.Q, "list votes", r.D.ScanVote,
		`SELECT `+VoteCols+` FROM approval_votes WHERE request_id = $1 ORDER BY at, member_id`, requestID)
}

// PendingRequests implements store.Reader.
func (r Reads) PendingRequests(ctx context.Context, tenantID string, limit int) ([]store.UnlockRequest, error) {
	return ListUpTo(ctx, r.D, r.Q, "list pending requests", r.D.ScanRequest, limit,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE tenant_id = $1 AND status = 'pending'
		 ORDER BY updated_at DESC, id DESC LIMIT $2`, tenantID)
}

// RequestsOfTenant implements store.Reader: one keyset page over
// unlock_requests_tenant_id.
func (r Reads) RequestsOfTenant(ctx context.Context, tenantID string, f store.RequestFilter, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of tenant"
	now, err := valid.RequestFilter(tenantID, f, limit)
	if err != nil {
		return nil, r.D.Wrap(op, err)
	}
	return List(ctx, r.D, r.Q, op, r.D.ScanRequest,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE tenant_id = $1 AND ($2 = '' OR id < $2)
		 AND `+RequestStateCond("$3", "$4")+` ORDER BY id DESC LIMIT $5`, tenantID, f.Before, f.State, now, limit)
}

// RequestsOfRequester implements store.Reader.
func (r Reads) RequestsOfRequester(ctx context.Context, memberID string, limit int) ([]store.UnlockRequest, error) {
	return ListUpTo(ctx, r.D, r.Q, "list requests of requester", r.D.ScanRequest, limit,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE requested_by = $1 AND requested_by <> ''
		 ORDER BY updated_at DESC, id DESC LIMIT $2`, memberID)
}

// StartingRequests implements store.Reader.
func (r Reads) StartingRequests(ctx context.Context, now time.Time, limit int) ([]store.UnlockRequest, error) {
	return ListDue(ctx, r.D, r.Q, "list starting requests", r.D.ScanRequest, now, limit,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE status = 'approved' AND grant_id = '' AND starts_at <= $1
		 ORDER BY starts_at, id LIMIT $2`)
}

// reads are the transaction's reads, for the writes that read first.
func (w Writes) reads() Reads { return Reads{D: w.D, Q: w.DB} }

// AskRequest implements store.Tx. It locks the account's row first (Lock),
// as a raise does, so an ask and a raise of one account take turns.
func (w Writes) AskRequest(ctx context.Context, q store.UnlockRequest) (store.UnlockRequest, error) {
	const op = "ask request"
	if err := valid.Ask(q); err != nil {
		return store.UnlockRequest{}, w.D.Wrap(op, err)
	}
	now, expires := valid.Nanos(q.UpdatedAt), valid.Nanos(q.ExpiresAt)
	var tenant, app string
	err := w.DB.QueryRow(ctx, `SELECT tenant_id, app_id FROM accounts WHERE id = $1`+w.D.Lock("NO KEY UPDATE"),
		q.AccountID).Scan(&tenant, &app)
	switch {
	case errors.Is(err, w.D.NoRows):
		return store.UnlockRequest{}, w.D.Invalid(op, "account %s does not exist", q.AccountID)
	case err != nil:
		return store.UnlockRequest{}, w.D.Wrap(op, err)
	case tenant != q.TenantID || app != q.AppID:
		return store.UnlockRequest{}, w.D.Invalid(op, "account %s is not in application %s of tenant %s", q.AccountID, q.AppID, q.TenantID)
	}
	rule := string(q.Rule)
	cur, err := w.reads().PendingRequest(ctx, q.AccountID)
	if err == nil && cur.Open(q.UpdatedAt) && cur.Kind == store.RequestSignin {
		// A sign-in request that approvers have voted on keeps its terms:
		// their votes (signed ones included) were for those. It is closed
		// as superseded, and the member's request starts with no votes.
		votes, verr := w.reads().Votes(ctx, cur.ID)
		if verr != nil {
			return store.UnlockRequest{}, verr
		}
		if len(votes) > 0 {
			if _, err := w.DB.Exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:superseded',
			decided_at = $1 WHERE id = $2`, now, cur.ID); err != nil {
				return store.UnlockRequest{}, err
			}
			err = store.ErrNotFound
		}
	}
	switch {
	case err == nil && cur.Open(q.UpdatedAt):
		if cur.Kind != store.RequestSignin {
			return store.UnlockRequest{}, w.D.Conflict(op, "the account already has pending request "+cur.ID)
		}
		return One(ctx, w.D, w.DB, op, w.D.ScanRequest, `UPDATE unlock_requests SET kind = $1, requested_by = $2, reason = $3,
			duration = $4, starts_at = $5, extends_grant = $6, policy_id = $7, rule = $8, updated_at = $9, expires_at = $10
			WHERE id = $11 RETURNING `+RequestCols,
			q.Kind, q.RequestedBy, q.Reason, int64(q.Duration), valid.Nanos(q.StartsAt), q.ExtendsGrant,
			q.PolicyID, rule, now, expires, cur.ID)
	case err == nil:
		if _, err := w.DB.Exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:expiry',
			decided_at = expires_at WHERE id = $1`, cur.ID); err != nil {
			return store.UnlockRequest{}, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, err
	}
	return One(ctx, w.D, w.DB, op, w.D.ScanRequest, `INSERT INTO unlock_requests (`+RequestCols+`)
		VALUES ($1, $2, $3, $4, 'pending', '', '', '', '', 0, $5, $5, $6, '', 0, '', $7, $8, $9, $10, $11, $12, $13, $14)
		RETURNING `+RequestCols,
		q.ID, q.TenantID, q.AppID, q.AccountID, now, expires,
		q.Kind, q.RequestedBy, q.Reason, int64(q.Duration), valid.Nanos(q.StartsAt), q.ExtendsGrant, q.PolicyID, rule)
}

// LockRequest implements store.Tx with SELECT … FOR UPDATE (Lock).
func (w Writes) LockRequest(ctx context.Context, id string) (store.UnlockRequest, error) {
	return One(ctx, w.D, w.DB, "lock request", w.D.ScanRequest,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE id = $1`+w.D.Lock("UPDATE"), id)
}

// SetRequestRule implements store.Tx.
func (w Writes) SetRequestRule(ctx context.Context, id, policyID string, rule []byte) (bool, error) {
	const op = "set request rule"
	rows, err := w.DB.Exec(ctx, op, `UPDATE unlock_requests SET policy_id = $1, rule = $2 WHERE id = $3 AND rule = ''`, policyID, string(rule), id)
	return Applied(rows, err, func() error {
		_, err := w.reads().UnlockRequest(ctx, id)
		return err
	})
}

// CastVote implements store.Tx.
func (w Writes) CastVote(ctx context.Context, v store.Vote) error {
	return w.D.CastVote(ctx, w.DB, "cast vote", v, `SELECT tenant_id FROM unlock_requests WHERE id = $1`,
		`INSERT INTO approval_votes (`+VoteCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`)
}

// StartRequest implements store.Tx with one conditional UPDATE.
func (w Writes) StartRequest(ctx context.Context, id, grantID string) (bool, error) {
	const op = "start request"
	if grantID == "" {
		return false, w.D.Invalid(op, "grant id is empty")
	}
	rows, err := w.DB.Exec(ctx, op, `UPDATE unlock_requests SET grant_id = $1 WHERE id = $2 AND status = 'approved' AND grant_id = ''`, grantID, id)
	return Applied(rows, err, func() error {
		_, err := w.reads().UnlockRequest(ctx, id)
		return err
	})
}
