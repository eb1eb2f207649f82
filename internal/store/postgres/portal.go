package postgres

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The portal's writes whose SQL is PostgreSQL's own: writing passkeys
// (which announce cache.Member: the member's passkeys say whether they may
// approve) and deleting a member. The rest of the portal's records are
// sqlrow's (Reads, Writes).

// CreatePasskey implements store.Tx with sqlrow's statement.
func (t *txn) CreatePasskey(ctx context.Context, p store.Passkey) error {
	err := t.Writes.CreatePasskey(ctx, p)
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

// DeleteMember implements store.Tx. It locks the member first, so no
// account is linked to them meanwhile.
func (t *txn) DeleteMember(ctx context.Context, id string) error {
	return dialect.DeleteMember(ctx, rowDB{t.tx}, `SELECT (SELECT count(*) FROM accounts WHERE owner_id = m.id) FROM members m
		WHERE m.id = $1 FOR UPDATE`, `DELETE FROM %s WHERE member_id = $1`, `DELETE FROM members WHERE id = $1`, id)
}
