package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Unlock requests, passkeys, sessions, invites and nonces: the portal's
// records. None of them is cached by the lock check, so none is announced.

// UnlockRequest implements store.Reader.
func (r reads) UnlockRequest(ctx context.Context, id string) (store.UnlockRequest, error) {
	return one(ctx, r.q, "get unlock request", dialect.ScanRequest, `SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE id = $1`, id)
}

// PendingRequest implements store.Reader.
func (r reads) PendingRequest(ctx context.Context, accountID string) (store.UnlockRequest, error) {
	return one(ctx, r.q, "get pending request", dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE account_id = $1 AND status = 'pending'`, accountID)
}

// RequestsOfOwner implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) RequestsOfOwner(ctx context.Context, memberID string, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of owner"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.q, op, dialect.ScanRequest,
		`SELECT `+sqlrow.Prefixed("q", sqlrow.RequestCols)+` FROM unlock_requests q JOIN accounts a ON a.id = q.account_id
		 WHERE a.owner_id = $1 ORDER BY q.updated_at DESC, q.id DESC LIMIT $2`, memberID, limit)
}

// ExpiredRequests implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) ExpiredRequests(ctx context.Context, now time.Time, limit int) ([]store.UnlockRequest, error) {
	const op = "list expired requests"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE status = 'pending' AND expires_at <= $1
		 ORDER BY expires_at, id LIMIT $2`, n, limit)
}

// Passkey implements store.Reader.
func (r reads) Passkey(ctx context.Context, id string) (store.Passkey, error) {
	return one(ctx, r.q, "get passkey", dialect.ScanPasskey, `SELECT `+sqlrow.PasskeyCols+` FROM passkeys WHERE id = $1`, id)
}

// Passkeys implements store.Reader.
func (r reads) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	return list(ctx, r.q, "list passkeys", dialect.ScanPasskey,
		`SELECT `+sqlrow.PasskeyCols+` FROM passkeys WHERE member_id = $1 ORDER BY created_at, id`, memberID)
}

// Session implements store.Reader.
func (r reads) Session(ctx context.Context, id string) (store.Session, error) {
	return one(ctx, r.q, "get session", dialect.ScanSession, `SELECT `+sqlrow.SessionCols+` FROM sessions WHERE id = $1`, id)
}

// Invite implements store.Reader.
func (r reads) Invite(ctx context.Context, id string) (store.Invite, error) {
	return one(ctx, r.q, "get invite", dialect.ScanInvite, `SELECT `+sqlrow.InviteCols+` FROM invites WHERE id = $1`, id)
}

