package sqlite

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The portal's writes whose SQL is SQLite's own: writing passkeys and
// deleting a member. The rest of the portal's records are sqlrow's (Reads,
// Writes).

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
