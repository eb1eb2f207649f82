package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
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

// ClaimOutbox implements store.Store. SQLite has one writer at a time, so
// one UPDATE … RETURNING both picks and claims the messages.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim outbox", now, lease, limit, `channel <> 'siem'`)
}

// ClaimEndpoint implements store.Store as ClaimOutbox does, for one SIEM
// endpoint.
func (s *Store) ClaimEndpoint(ctx context.Context, endpoint string, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim endpoint", now, lease, limit, `channel = 'siem' AND endpoint = ?4`, endpoint)
}

// claim claims up to limit due messages that also match which, a
// condition whose parameters (args) are numbered from 4.
func (s *Store) claim(ctx context.Context, op string, now time.Time, lease time.Duration, limit int, which string, args ...any) ([]store.OutboxMessage, error) {
	n, until, err := valid.Claim(now, lease, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	// RETURNING gives no order; hand them out oldest first.
	return sqlrow.OldestFirst(sqlrow.List(ctx, dialect, rowDB{s.wdb}, op, dialect.ScanOutbox,
		`UPDATE outbox SET next_attempt_at = ?1 WHERE id IN (
			SELECT id FROM outbox WHERE delivered_at = 0 AND failed_at = 0 AND next_attempt_at <= ?2 AND `+which+`
			ORDER BY next_attempt_at, created_at, id LIMIT ?3)
		RETURNING `+sqlrow.OutboxCols, append([]any{until, n, limit}, args...)...))
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
