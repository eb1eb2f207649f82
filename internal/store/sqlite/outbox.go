package sqlite

import (
	"context"
	"time"
)

// The webhook, outbox and lease statements run at the rate of admin changes
// and deliveries, not of lock checks, so they are plain queries rather than
// members of the prepared-statement tables. Those both databases share are
// sqlrow's; here is what differs.

// DeleteWebhook implements store.Tx; its messages go with it.
func (t *txn) DeleteWebhook(ctx context.Context, id string) error {
	const op = "delete webhook"
	if _, err := t.exec(ctx, op, `DELETE FROM outbox WHERE webhook_id = ?`, id); err != nil {
		return err
	}
	n, err := t.exec(ctx, op, `DELETE FROM webhooks WHERE id = ?`, id)
	return found(op, n, err)
}

// TryLease implements store.Store. Leases live in the check log's file
// (see checksSchema), so renewing them does not disturb the accounts
// file's readers.
func (s *Store) TryLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (bool, error) {
	return dialect.TryLease(ctx, rowDB{s.log.wdb}, job, holder, now, ttl)
}
