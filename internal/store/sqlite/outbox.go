package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The webhook, outbox and lease statements run at the rate of admin changes
// and deliveries, not of lock checks, so they are plain queries rather than
// members of the prepared-statement tables; those both databases share are
// sqlrow's.

// DeleteWebhook implements store.Tx; its messages go with it.
func (t *txn) DeleteWebhook(ctx context.Context, id string) error {
	const op = "delete webhook"
	if _, err := t.exec(ctx, op, `DELETE FROM outbox WHERE webhook_id = ?`, id); err != nil {
		return err
	}
	n, err := t.exec(ctx, op, `DELETE FROM webhooks WHERE id = ?`, id)
	return found(op, n, err)
}

// FinishOutbox implements store.Store: several results are written in one
// transaction.
func (s *Store) FinishOutbox(ctx context.Context, results ...store.OutboxResult) error {
	const (
		delivered = `UPDATE outbox SET attempts = attempts + 1, delivered_at = ?, last_error = '' WHERE id = ?`
		failed    = `UPDATE outbox SET attempts = attempts + 1, failed_at = ?, last_error = ? WHERE id = ?`
		retry     = `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`
		release   = `UPDATE outbox SET next_attempt_at = ? WHERE id = ?`
	)
	if len(results) <= 1 {
		return dialect.FinishOutbox(ctx, rowDB{s.wdb}, results, delivered, failed, retry, release)
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrap("begin transaction", err)
	}
	if err := dialect.FinishOutbox(ctx, rowDB{tx}, results, delivered, failed, retry, release); err != nil {
		_ = tx.Rollback()
		return err
	}
	return wrap("commit", tx.Commit())
}

// TryLease implements store.Store with one upsert that changes the row only
// when this holder has it already or it has expired. Leases live in the
// check log's file (see checksSchema), so renewing them does not disturb
// the accounts file's readers.
func (s *Store) TryLease(ctx context.Context, job, holder string, now time.Time, ttl time.Duration) (bool, error) {
	const op = "try lease"
	n, until, err := valid.Lease(job, holder, now, ttl)
	if err != nil {
		return false, wrap(op, err)
	}
	res, err := s.log.wdb.ExecContext(ctx, `INSERT INTO leases (job, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= ?`, job, holder, until, n)
	if err != nil {
		return false, wrap(op, err)
	}
	rows, err := res.RowsAffected()
	return rows == 1, wrap(op, err)
}
