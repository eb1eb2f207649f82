package sqlrow

import (
	"context"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The portal's records whose SQL is the same on both databases: reading
// unlock requests and passkeys, deciding a request, and sessions, invites
// and the nonces of one-time links. They run at the rate of people using
// the portal and of locked checks, and the lock check caches none of them,
// so they are plain queries and announce nothing. Writing passkeys and
// deleting a member stay with each backend: they lock rows, or announce a
// change to the lock check's cache, each in its database's way.

// UnlockRequest implements store.Reader.
func (r Reads) UnlockRequest(ctx context.Context, id string) (store.UnlockRequest, error) {
	return One(ctx, r.D, r.Q, "get unlock request", r.D.ScanRequest, `SELECT `+RequestCols+` FROM unlock_requests WHERE id = $1`, id)
}

// PendingRequest implements store.Reader.
func (r Reads) PendingRequest(ctx context.Context, accountID string) (store.UnlockRequest, error) {
	return One(ctx, r.D, r.Q, "get pending request", r.D.ScanRequest,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE account_id = $1 AND status = 'pending'`, accountID)
}

// RequestsOfOwner implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r Reads) RequestsOfOwner(ctx context.Context, memberID string, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of owner"
	if err := r.D.Limit(op, limit); err != nil {
		return nil, err
	}
	return List(ctx, r.D, r.Q, op, r.D.ScanRequest,
		`SELECT `+Prefixed("q", RequestCols)+` FROM unlock_requests AS q JOIN accounts AS a ON a.id = q.account_id
		 WHERE a.owner_id = $1 ORDER BY q.updated_at DESC, q.id DESC LIMIT $2`, memberID, limit)
}

// ExpiredRequests implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r Reads) ExpiredRequests(ctx context.Context, now time.Time, limit int) ([]store.UnlockRequest, error) {
	const op = "list expired requests"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, r.D.Wrap(op, err)
	}
	return List(ctx, r.D, r.Q, op, r.D.ScanRequest,
		`SELECT `+RequestCols+` FROM unlock_requests WHERE status = 'pending' AND expires_at <= $1
		 ORDER BY expires_at, id LIMIT $2`, n, limit)
}

// Passkey implements store.Reader.
func (r Reads) Passkey(ctx context.Context, id string) (store.Passkey, error) {
	return One(ctx, r.D, r.Q, "get passkey", r.D.ScanPasskey, `SELECT `+PasskeyCols+` FROM passkeys WHERE id = $1`, id)
}

// Passkeys implements store.Reader.
func (r Reads) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	return List(ctx, r.D, r.Q, "list passkeys", r.D.ScanPasskey,
		`SELECT `+PasskeyCols+` FROM passkeys WHERE member_id = $1 ORDER BY created_at, id`, memberID)
}

// Session implements store.Reader.
func (r Reads) Session(ctx context.Context, id string) (store.Session, error) {
	return One(ctx, r.D, r.Q, "get session", r.D.ScanSession, `SELECT `+SessionCols+` FROM sessions WHERE id = $1`, id)
}

// Invite implements store.Reader.
func (r Reads) Invite(ctx context.Context, id string) (store.Invite, error) {
	return One(ctx, r.D, r.Q, "get invite", r.D.ScanInvite, `SELECT `+InviteCols+` FROM invites WHERE id = $1`, id)
}

// DecideRequest implements store.Tx with one conditional UPDATE.
func (w Writes) DecideRequest(ctx context.Context, id, status, by, grantID string, at time.Time) (bool, error) {
	return w.D.Decide(ctx, w.DB, "decide request", `UPDATE unlock_requests SET status = $1, decided_by = $2, decided_at = $3,
		grant_id = $4 WHERE id = $5 AND status = 'pending' AND expires_at %s $6`,
		`SELECT count(*) FROM unlock_requests WHERE id = $1`, id, status, by, at, grantID)
}

// RaiseRequest implements store.Tx. It reads the account with the
// dialect's Lock("NO KEY UPDATE"), so on PostgreSQL raises of one account from any
// number of nodes run one at a time and each then reads the pending
// request the one before left (SQLite's transaction holds the write lock
// already); the partial unique index would refuse a second pending request
// anyway.
func (w Writes) RaiseRequest(ctx context.Context, q store.UnlockRequest) (store.UnlockRequest, bool, error) {
	const op = "raise request"
	if err := valid.Request(q); err != nil {
		return store.UnlockRequest{}, false, w.D.Wrap(op, err)
	}
	now, expires := valid.Nanos(q.UpdatedAt), valid.Nanos(q.ExpiresAt)
	var tenant, app string
	switch err := w.DB.QueryRow(ctx, `SELECT tenant_id, app_id FROM accounts WHERE id = $1`+w.D.Lock("NO KEY UPDATE"), q.AccountID).Scan(&tenant, &app); {
	case errors.Is(err, w.D.NoRows):
		return store.UnlockRequest{}, false, w.D.Invalid(op, "account %s does not exist", q.AccountID)
	case err != nil:
		return store.UnlockRequest{}, false, w.D.Wrap(op, err)
	case tenant != q.TenantID || app != q.AppID:
		return store.UnlockRequest{}, false, w.D.Invalid(op, "account %s is not in application %s of tenant %s", q.AccountID, q.AppID, q.TenantID)
	}

	cur, err := w.D.ScanRequest(w.DB.QueryRow(ctx, `SELECT `+RequestCols+` FROM unlock_requests WHERE account_id = $1 AND status = 'pending'`, q.AccountID))
	switch err = w.D.Wrap("get pending request", err); {
	case err == nil && cur.Open(q.UpdatedAt):
		got, err := w.D.ScanRequest(w.DB.QueryRow(ctx, `UPDATE unlock_requests SET ip = $1, device = $2, location = $3,
			integration_type = $4, checks = checks + 1, updated_at = $5, expires_at = CASE WHEN expires_at > $6 THEN expires_at ELSE $6 END
			WHERE id = $7 RETURNING `+RequestCols, q.IP, q.Device, q.Location, q.IntegrationType, now, expires, cur.ID))
		return got, false, w.D.Wrap(op, err)
	case err == nil:
		// Run out without anyone marking it: mark it now.
		if _, err := w.DB.Exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:expiry',
			decided_at = expires_at WHERE id = $1`, cur.ID); err != nil {
			return store.UnlockRequest{}, false, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, false, err
	}
	got, err := w.D.ScanRequest(w.DB.QueryRow(ctx, `INSERT INTO unlock_requests (`+RaisedCols+`)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, 1, $9, $9, $10, '', 0, '') RETURNING `+RequestCols,
		q.ID, q.TenantID, q.AppID, q.AccountID, q.IP, q.Device, q.Location, q.IntegrationType, now, expires))
	return got, err == nil, w.D.Wrap(op, err)
}

// CreatePasskey implements store.Tx. (PostgreSQL's txn wraps it, to
// announce the member's change to the lock check's cache.)
func (w Writes) CreatePasskey(ctx context.Context, p store.Passkey) error {
	return w.D.Put(ctx, w.DB, "create passkey", valid.Passkey(p), valid.Conflict("passkeys", nil),
		`INSERT INTO passkeys (`+PasskeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.TenantID, p.MemberID, p.Name, p.Credential, valid.Nanos(p.CreatedAt), valid.Nanos(p.LastUsedAt))
}

// CreateSession implements store.Tx. A session never seen yet is seen
// when it is created.
func (w Writes) CreateSession(ctx context.Context, s store.Session) error {
	created, seen := valid.Nanos(s.CreatedAt), valid.Nanos(s.SeenAt)
	if seen == 0 {
		seen = created
	}
	return w.D.Put(ctx, w.DB, "create session", valid.Session(s), valid.Conflict("sessions", nil),
		`INSERT INTO sessions (`+SessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.ID, s.TenantID, s.MemberID, created, seen, valid.Nanos(s.ExpiresAt), s.IP, s.UserAgent)
}

// TouchSession implements store.Tx; SeenAt never moves back.
func (w Writes) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "touch session"
	n, err := valid.Stamp("session id", id, "seen at", at)
	return w.D.Change(ctx, w.DB, op, err,
		`UPDATE sessions SET seen_at = CASE WHEN seen_at > $1 THEN seen_at ELSE $1 END WHERE id = $2`, n, id)
}

