package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The portal's writes whose SQL is SQLite's own: raising an unlock request,
// writing passkeys and deleting a member. The rest of the portal's records
// are sqlrow's (Reads, Writes).

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

// DeleteMember implements store.Tx.
func (t *txn) DeleteMember(ctx context.Context, id string) error {
	return dialect.DeleteMember(ctx, rowDB{t.tx}, `SELECT count(*) FROM accounts WHERE owner_id = ?`,
		`DELETE FROM %s WHERE member_id = ?`, `DELETE FROM members WHERE id = ?`, id)
}
