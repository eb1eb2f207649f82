package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Web Push subscriptions: portal records, read by no cached path, so not
// announced.

// PushSubscriptions implements store.Reader.
func (r Reads) PushSubscriptions(ctx context.Context, memberID string) ([]store.PushSubscription, error) {
	return List(ctx, r.D, r.Q, "list push subscriptions", r.D.ScanPush,
		`SELECT `+PushCols+` FROM push_subscriptions WHERE member_id = $1 ORDER BY created_at, id`, memberID)
}

// PutPushSubscription implements store.Tx with one upsert, which updates
// only a subscription of the same member: none written means another
// member holds the ID, store.ErrConflict.
func (w Writes) PutPushSubscription(ctx context.Context, p store.PushSubscription) error {
	const op = "put push subscription"
	if err := valid.PushSubscription(p); err != nil {
		return w.D.Wrap(op, err)
	}
	n, err := w.DB.Exec(ctx, op, `INSERT INTO push_subscriptions (`+PushCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, member_id = excluded.member_id,
		endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		user_agent = excluded.user_agent, created_at = excluded.created_at
		WHERE push_subscriptions.member_id = excluded.member_id`,
		p.ID, p.TenantID, p.MemberID, p.Endpoint, p.P256dh, p.Auth, p.UserAgent, valid.Nanos(p.CreatedAt))
	if err == nil && n == 0 {
		return w.D.Fail(op, store.ErrConflict, "the subscription belongs to another member")
	}
	return err
}

// DeletePushSubscription implements store.Tx.
func (w Writes) DeletePushSubscription(ctx context.Context, id string) error {
	_, err := w.DB.Exec(ctx, "delete push subscription", `DELETE FROM push_subscriptions WHERE id = $1`, id)
	return err
}
