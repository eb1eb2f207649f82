package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// FinishOutbox implements store.Store: one result is written on the
// write pool, several in one transaction.
func (s Pools) FinishOutbox(ctx context.Context, results ...store.OutboxResult) error {
	if len(results) <= 1 {
		return s.D.finishOutbox(ctx, s.W, results)
	}
	return s.InTx(ctx, func(tx DB) error { return s.D.finishOutbox(ctx, tx, results) })
}

// finishOutbox records with db how the deliveries of claimed messages
// went, one result per message: delivered, given up, to try again, or
// released unsent. Every result is checked before the first is written; a
// message that does not exist is store.ErrNotFound, and db (a transaction
// when there are several results) is then to be rolled back.
func (d *Dialect) finishOutbox(ctx context.Context, db DB, results []store.OutboxResult) error {
	const op = "finish outbox"
	for _, res := range results {
		if err := valid.OutboxResult(res); err != nil {
			return d.Wrap(op, err)
		}
	}
	for _, res := range results {
		at, next := valid.Nanos(res.At), valid.Nanos(res.RetryAt)
		var n int64
		var err error
		switch {
		case res.Delivered:
			n, err = db.Exec(ctx, op, `UPDATE outbox SET attempts = attempts + 1, delivered_at = $1, last_error = '' WHERE id = $2`, at, res.ID)
		case res.Unsent:
			n, err = db.Exec(ctx, op, `UPDATE outbox SET next_attempt_at = $1 WHERE id = $2`, next, res.ID)
		case next == 0:
			n, err = db.Exec(ctx, op, `UPDATE outbox SET attempts = attempts + 1, failed_at = $1, last_error = $2 WHERE id = $3`, at, res.Error, res.ID)
		default:
			n, err = db.Exec(ctx, op, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 WHERE id = $3`, next, res.Error, res.ID)
		}
		if err := d.Found(op, n, err); err != nil {
			return err
		}
	}
	return nil
}

// The webhooks and the outbox are read at the rate of admin pages and
// deliveries, not of lock checks, so they are plain queries.

// Webhook implements store.Reader.
func (r Reads) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	return One(ctx, r.D, r.Q, "get webhook", r.D.ScanWebhook, `SELECT `+WebhookCols+` FROM webhooks WHERE id = $1`, id)
}

// Webhooks implements store.Reader.
func (r Reads) Webhooks(ctx context.Context, tenantID string) ([]store.Webhook, error) {
	return List(ctx, r.D, r.Q, "list webhooks", r.D.ScanWebhook,
		`SELECT `+WebhookCols+` FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// OutboxMessages implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r Reads) OutboxMessages(ctx context.Context, webhookID string, limit int) ([]store.OutboxMessage, error) {
	return ListUpTo(ctx, r.D, r.Q, "list outbox messages", r.D.ScanOutbox, limit,
		`SELECT `+OutboxCols+` FROM outbox WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, webhookID)
}

// OutboxOfTenant implements store.Reader through the index outbox_tenant.
// A limit below 1 is store.ErrInvalid.
func (r Reads) OutboxOfTenant(ctx context.Context, tenantID string, limit int) ([]store.OutboxMessage, error) {
	return ListUpTo(ctx, r.D, r.Q, "list outbox of tenant", r.D.ScanOutbox, limit,
		`SELECT `+OutboxCols+` FROM outbox WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID)
}

// OutboxOfTenantBefore implements store.Reader through the index
// outbox_tenant. A limit below 1 is store.ErrInvalid.
func (r Reads) OutboxOfTenantBefore(ctx context.Context, tenantID string, before store.OutboxMessage, limit int) ([]store.OutboxMessage, error) {
	return ListUpTo(ctx, r.D, r.Q, "list outbox of tenant", r.D.ScanOutbox, limit,
		`SELECT `+OutboxCols+` FROM outbox WHERE tenant_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3))
		 ORDER BY created_at DESC, id DESC LIMIT $4`, tenantID, valid.Nanos(before.CreatedAt), before.ID)
}

// EndedGrantsQuery finds current grants that ended by time ($1) and were
// neither revoked, consumed nor announced, at most $2. It joins on the
// account's primary key as well as its current grant, so that both
// databases walk the partial index grants_ending instead of every account
// (a SQLite test pins the plan).
var EndedGrantsQuery = `SELECT ` + Prefixed("g", GrantCols) + ` FROM grants AS g JOIN accounts AS a ON a.id = g.account_id AND a.current_grant_id = g.id
	WHERE g.revoked_at = 0 AND g.consumed_at = 0 AND g.end_announced_at = 0 AND g.until <= $1
	ORDER BY g.until, g.id LIMIT $2`

// EndedGrants implements store.Reader.
func (r Reads) EndedGrants(ctx context.Context, now time.Time, limit int) ([]store.Grant, error) {
	return ListDue(ctx, r.D, r.Q, "list ended grants", r.D.ScanGrant, now, limit, EndedGrantsQuery)
}

// AnnounceGrantEnd implements store.Tx with one conditional UPDATE, which
// changes the grant for exactly one of concurrent callers.
func (w Writes) AnnounceGrantEnd(ctx context.Context, grantID string, at time.Time) (bool, error) {
	const op = "announce grant end"
	n, err := valid.Stamp("grant id", grantID, "announced at", at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	rows, err := w.DB.Exec(ctx, op, `UPDATE grants SET end_announced_at = $1 WHERE id = $2 AND end_announced_at = 0`, n, grantID)
	return rows == 1, err
}

// EnqueueOutbox implements store.Tx. A target that does not exist in the
// message's tenant fails its foreign key: store.ErrInvalid.
func (w Writes) EnqueueOutbox(ctx context.Context, m store.OutboxMessage) error {
	created := valid.Nanos(m.CreatedAt)
	next := max(valid.Nanos(m.NextAttemptAt), created)
	return w.D.Put(ctx, w.DB, "enqueue outbox", valid.OutboxMessage(m), valid.Conflict("outbox", nil),
		`INSERT INTO outbox (id, tenant_id, channel, webhook_id, member_id, endpoint, type, payload,
			created_at, attempts, next_attempt_at, delivered_at, failed_at, last_error)
		VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), $7, $8, $9, 0, $10, 0, 0, '')`,
		m.ID, m.TenantID, m.Channel, m.WebhookID, m.MemberID, m.Endpoint, m.Type, m.Payload, created, next)
}

// CreateWebhook implements store.Tx.
func (w Writes) CreateWebhook(ctx context.Context, h store.Webhook) error {
	return w.D.Put(ctx, w.DB, "create webhook", valid.Webhook(h), valid.Conflict("webhooks", nil),
		`INSERT INTO webhooks (`+WebhookCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		h.ID, h.TenantID, h.URL, h.SealedSecret, w.D.Lists.Value(h.Events, EventsSep), valid.Nanos(h.CreatedAt))
}

// ClaimOutbox implements store.Store with one statement that both picks
// and claims due messages, pushing them past the lease. On PostgreSQL its
// subquery locks them FOR UPDATE SKIP LOCKED, so workers on several nodes
// claiming at the same instant each take different rows instead of
// queueing behind each other; SQLite has one writer at a time.
func (s Pools) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim outbox", now, lease, limit, `channel <> 'siem'`)
}

// ClaimEndpoint implements store.Store as ClaimOutbox does, for one SIEM
// endpoint.
func (s Pools) ClaimEndpoint(ctx context.Context, endpoint string, now time.Time, lease time.Duration, limit int) ([]store.OutboxMessage, error) {
	return s.claim(ctx, "claim endpoint", now, lease, limit, `channel = 'siem' AND endpoint = $4`, endpoint)
}

// claim claims up to limit due messages that also match which, a
// condition whose parameters (args) are numbered from 4.
func (s Pools) claim(ctx context.Context, op string, now time.Time, lease time.Duration, limit int, which string, args ...any) ([]store.OutboxMessage, error) {
	n, until, err := valid.Claim(now, lease, limit)
	if err != nil {
		return nil, s.D.Wrap(op, err)
	}
	// RETURNING gives no order; hand them out oldest first.
	return OldestFirst(List(ctx, s.D, s.W, op, s.D.ScanOutbox,
		`UPDATE outbox SET next_attempt_at = $1 WHERE id IN (
			SELECT id FROM outbox WHERE delivered_at = 0 AND failed_at = 0 AND next_attempt_at <= $2 AND `+which+`
			ORDER BY next_attempt_at, created_at, id LIMIT $3`+s.D.Lock("UPDATE SKIP LOCKED")+`)
		RETURNING `+OutboxCols, append([]any{until, n, limit}, args...)...))
}

// TryLease is store.Store.TryLease over db, the connection of the
// database that keeps the leases: one upsert that changes the row only
// when this holder has it already or it has expired. Contenders for one
// job queue on the row's lock (PostgreSQL) or the file's write lock
// (SQLite), and each re-checks the condition on the row the one before
// left, so at most one of them gets it.
func (d *Dialect) TryLease(ctx context.Context, db DB, job, holder string, now time.Time, ttl time.Duration) (bool, error) {
	const op = "try lease"
	n, until, err := valid.Lease(job, holder, now, ttl)
	if err != nil {
		return false, d.Wrap(op, err)
	}
	rows, err := db.Exec(ctx, op, `INSERT INTO leases (job, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until <= $4`, job, holder, until, n)
	return rows == 1, err
}
