package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// DeleteWebhook implements store.Tx; its messages go with it (ON DELETE
// CASCADE).
func (t *txn) DeleteWebhook(ctx context.Context, id string) error {
	const op = "delete webhook"
	n, err := t.exec(ctx, op, `DELETE FROM webhooks WHERE id = $1`, id)
	return found(op, n, err)
}

// FinishOutbox implements store.Store: several results are written in one
// transaction.
func (s *Store) FinishOutbox(ctx context.Context, results ...store.OutboxResult) error {
	const (
		delivered = `UPDATE outbox SET attempts = attempts + 1, delivered_at = $1, last_error = '' WHERE id = $2`
		failed    = `UPDATE outbox SET attempts = attempts + 1, failed_at = $1, last_error = $2 WHERE id = $3`
		retry     = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3`
		release   = `UPDATE outbox SET next_attempt_at = $1 WHERE id = $2`
	)
	if len(results) <= 1 {
		return dialect.FinishOutbox(ctx, rowDB{s.pool}, results, delivered, failed, retry, release)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("begin transaction", err)
	}
	if err := dialect.FinishOutbox(ctx, rowDB{tx}, results, delivered, failed, retry, release); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = tx.Rollback(rctx)
		cancel()
		return err
	}
	return wrap("commit", tx.Commit(ctx))
}

// TryLease implements store.Store with one upsert that changes the row only
// when this holder has it already or it has expired. Contenders for one
// job queue on the row's lock, and each re-checks the condition on the row
// the one before left, so at most one of them gets it.
func (s *Store) TryLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (bool, error) {
	const op = "try lease"
	n, until, err := valid.Lease(job, holder, now, ttl)
	if err != nil {
		return false, wrap(op, err)
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO leases (job, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= $4`, job, holder, until, n)
	if err != nil {
		return false, wrap(op, err)
	}
	return tag.RowsAffected() == 1, nil
}