// RaiseRequest implements store.Tx. It locks the account's row first, so
// raises of one account from any number of nodes run one at a time, and
// each then reads the pending request the one before left; the partial
// unique index would refuse a second pending request anyway.
func (t *txn) RaiseRequest(ctx context.Context, q store.UnlockRequest) (store.UnlockRequest, bool, error) {
	const op = "raise request"
	if err := valid.Request(q); err != nil {
		return store.UnlockRequest{}, false, wrap(op, err)
	}
	now, expires := valid.Nanos(q.UpdatedAt), valid.Nanos(q.ExpiresAt)
	ref, err := t.lockAccount(ctx, q.AccountID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, false, invalid(op, "account %s does not exist", q.AccountID)
	case err != nil:
		return store.UnlockRequest{}, false, wrap(op, err)
	case ref.tenant != q.TenantID || ref.app != q.AppID:
		return store.UnlockRequest{}, false, invalid(op, "account %s is not in application %s of tenant %s", q.AccountID, q.AppID, q.TenantID)
	}

	cur, err := t.PendingRequest(ctx, q.AccountID)
	switch {
	case err == nil && cur.Open(q.UpdatedAt):
		got, err := one(ctx, t.q, op, dialect.ScanRequest, `UPDATE unlock_requests SET ip = $1, device = $2, location = $3,
			integration_type = $4, checks = checks + 1, updated_at = $5, expires_at = GREATEST(expires_at, $6) WHERE id = $7 RETURNING `+sqlrow.RequestCols,
			q.IP, q.Device, q.Location, q.IntegrationType, now, expires, cur.ID)
		return got, false, err
	case err == nil:
		// Run out without anyone marking it: mark it now.
		if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:expiry',
			decided_at = expires_at WHERE id = $1`, cur.ID); err != nil {
			return store.UnlockRequest{}, false, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, false, err
	}
	got, err := one(ctx, t.q, op, dialect.ScanRequest, `INSERT INTO unlock_requests (`+sqlrow.RaisedCols+`)
		VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, 1, $9, $9, $10, '', 0, '') RETURNING `+sqlrow.RequestCols,
		q.ID, q.TenantID, q.AppID, q.AccountID, q.IP, q.Device, q.Location, q.IntegrationType, now, expires)
	return got, err == nil, err
}

// DecideRequest implements store.Tx with one conditional UPDATE.
func (t *txn) DecideRequest(ctx context.Context, id, status, by, grantID string, at time.Time) (bool, error) {
	return dialect.Decide(ctx, rowDB{t.tx}, "decide request", `UPDATE unlock_requests SET status = $1, decided_by = $2, decided_at = $3,
		grant_id = $4 WHERE id = $5 AND status = 'pending' AND expires_at %s $6`,
		`SELECT count(*) FROM unlock_requests WHERE id = $1`, id, status, by, at, grantID)
}

// CreatePasskey implements store.Tx.
func (t *txn) CreatePasskey(ctx context.Context, p store.Passkey) error {
	const op = "create passkey"
	if err := valid.Passkey(p); err != nil {
		return wrap(op, err)
	}
	err := t.insert(ctx, op, valid.Conflict("passkeys", nil),
		`INSERT INTO passkeys (`+sqlrow.PasskeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.TenantID, p.MemberID, p.Name, p.Credential, valid.Nanos(p.CreatedAt), valid.Nanos(p.LastUsedAt))
	if err == nil {
		// The member may now approve unlock requests.
		t.changed(cache.Event{Kind: cache.Member, MemberID: p.MemberID})
	}
	return err
}

// UpdatePasskey implements store.Tx.
func (t *txn) UpdatePasskey(ctx context.Context, p store.Passkey) error {
	const op = "update passkey"
	if err := valid.PasskeyUpdate(p); err != nil {
		return wrap(op, err)
	}
	var member string
	err := t.tx.QueryRow(ctx, `UPDATE passkeys SET name = $1, credential = $2, last_used_at = $3 WHERE id = $4 RETURNING member_id`,
		p.Name, p.Credential, valid.Nanos(p.LastUsedAt), p.ID).Scan(&member)
	if err != nil {
		return wrap(op, err)
	}
	t.changed(cache.Event{Kind: cache.Member, MemberID: member})
	return nil
}

// DeletePasskey implements store.Tx. It locks the member's row first, so
// that of two concurrent deletes of a member's last two passkeys the second
// sees the first's and refuses.
func (t *txn) DeletePasskey(ctx context.Context, id string) error {
	const op = "delete passkey"
	var member string
	err := t.tx.QueryRow(ctx, `SELECT m.id FROM passkeys p JOIN members m ON m.id = p.member_id
		WHERE p.id = $1 FOR NO KEY UPDATE OF m`, id).Scan(&member)
	if err != nil {
		return wrap(op, err)
	}
	n, err := t.exec(ctx, op, `DELETE FROM passkeys WHERE id = $1 AND EXISTS (
		SELECT 1 FROM passkeys o WHERE o.member_id = $2 AND o.id <> $1)`, id, member)
	if err != nil {
		return err
	}
	if n == 0 {
		return invalid(op, "passkey %s is its member's last one", id)
	}
	t.changed(cache.Event{Kind: cache.Member, MemberID: member})
	return nil
}

// CreateSession implements store.Tx.
func (t *txn) CreateSession(ctx context.Context, s store.Session) error {
	return dialect.CreateSession(ctx, rowDB{t.tx}, `INSERT INTO sessions (`+sqlrow.SessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s)
}

// TouchSession implements store.Tx; SeenAt never moves back.
func (t *txn) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "touch session"
	n, err := valid.Stamp("session id", id, "seen at", at)
	if err != nil {
		return wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `UPDATE sessions SET seen_at = GREATEST(seen_at, $1) WHERE id = $2`, n, id)
	return found(op, rows, err)
}

// DeleteSession implements store.Tx.
func (t *txn) DeleteSession(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete session", `DELETE FROM sessions WHERE id = $1`, id)
	return err
}

// DeleteSessions implements store.Tx.
func (t *txn) DeleteSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	return dialect.DeleteSessions(ctx, rowDB{t.tx}, `DELETE FROM sessions WHERE expires_at <= $1 OR seen_at < $2`, now, idleSince)
}

// CreateInvite implements store.Tx.
func (t *txn) CreateInvite(ctx context.Context, inv store.Invite) error {
	const op = "create invite"
	if err := valid.Invite(inv); err != nil {
		return wrap(op, err)
	}
	return t.insert(ctx, op, valid.Conflict("invites", nil),
		`INSERT INTO invites (`+sqlrow.InviteCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		inv.ID, inv.TenantID, inv.MemberID, inv.CreatedBy, valid.Nanos(inv.CreatedAt), valid.Nanos(inv.ExpiresAt), valid.Nanos(inv.UsedAt))
}

// UseInvite implements store.Tx with one conditional UPDATE.
func (t *txn) UseInvite(ctx context.Context, id string, at time.Time) (bool, error) {
	const op = "use invite"
	n, err := valid.Stamp("invite id", id, "used at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `UPDATE invites SET used_at = $1 WHERE id = $2 AND used_at = 0 AND expires_at > $1`, n, id)
	return sqlrow.Applied(rows, err, func() error {
		_, err := t.Invite(ctx, id)
		return err
	})
}

// UseNonce implements store.Tx. A concurrent insert of the same key waits for
// the first and then does nothing.
func (t *txn) UseNonce(ctx context.Context, key string, expires, at time.Time) (bool, error) {
	return dialect.UseNonce(ctx, rowDB{t.tx}, `INSERT INTO nonces (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, expires, at)
}

// PurgeNonces implements store.Tx.
func (t *txn) PurgeNonces(ctx context.Context, now time.Time) (int, error) {
	return dialect.PurgeNonces(ctx, rowDB{t.tx}, `DELETE FROM nonces WHERE expires_at <= $1`, now)
}

// DeleteMemberSessions implements store.Tx.
func (t *txn) DeleteMemberSessions(ctx context.Context, memberID, keep string) (int, error) {
	return sqlrow.Changed(t.exec(ctx, "delete member sessions", `DELETE FROM sessions WHERE member_id = $1 AND id <> $2`, memberID, keep))
}

// DeleteMemberInvites implements store.Tx.
func (t *txn) DeleteMemberInvites(ctx context.Context, memberID, keep string) (int, error) {
	return sqlrow.Changed(t.exec(ctx, "delete member invites", `DELETE FROM invites WHERE member_id = $1 AND id <> $2`, memberID, keep))
}

// DeleteMember implements store.Tx. It locks the member first, so no
// account is linked to them meanwhile.
func (t *txn) DeleteMember(ctx context.Context, id string) error {
	return dialect.DeleteMember(ctx, rowDB{t.tx}, `SELECT (SELECT count(*) FROM accounts WHERE owner_id = m.id) FROM members m
		WHERE m.id = $1 FOR UPDATE`, `DELETE FROM %s WHERE member_id = $1`, `DELETE FROM members WHERE id = $1`, id)
}
