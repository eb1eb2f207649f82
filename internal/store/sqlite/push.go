package sqlite

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// Web Push subscriptions: portal records, read by no cached path.

// PushSubscriptions implements store.Reader.
func (r reads) PushSubscriptions(ctx context.Context, memberID string) ([]store.PushSubscription, error) {
	return list(ctx, r.querier(), "list push subscriptions", dialect.ScanPush,
		`SELECT `+sqlrow.PushCols+` FROM push_subscriptions WHERE member_id = ? ORDER BY created_at, id`, memberID)
}

// PutPushSubscription implements store.Tx with one upsert, which updates
// only a subscription of the same member: none written means another
// member holds the ID.
func (t *txn) PutPushSubscription(ctx context.Context, p store.PushSubscription) error {
	return dialect.PutPushSubscription(ctx, rowDB{t.tx}, `INSERT INTO push_subscriptions (`+sqlrow.PushCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, member_id = excluded.member_id,
		endpoint = excluded.endpoint, p256dh = excluded.p256dh, auth = excluded.auth,
		user_agent = excluded.user_agent, created_at = excluded.created_at
		WHERE push_subscriptions.member_id = excluded.member_id`, p)
}

// DeletePushSubscription implements store.Tx.
func (t *txn) DeletePushSubscription(ctx context.Context, id string) error {
	_, err := t.exec(ctx, "delete push subscription", `DELETE FROM push_subscriptions WHERE id = ?`, id)
	return err
}
