package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// PutPushSubscription stores p with db, by upsert: an INSERT of PushCols, in
// order, that on a conflict of ID updates only a subscription of the same
// member: none written means another member holds the ID, store.ErrConflict.
func (d *Dialect) PutPushSubscription(ctx context.Context, db DB, upsert string, p store.PushSubscription) error {
	const op = "put push subscription"
	if err := valid.PushSubscription(p); err != nil {
		return d.Wrap(op, err)
	}
	n, err := db.Exec(ctx, op, upsert,
		p.ID, p.TenantID, p.MemberID, p.Endpoint, p.P256dh, p.Auth, p.UserAgent, valid.Nanos(p.CreatedAt))
	if err == nil && n == 0 {
		return d.Fail(op, store.ErrConflict, "the subscription belongs to another member")
	}
	return err
}
