package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// querier is what both the pool and a transaction offer. pgx prepares
// every distinct statement once per connection and reuses it (its default
// statement cache), so the SQL text below is parsed once per connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// reads implements store.Reader on the pool (for a Store) or inside a
// transaction (for a Tx).
type reads struct {
	q querier
}

// scanner is a pgx.Row or pgx.Rows.
type scanner interface {
	Scan(dest ...any) error
}

const (
	tenantCols  = `id, name, created_at`
	appCols     = `id, tenant_id, name, issuer, unenrolled, fail_mode, enabled, locked_down, default_unlock, max_unlock, created_at, updated_at, origins, server_names_accounts`
	keyCols     = `kid, app_id, tenant_id, algorithm, sealed_secret, public_key, created_at, expires_at, revoked_at, last_used_at`
	memberCols  = `id, tenant_id, email, name, role, lock_all, locked_down, created_at, updated_at, channels, email_verified_at`
	accountCols = `id, tenant_id, app_id, name, owner_id, created_at, updated_at`
	grantCols   = `id, tenant_id, account_id, until, once, reason, granted_by, created_at, consumed_at, revoked_at`
	checkCols   = `id, tenant_id, app_id, kid, account, at, locked, status, ip, device, location, integration_type`
	auditCols   = `tenant_id, seq, at, actor, action, target, data, prev_hash, hash`
	webhookCols = `id, tenant_id, url, sealed_secret, events, created_at`
	// The target column of the other channels is NULL; it reads as "".
	outboxCols = `id, tenant_id, channel, coalesce(webhook_id, ''), coalesce(member_id, ''), type, payload, created_at, attempts, next_attempt_at, delivered_at, failed_at, last_error`
)

// prefixed qualifies every column of cols with alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, q querier, op string, scan func(scanner) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

// one runs a one-row query and scans it; no row is store.ErrNotFound.
func one[T any](ctx context.Context, q querier, op string, scan func(scanner) (T, error), sql string, args ...any) (T, error) {
	v, err := scan(q.QueryRow(ctx, sql, args...))
	if err != nil {
		var zero T
		return zero, wrap(op, err)
	}
	return v, nil
}

// Each scanX reads the columns listed in xCols, in that order.

func scanTenant(sc scanner) (t store.Tenant, err error) {
	var created int64
	err = sc.Scan(&t.ID, &t.Name, &created)
	t.CreatedAt = valid.FromNanos(created)
	return t, err
}

