package postgres

import (
	"context"
	"time"
)

// DeleteWebhook implements store.Tx; its messages go with it (ON DELETE
// CASCADE).
func (t *txn) DeleteWebhook(ctx context.Context, id string) error {
	const op = "delete webhook"
	n, err := t.exec(ctx, op, `DELETE FROM webhooks WHERE id = $1`, id)
	return found(op, n, err)
}

// TryLease implements store.Store on the pool.
func (s *Store) TryLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (bool, error) {
	return dialect.TryLease(ctx, rowDB{s.pool}, job, holder, now, ttl)
}