// DeleteSession implements store.Tx.
func (w Writes) DeleteSession(ctx context.Context, id string) error {
	_, err := w.DB.Exec(ctx, "delete session", `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// DeleteSessions implements store.Tx.
func (w Writes) DeleteSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	const op = "delete sessions"
	n, idle, err := valid.SessionSweep(now, idleSince)
	if err != nil {
		return 0, w.D.Wrap(op, err)
	}
	return Changed(w.DB.Exec(ctx, op, `DELETE FROM sessions WHERE expires_at <= $1 OR seen_at < $2`, n, idle))
}

// DeleteMemberSessions implements store.Tx.
func (w Writes) DeleteMemberSessions(ctx context.Context, memberID, keep string) (int, error) {
	return Changed(w.DB.Exec(ctx, "delete member sessions", `DELETE FROM sessions WHERE member_id = $1 AND id <> $2`, memberID, keep))
}

// CreateInvite implements store.Tx.
func (w Writes) CreateInvite(ctx context.Context, inv store.Invite) error {
	return w.D.Put(ctx, w.DB, "create invite", valid.Invite(inv), valid.Conflict("invites", nil),
		`INSERT INTO invites (`+InviteCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		inv.ID, inv.TenantID, inv.MemberID, inv.CreatedBy, valid.Nanos(inv.CreatedAt), valid.Nanos(inv.ExpiresAt), valid.Nanos(inv.UsedAt))
}

// UseInvite implements store.Tx with one conditional UPDATE.
func (w Writes) UseInvite(ctx context.Context, id string, at time.Time) (bool, error) {
	const op = "use invite"
	n, err := valid.Stamp("invite id", id, "used at", at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `UPDATE invites SET used_at = $1 WHERE id = $2 AND used_at = 0 AND expires_at > $1`, n, id)
	return Applied(rows, err, func() error {
		_, err := w.D.ScanInvite(w.DB.QueryRow(ctx, `SELECT `+InviteCols+` FROM invites WHERE id = $1`, id))
		return w.D.Wrap("get invite", err)
	})
}

// DeleteMemberInvites implements store.Tx.
func (w Writes) DeleteMemberInvites(ctx context.Context, memberID, keep string) (int, error) {
	return Changed(w.DB.Exec(ctx, "delete member invites", `DELETE FROM invites WHERE member_id = $1 AND id <> $2`, memberID, keep))
}

// UseNonce implements store.Tx: the primary key makes the insert the
// whole test, and it reports whether key was new. On PostgreSQL a
// concurrent insert of the same key waits for the first and then does
// nothing.
func (w Writes) UseNonce(ctx context.Context, key string, expires, at time.Time) (bool, error) {
	const op = "use nonce"
	exp, err := valid.Nonce(key, expires, at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, exp)
	return rows == 1, err
}

// PurgeNonces implements store.Tx.
func (w Writes) PurgeNonces(ctx context.Context, now time.Time) (int, error) {
	const op = "purge nonces"
	n, err := valid.Now(now)
	if err != nil {
		return 0, w.D.Wrap(op, err)
	}
	return Changed(w.DB.Exec(ctx, op, `DELETE FROM nonces WHERE expires_at <= $1`, n))
}