func scanApplication(sc scanner) (a store.Application, err error) {
	var defUnlock, maxUnlock, created, updated int64
	err = sc.Scan(&a.ID, &a.TenantID, &a.Name, &a.Issuer, &a.Unenrolled, &a.FailMode, &a.Enabled, &a.LockedDown,
		&defUnlock, &maxUnlock, &created, &updated, &a.Origins, &a.ServerNamesAccounts)
	if len(a.Origins) == 0 {
		a.Origins = nil
	}
	a.DefaultUnlock, a.MaxUnlock = time.Duration(defUnlock), time.Duration(maxUnlock)
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

func scanSigningKey(sc scanner) (k store.SigningKey, err error) {
	var created, expires, revoked, used int64
	err = sc.Scan(&k.KID, &k.AppID, &k.TenantID, &k.Algorithm, &k.SealedSecret, &k.PublicKey,
		&created, &expires, &revoked, &used)
	if len(k.SealedSecret) == 0 {
		k.SealedSecret = nil
	}
	if len(k.PublicKey) == 0 {
		k.PublicKey = nil
	}
	k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt = valid.FromNanos(created), valid.FromNanos(expires), valid.FromNanos(revoked), valid.FromNanos(used)
	return k, err
}

func scanMember(sc scanner) (m store.Member, err error) {
	var created, updated, verified int64
	var channels *[]string
	err = sc.Scan(&m.ID, &m.TenantID, &m.Email, &m.Name, &m.Role, &m.LockAll, &m.LockedDown, &created, &updated, &channels, &verified)
	m.Channels = channelList(channels)
	m.CreatedAt, m.UpdatedAt, m.EmailVerifiedAt = valid.FromNanos(created), valid.FromNanos(updated), valid.FromNanos(verified)
	return m, err
}

// channelList reads members.channels: NULL is nil (never chose), '{}' an
// empty list (chose none).
func channelList(c *[]string) []string {
	if c == nil {
		return nil
	}
	if *c == nil {
		return []string{}
	}
	return *c
}

func scanAccount(sc scanner) (a store.Account, err error) {
	var owner *string
	var created, updated int64
	err = sc.Scan(&a.ID, &a.TenantID, &a.AppID, &a.Name, &owner, &created, &updated)
	if owner != nil {
		a.OwnerID = *owner
	}
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return a, err
}

func scanGrant(sc scanner) (g store.Grant, err error) {
	var until, created, consumed, revoked int64
	err = sc.Scan(&g.ID, &g.TenantID, &g.AccountID, &until, &g.Once, &g.Reason, &g.GrantedBy, &created, &consumed, &revoked)
	g.Until, g.CreatedAt, g.ConsumedAt, g.RevokedAt = valid.FromNanos(until), valid.FromNanos(created), valid.FromNanos(consumed), valid.FromNanos(revoked)
	return g, err
}

func scanCheck(sc scanner) (c store.CheckRecord, err error) {
	var at int64
	err = sc.Scan(&c.ID, &c.TenantID, &c.AppID, &c.KID, &c.Account, &at, &c.Locked, &c.Status,
		&c.IP, &c.Device, &c.Location, &c.IntegrationType)
	c.At = valid.FromNanos(at)
	return c, err
}

func scanAudit(sc scanner) (r audit.Record, err error) {
	var at int64
	var data string
	err = sc.Scan(&r.TenantID, &r.Seq, &at, &r.Actor, &r.Action, &r.Target, &data, &r.PrevHash, &r.Hash)
	r.At = valid.FromNanos(at)
	r.Data = json.RawMessage(data)
	return r, err
}

func scanWebhook(sc scanner) (w store.Webhook, err error) {
	var created int64
	err = sc.Scan(&w.ID, &w.TenantID, &w.URL, &w.SealedSecret, &w.Events, &created)
	if len(w.Events) == 0 {
		w.Events = nil
	}
	w.CreatedAt = valid.FromNanos(created)
	return w, err
}

func scanOutbox(sc scanner) (m store.OutboxMessage, err error) {
	var created, next, delivered, failed int64
	err = sc.Scan(&m.ID, &m.TenantID, &m.Channel, &m.WebhookID, &m.MemberID, &m.Type, &m.Payload, &created, &m.Attempts, &next, &delivered, &failed, &m.LastError)
	m.CreatedAt, m.NextAttemptAt, m.DeliveredAt, m.FailedAt = valid.FromNanos(created), valid.FromNanos(next), valid.FromNanos(delivered), valid.FromNanos(failed)
	return m, err
}

// Tenant implements store.Reader.
func (r reads) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	return one(ctx, r.q, "get tenant", scanTenant, `SELECT `+tenantCols+` FROM tenants WHERE id = $1`, id)
}

// TenantByName implements store.Reader.
func (r reads) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	return one(ctx, r.q, "get tenant by name", scanTenant, `SELECT `+tenantCols+` FROM tenants WHERE name = $1`, name)
}

// Tenants implements store.Reader.
func (r reads) Tenants(ctx context.Context) ([]store.Tenant, error) {
	return list(ctx, r.q, "list tenants", scanTenant, `SELECT `+tenantCols+` FROM tenants ORDER BY created_at, id`)
}

// Application implements store.Reader.
func (r reads) Application(ctx context.Context, id string) (store.Application, error) {
	return one(ctx, r.q, "get application", scanApplication, `SELECT `+appCols+` FROM applications WHERE id = $1`, id)
}

// ApplicationByIssuer implements store.Reader.
func (r reads) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	return one(ctx, r.q, "get application by issuer", scanApplication, `SELECT `+appCols+` FROM applications WHERE issuer = $1`, issuer)
}

