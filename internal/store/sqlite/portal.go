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

// Unlock requests, passkeys, sessions, invites and nonces run at the rate of
// people using the portal and of locked checks, so, like the outbox, they
// are plain queries.

// UnlockRequest implements store.Reader.
func (r reads) UnlockRequest(ctx context.Context, id string) (store.UnlockRequest, error) {
	return one(ctx, r.querier(), "get unlock request", dialect.ScanRequest, `SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE id = ?`, id)
}

// PendingRequest implements store.Reader.
func (r reads) PendingRequest(ctx context.Context, accountID string) (store.UnlockRequest, error) {
	return one(ctx, r.querier(), "get pending request", dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE account_id = ? AND status = 'pending'`, accountID)
}

// RequestsOfOwner implements store.Reader.
func (r reads) RequestsOfOwner(ctx context.Context, memberID string, limit int) ([]store.UnlockRequest, error) {
	const op = "list requests of owner"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.Prefixed("q", sqlrow.RequestCols)+` FROM unlock_requests AS q JOIN accounts AS a ON a.id = q.account_id
		 WHERE a.owner_id = ? ORDER BY q.updated_at DESC, q.id DESC LIMIT ?`, memberID, limit)
}

// ExpiredRequests implements store.Reader.
func (r reads) ExpiredRequests(ctx context.Context, now time.Time, limit int) ([]store.UnlockRequest, error) {
	const op = "list expired requests"
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.querier(), op, dialect.ScanRequest,
		`SELECT `+sqlrow.RequestCols+` FROM unlock_requests WHERE status = 'pending' AND expires_at <= ?
		 ORDER BY expires_at, id LIMIT ?`, n, limit)
}

// Passkey implements store.Reader.
func (r reads) Passkey(ctx context.Context, id string) (store.Passkey, error) {
	return one(ctx, r.querier(), "get passkey", dialect.ScanPasskey, `SELECT `+sqlrow.PasskeyCols+` FROM passkeys WHERE id = ?`, id)
}

// Passkeys implements store.Reader.
func (r reads) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	return list(ctx, r.querier(), "list passkeys", dialect.ScanPasskey,
		`SELECT `+sqlrow.PasskeyCols+` FROM passkeys WHERE member_id = ? ORDER BY created_at, id`, memberID)
}

// Session implements store.Reader.
func (r reads) Session(ctx context.Context, id string) (store.Session, error) {
	return one(ctx, r.querier(), "get session", dialect.ScanSession, `SELECT `+sqlrow.SessionCols+` FROM sessions WHERE id = ?`, id)
}

// Invite implements store.Reader.
func (r reads) Invite(ctx context.Context, id string) (store.Invite, error) {
	return one(ctx, r.querier(), "get invite", dialect.ScanInvite, `SELECT `+sqlrow.InviteCols+` FROM invites WHERE id = ?`, id)
}

// RaiseRequest implements store.Tx. The transaction holds the write lock,
// so reading the pending request and then refreshing or inserting cannot
// interleave with another raise; the partial unique index would refuse a
// second pending request anyway.
func (t *txn) RaiseRequest(ctx context.Context, q store.UnlockRequest) (store.UnlockRequest, bool, error) {
	const op = "raise request"
	if err := valid.Request(q); err != nil {
		return store.UnlockRequest{}, false, wrap(op, err)
	}
	now, expires := valid.Nanos(q.UpdatedAt), valid.Nanos(q.ExpiresAt)
	var acctTenant, acctApp string
	row := t.tx.QueryRowContext(ctx, `SELECT tenant_id, app_id FROM accounts WHERE id = ?`, q.AccountID)
	switch err := row.Scan(&acctTenant, &acctApp); {
	case errors.Is(err, sql.ErrNoRows):
		return store.UnlockRequest{}, false, invalid(op, "account %s does not exist", q.AccountID)
	case err != nil:
		return store.UnlockRequest{}, false, wrap(op, err)
	case acctTenant != q.TenantID || acctApp != q.AppID:
		return store.UnlockRequest{}, false, invalid(op, "account %s is not in application %s of tenant %s", q.AccountID, q.AppID, q.TenantID)
	}

	cur, err := t.PendingRequest(ctx, q.AccountID)
	switch {
	case err == nil && cur.Open(q.UpdatedAt):
		if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET ip = ?, device = ?, location = ?, integration_type = ?,
			checks = checks + 1, updated_at = ?, expires_at = MAX(expires_at, ?) WHERE id = ?`,
			q.IP, q.Device, q.Location, q.IntegrationType, now, expires, cur.ID); err != nil {
			return store.UnlockRequest{}, false, err
		}
		got, err := t.UnlockRequest(ctx, cur.ID)
		return got, false, err
	case err == nil:
		// Run out without anyone marking it: mark it now.
		if _, err := t.exec(ctx, op, `UPDATE unlock_requests SET status = 'expired', decided_by = 'system:expiry',
			decided_at = expires_at WHERE id = ?`, cur.ID); err != nil {
			return store.UnlockRequest{}, false, err
		}
	case !errors.Is(err, store.ErrNotFound):
		return store.UnlockRequest{}, false, err
	}
	if _, err := t.exec(ctx, op, `INSERT INTO unlock_requests (`+sqlrow.RaisedCols+`)
		VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, 1, ?, ?, ?, '', 0, '')`,
		q.ID, q.TenantID, q.AppID, q.AccountID, q.IP, q.Device, q.Location, q.IntegrationType, now, now, expires); err != nil {
		return store.UnlockRequest{}, false, err
	}
	got, err := t.UnlockRequest(ctx, q.ID)
	return got, true, err
}