// Applications implements store.Reader.
func (r reads) Applications(ctx context.Context, tenantID string) ([]store.Application, error) {
	return list(ctx, r.q, "list applications", scanApplication,
		`SELECT `+appCols+` FROM applications WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// SigningKey implements store.Reader.
func (r reads) SigningKey(ctx context.Context, kid string) (store.SigningKey, error) {
	return one(ctx, r.q, "get signing key", scanSigningKey, `SELECT `+keyCols+` FROM signing_keys WHERE kid = $1`, kid)
}

// SigningKeys implements store.Reader.
func (r reads) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	return list(ctx, r.q, "list signing keys", scanSigningKey,
		`SELECT `+keyCols+` FROM signing_keys WHERE app_id = $1 ORDER BY created_at, kid`, appID)
}

// Member implements store.Reader.
func (r reads) Member(ctx context.Context, id string) (store.Member, error) {
	return one(ctx, r.q, "get member", scanMember, `SELECT `+memberCols+` FROM members WHERE id = $1`, id)
}

// MemberByEmail implements store.Reader; the email matches
// case-insensitively (stored emails are lower-case already).
func (r reads) MemberByEmail(ctx context.Context, tenantID, email string) (store.Member, error) {
	return one(ctx, r.q, "get member by email", scanMember,
		`SELECT `+memberCols+` FROM members WHERE tenant_id = $1 AND lower(email) = $2`, tenantID, strings.ToLower(email))
}

// Members implements store.Reader.
func (r reads) Members(ctx context.Context, tenantID string) ([]store.Member, error) {
	return list(ctx, r.q, "list members", scanMember,
		`SELECT `+memberCols+` FROM members WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// Account implements store.Reader.
func (r reads) Account(ctx context.Context, appID, name string) (store.Account, error) {
	return one(ctx, r.q, "get account", scanAccount,
		`SELECT `+accountCols+` FROM accounts WHERE app_id = $1 AND name = $2`, appID, name)
}

// AccountByID implements store.Reader.
func (r reads) AccountByID(ctx context.Context, id string) (store.Account, error) {
	return one(ctx, r.q, "get account by id", scanAccount, `SELECT `+accountCols+` FROM accounts WHERE id = $1`, id)
}

// AccountsOfOwner implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) AccountsOfOwner(ctx context.Context, memberID string, limit int) ([]store.Account, error) {
	const op = "list accounts of owner"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanAccount,
		`SELECT `+accountCols+` FROM accounts WHERE owner_id = $1 ORDER BY id LIMIT $2`, memberID, limit)
}

// Accounts implements store.Reader. A limit below 1 is store.ErrInvalid.
func (r reads) Accounts(ctx context.Context, appID, afterName string, limit int) ([]store.Account, error) {
	const op = "list accounts"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanAccount,
		`SELECT `+accountCols+` FROM accounts WHERE app_id = $1 AND name > $2 ORDER BY name LIMIT $3`, appID, afterName, limit)
}

// CountAccounts implements store.Reader.
func (r reads) CountAccounts(ctx context.Context, appID string) (int, error) {
	return one(ctx, r.q, "count accounts", func(sc scanner) (n int, err error) {
		err = sc.Scan(&n)
		return n, err
	}, `SELECT count(*) FROM accounts WHERE app_id = $1`, appID)
}

// CurrentGrant implements store.Reader.
func (r reads) CurrentGrant(ctx context.Context, accountID string) (store.Grant, error) {
	return one(ctx, r.q, "get current grant", scanGrant,
		`SELECT `+prefixed("g", grantCols)+` FROM accounts a JOIN grants g ON g.id = a.current_grant_id WHERE a.id = $1`, accountID)
}

// qCheckState is the lock check's whole read: the account by its unique
// (app_id, name) index, then its current grant and its owner by primary
// key, in one statement and so one snapshot.
const qCheckState = `SELECT a.id, a.tenant_id, a.owner_id, a.created_at, a.updated_at,
	g.id, g.tenant_id, g.until, g.once, g.reason, g.granted_by, g.created_at, g.consumed_at, g.revoked_at,
	m.tenant_id, m.email, m.name, m.role, m.lock_all, m.locked_down, m.created_at, m.updated_at, m.channels
	FROM accounts a
	LEFT JOIN grants g ON g.id = a.current_grant_id
	LEFT JOIN members m ON m.id = a.owner_id
	WHERE a.app_id = $1 AND a.name = $2`

// CheckState implements store.Reader with one query.
func (r reads) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	const op = "check state"
	var (
		a                                     store.Account
		owner                                 *string
		aCreated, aUpdated                    int64
		gID, gTenant, gReason, gBy            *string
		gUntil, gCreated, gConsumed, gRevoked *int64
		gOnce                                 *bool
		mTenant, mEmail, mName, mRole         *string
		mLockAll, mLockedDown                 *bool
		mCreated, mUpdated                    *int64
		mChannels                             *[]string
	)
	err := r.q.QueryRow(ctx, qCheckState, appID, accountName).Scan(&a.ID, &a.TenantID, &owner, &aCreated, &aUpdated,
		&gID, &gTenant, &gUntil, &gOnce, &gReason, &gBy, &gCreated, &gConsumed, &gRevoked,
		&mTenant, &mEmail, &mName, &mRole, &mLockAll, &mLockedDown, &mCreated, &mUpdated, &mChannels)
	if err == pgx.ErrNoRows {
		return store.CheckState{}, nil
	}
	if err != nil {
		return store.CheckState{}, wrap(op, err)
	}
	a.AppID, a.Name = appID, accountName
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(aCreated), valid.FromNanos(aUpdated)
	if owner != nil {
		a.OwnerID = *owner
	}
	cs := store.CheckState{Found: true, Account: a}
	if gID != nil {
		cs.Grant = &store.Grant{
			ID: *gID, TenantID: *gTenant, AccountID: a.ID,
			Until: valid.FromNanos(*gUntil), Once: *gOnce, Reason: *gReason, GrantedBy: *gBy,
			CreatedAt: valid.FromNanos(*gCreated), ConsumedAt: valid.FromNanos(*gConsumed), RevokedAt: valid.FromNanos(*gRevoked),
		}
	}
	if owner != nil && mTenant != nil {
		cs.Owner = &store.Member{
			ID: *owner, TenantID: *mTenant, Email: *mEmail, Name: *mName, Role: *mRole,
			LockAll: *mLockAll, LockedDown: *mLockedDown, Channels: channelList(mChannels),
			CreatedAt: valid.FromNanos(*mCreated), UpdatedAt: valid.FromNanos(*mUpdated),
		}
	}
	return cs, nil
}

// CheckRecord implements store.Reader.
func (r reads) CheckRecord(ctx context.Context, id string) (store.CheckRecord, error) {
	return one(ctx, r.q, "get check record", scanCheck, `SELECT `+checkCols+` FROM check_log WHERE id = $1`, id)
}

// CheckRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) CheckRecords(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error) {
	const op = "list check records"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanCheck,
		`SELECT `+checkCols+` FROM check_log WHERE app_id = $1 ORDER BY at DESC, seq DESC LIMIT $2`, appID, limit)
}

// AuditRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error) {
	const op = "list audit records"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanAudit,
		`SELECT `+auditCols+` FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, tenantID, afterSeq, limit)
}

// Webhook implements store.Reader.
func (r reads) Webhook(ctx context.Context, id string) (store.Webhook, error) {
	return one(ctx, r.q, "get webhook", scanWebhook, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id)
}

// Webhooks implements store.Reader.
func (r reads) Webhooks(ctx context.Context, tenantID string) ([]store.Webhook, error) {
	return list(ctx, r.q, "list webhooks", scanWebhook,
		`SELECT `+webhookCols+` FROM webhooks WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// OutboxMessages implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) OutboxMessages(ctx context.Context, webhookID string, limit int) ([]store.OutboxMessage, error) {
	const op = "list outbox messages"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanOutbox,
		`SELECT `+outboxCols+` FROM outbox WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, webhookID, limit)
}

// OutboxOfTenant implements store.Reader through the index outbox_tenant.
// A limit below 1 is store.ErrInvalid.
func (r reads) OutboxOfTenant(ctx context.Context, tenantID string, limit int) ([]store.OutboxMessage, error) {
	const op = "list outbox of tenant"
	if err := valid.Limit(limit); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanOutbox,
		`SELECT `+outboxCols+` FROM outbox WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, tenantID, limit)
}

// EndedGrants implements store.Reader: current grants that ended by time
// and were neither revoked, consumed nor announced, through the partial
// index grants_ending.
func (r reads) EndedGrants(ctx context.Context, now time.Time, limit int) ([]store.Grant, error) {
	const op = "list ended grants"
	var rl valid.Rules
	rl.Limit(limit)
	n := rl.Time("now", now, true)
	if err := rl.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.q, op, scanGrant,
		`SELECT `+prefixed("g", grantCols)+` FROM grants g JOIN accounts a ON a.id = g.account_id AND a.current_grant_id = g.id
		 WHERE g.revoked_at = 0 AND g.consumed_at = 0 AND g.end_announced_at = 0 AND g.until <= $1
		 ORDER BY g.until, g.id LIMIT $2`, n, limit)
}