// DecideRequest implements store.Tx with one conditional UPDATE.
func (t *txn) DecideRequest(ctx context.Context, id, status, by, grantID string, at time.Time) (bool, error) {
	return dialect.Decide(ctx, rowDB{t.tx}, "decide request", `UPDATE unlock_requests SET status = ?, decided_by = ?, decided_at = ?,
		grant_id = ? WHERE id = ? AND status = 'pending' AND expires_at %s ?`,
		`SELECT count(*) FROM unlock_requests WHERE id = ?`, id, status, by, at, grantID)
}

// CreatePasskey implements store.Tx.
func (t *txn) CreatePasskey(ctx context.Context, p store.Passkey) error {
	const op = "create passkey"
	if err := valid.Passkey(p); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO passkeys (`+sqlrow.PasskeyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.TenantID, p.MemberID, p.Name, p.Credential, valid.Nanos(p.CreatedAt), valid.Nanos(p.LastUsedAt))
	return err
}

// UpdatePasskey implements store.Tx.
func (t *txn) UpdatePasskey(ctx context.Context, p store.Passkey) error {
	const op = "update passkey"
	if err := valid.PasskeyUpdate(p); err != nil {
		return wrap(op, err)
	}
	n, err := t.exec(ctx, op, `UPDATE passkeys SET name = ?, credential = ?, last_used_at = ? WHERE id = ?`,
		p.Name, p.Credential, valid.Nanos(p.LastUsedAt), p.ID)
	return found(op, n, err)
}

// DeletePasskey implements store.Tx: the DELETE itself checks that the
// member keeps another passkey.
func (t *txn) DeletePasskey(ctx context.Context, id string) error {
	const op = "delete passkey"
	n, err := t.exec(ctx, op, `DELETE FROM passkeys WHERE id = ?1 AND EXISTS (
		SELECT 1 FROM passkeys AS o WHERE o.member_id = passkeys.member_id AND o.id <> ?1)`, id)
	if err != nil || n == 1 {
		return err
	}
	if _, err := t.Passkey(ctx, id); err != nil {
		return err
	}
	return invalid(op, "passkey %s is its member's last one", id)
}

// CreateSession implements store.Tx.
func (t *txn) CreateSession(ctx context.Context, s store.Session) error {
	return dialect.CreateSession(ctx, rowDB{t.tx}, `INSERT INTO sessions (`+sqlrow.SessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s)
}

// TouchSession implements store.Tx; SeenAt never moves back.
func (t *txn) TouchSession(ctx context.Context, id string, at time.Time) error {
	const op = "touch session"
	n, err := valid.Stamp("session id", id, "seen at", at)
	if err != nil {
		return wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `UPDATE sessions SET seen_at = max(seen_at, ?) WHERE id = ?`, n, id)
	return found(op, rows, err)
}

// DeleteSession implements store.Tx.
func (t *txn) DeleteSession(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete session", `DELETE FROM sessions WHERE id = ?`, id)
	return err
}

// DeleteSessions implements store.Tx.
func (t *txn) DeleteSessions(ctx context.Context, now, idleSince time.Time) (int, error) {
	return dialect.DeleteSessions(ctx, rowDB{t.tx}, `DELETE FROM sessions WHERE expires_at <= ? OR seen_at < ?`, now, idleSince)
}

// CreateInvite implements store.Tx.
func (t *txn) CreateInvite(ctx context.Context, inv store.Invite) error {
	const op = "create invite"
	if err := valid.Invite(inv); err != nil {
		return wrap(op, err)
	}
	_, err := t.exec(ctx, op, `INSERT INTO invites (`+sqlrow.InviteCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		inv.ID, inv.TenantID, inv.MemberID, inv.CreatedBy, valid.Nanos(inv.CreatedAt), valid.Nanos(inv.ExpiresAt), valid.Nanos(inv.UsedAt))
	return err
}

// UseInvite implements store.Tx with one conditional UPDATE.
func (t *txn) UseInvite(ctx context.Context, id string, at time.Time) (bool, error) {
	const op = "use invite"
	n, err := valid.Stamp("invite id", id, "used at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `UPDATE invites SET used_at = ?1 WHERE id = ?2 AND used_at = 0 AND expires_at > ?1`, n, id)
	return sqlrow.Applied(rows, err, func() error {
		_, err := t.Invite(ctx, id)
		return err
	})
}

// UseNonce implements store.Tx.
func (t *txn) UseNonce(ctx context.Context, key string, expires, at time.Time) (bool, error) {
	return dialect.UseNonce(ctx, rowDB{t.tx}, `INSERT INTO nonces (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, expires, at)
}

// PurgeNonces implements store.Tx.
func (t *txn) PurgeNonces(ctx context.Context, now time.Time) (int, error) {
	return dialect.PurgeNonces(ctx, rowDB{t.tx}, `DELETE FROM nonces WHERE expires_at <= ?`, now)
}

// DeleteMemberSessions implements store.Tx.
func (t *txn) DeleteMemberSessions(ctx context.Context, memberID, keep string) (int, error) {
	return sqlrow.Changed(t.exec(ctx, "delete member sessions", `DELETE FROM sessions WHERE member_id = ? AND id <> ?`, memberID, keep))
}

// DeleteMemberInvites implements store.Tx.
func (t *txn) DeleteMemberInvites(ctx context.Context, memberID, keep string) (int, error) {
	return sqlrow.Changed(t.exec(ctx, "delete member invites", `DELETE FROM invites WHERE member_id = ? AND id <> ?`, memberID, keep))
}

// DeleteMember implements store.Tx.
func (t *txn) DeleteMember(ctx context.Context, id string) error {
	return dialect.DeleteMember(ctx, rowDB{t.tx}, `SELECT count(*) FROM accounts WHERE owner_id = ?`,
		`DELETE FROM %s WHERE member_id = ?`, `DELETE FROM members WHERE id = ?`, id)
}
