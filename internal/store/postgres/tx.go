package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// maxEvents caps the change events one transaction lists; a bigger one (a
// bulk import) announces cache.All instead.
const maxEvents = 256

// txn is the store.Tx given to an Update's function.
type txn struct {
	reads // store.Reader inside the transaction
	tx    pgx.Tx
	// events are the changes to cached data made so far; all replaces them
	// when there are too many.
	events []cache.Event
	all    bool
}

var _ store.Tx = (*txn)(nil)

// changed records a change to announce at commit.
func (t *txn) changed(e cache.Event) {
	if t.all {
		return
	}
	if len(t.events) == maxEvents {
		t.all, t.events = true, nil
		return
	}
	t.events = append(t.events, e)
}

// changes returns what the transaction changed.
func (t *txn) changes() []cache.Event {
	if t.all {
		return []cache.Event{{Kind: cache.All}}
	}
	return t.events
}

// exec runs a write and returns the number of rows it changed.
func (t *txn) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// insert runs an INSERT … ON CONFLICT DO NOTHING and reports a skipped
// row as store.ErrConflict, which leaves the transaction usable.
func (t *txn) insert(ctx context.Context, op, what, sql string, args ...any) error {
	n, err := t.exec(ctx, sql+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return conflict(op, what)
	}
	return nil
}

// CreateTenant implements store.Tx.
func (t *txn) CreateTenant(ctx context.Context, tn store.Tenant) error {
	r := rules{op: "create tenant"}
	r.need("tenant id", tn.ID)
	r.need("tenant name", tn.Name)
	created := r.time("created at", tn.CreatedAt, true)
	if r.err != nil {
		return r.err
	}
	return t.insert(ctx, r.op, "a tenant with this id or name exists",
		`INSERT INTO tenants (`+tenantCols+`) VALUES ($1, $2, $3)`, tn.ID, tn.Name, created)
}

// CreateApplication implements store.Tx.
func (t *txn) CreateApplication(ctx context.Context, a store.Application) error {
	r := rules{op: "create application"}
	r.need("application id", a.ID)
	r.need("tenant id", a.TenantID)
	r.need("issuer", a.Issuer)
	created, updated := validApplication(&r, a, true)
	if r.err != nil {
		return r.err
	}
	err := t.insert(ctx, r.op, "an application with this id or issuer exists",
		`INSERT INTO applications (`+appCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		a.ID, a.TenantID, a.Name, a.Issuer, a.Unenrolled, a.FailMode,
		a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), created, updated, array(a.Origins))
	if err == nil {
		// A node may have cached "no such issuer".
		t.changed(cache.Event{Kind: cache.App, AppID: a.ID, Issuer: a.Issuer})
	}
	return err
}

// validApplication checks the fields CreateApplication and
// UpdateApplication share; creating needs CreatedAt.
func validApplication(r *rules, a store.Application, creating bool) (created, updated int64) {
	r.need("application name", a.Name)
	validUnenrolled(r, a.Unenrolled)
	validFailMode(r, a.FailMode)
	r.positive("default unlock", a.DefaultUnlock)
	r.positive("max unlock", a.MaxUnlock)
	for _, o := range a.Origins {
		if o == "" || strings.ContainsAny(o, "\n\r") {
			r.fail("origin %q is empty or spans lines", o)
		}
	}
	created = r.time("created at", a.CreatedAt, creating)
	updated = r.time("updated at", a.UpdatedAt, false)
	return created, updated
}

// UpdateApplication implements store.Tx.
func (t *txn) UpdateApplication(ctx context.Context, a store.Application) error {
	r := rules{op: "update application"}
	r.need("application id", a.ID)
	_, updated := validApplication(&r, a, false)
	if r.err != nil {
		return r.err
	}
	var issuer string
	err := t.tx.QueryRow(ctx, `UPDATE applications SET name = $1, unenrolled = $2, fail_mode = $3, enabled = $4,
		locked_down = $5, default_unlock = $6, max_unlock = $7, updated_at = $8, origins = $9 WHERE id = $10 RETURNING issuer`,
		a.Name, a.Unenrolled, a.FailMode, a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), updated,
		array(a.Origins), a.ID).
		Scan(&issuer)
	if err != nil {
		return wrap(r.op, err)
	}
	t.changed(cache.Event{Kind: cache.App, AppID: a.ID, Issuer: issuer})
	return nil
}

// CreateSigningKey implements store.Tx. An HS256 key needs a sealed
// secret and no public key; ES256 and EdDSA keys the other way round.
func (t *txn) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	r := rules{op: "create signing key"}
	r.need("kid", k.KID)
	r.need("application id", k.AppID)
	r.need("tenant id", k.TenantID)
	r.oneOf("algorithm", k.Algorithm, store.AlgHS256, store.AlgES256, store.AlgEdDSA)
	if k.Algorithm == store.AlgHS256 {
		if len(k.SealedSecret) == 0 || len(k.PublicKey) != 0 {
			r.fail("an HS256 key has a sealed secret and no public key")
		}
	} else if len(k.PublicKey) == 0 || len(k.SealedSecret) != 0 {
		r.fail("an %s key has a public key and no secret", k.Algorithm)
	}
	created := r.time("created at", k.CreatedAt, true)
	expires := r.time("expires at", k.ExpiresAt, false)
	revoked := r.time("revoked at", k.RevokedAt, false)
	used := r.time("last used at", k.LastUsedAt, false)
	if r.err != nil {
		return r.err
	}
	err := t.insert(ctx, r.op, "a key with this kid exists",
		`INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.KID, k.AppID, k.TenantID, k.Algorithm, blob(k.SealedSecret), blob(k.PublicKey), created, expires, revoked, used)
	if err == nil {
		t.changed(cache.Event{Kind: cache.Keys, AppID: k.AppID})
	}
	return err
}

// RevokeSigningKey implements store.Tx. Revoking a revoked key keeps the
// first time.
func (t *txn) RevokeSigningKey(ctx context.Context, kid string, at time.Time) error {
	r := rules{op: "revoke signing key"}
	r.need("kid", kid)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return r.err
	}
	var app string
	err := t.tx.QueryRow(ctx, `UPDATE signing_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
		WHERE kid = $2 RETURNING app_id`, n, kid).Scan(&app)
	if err != nil {
		return wrap(r.op, err)
	}
	t.changed(cache.Event{Kind: cache.Keys, AppID: app})
	return nil
}

// CreateMember implements store.Tx. The email is stored lower-case.
func (t *txn) CreateMember(ctx context.Context, m store.Member) error {
	r := rules{op: "create member"}
	r.need("member id", m.ID)
	r.need("tenant id", m.TenantID)
	r.need("email", m.Email)
	validRole(&r, m.Role)
	validChannels(&r, m.Channels)
	created := r.time("created at", m.CreatedAt, true)
	updated := r.time("updated at", m.UpdatedAt, false)
	if r.err != nil {
		return r.err
	}
	// A new member owns nothing yet, so no cached state changes.
	return t.insert(ctx, r.op, "a member with this id, or this email in the tenant, exists",
		`INSERT INTO members (`+memberCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, m.TenantID, strings.ToLower(m.Email), m.Name, m.Role, m.LockAll, m.LockedDown, created, updated, channelValue(m.Channels))
}

// UpdateMember implements store.Tx.
func (t *txn) UpdateMember(ctx context.Context, m store.Member) error {
	r := rules{op: "update member"}
	r.need("member id", m.ID)
	validRole(&r, m.Role)
	validChannels(&r, m.Channels)
	updated := r.time("updated at", m.UpdatedAt, false)
	if r.err != nil {
		return r.err
	}
	n, err := t.exec(ctx, `UPDATE members SET name = $1, role = $2, lock_all = $3, locked_down = $4, updated_at = $5, channels = $6 WHERE id = $7`,
		m.Name, m.Role, m.LockAll, m.LockedDown, updated, channelValue(m.Channels), m.ID)
	if err != nil {
		return wrap(r.op, err)
	}
	if n == 0 {
		return notFound(r.op)
	}
	t.changed(cache.Event{Kind: cache.Member, MemberID: m.ID})
	return nil
}

// CreateAccount implements store.Tx. An owner in another tenant, or one
// that does not exist, is store.ErrInvalid.
func (t *txn) CreateAccount(ctx context.Context, a store.Account) error {
	r := rules{op: "create account"}
	r.need("account id", a.ID)
	r.need("tenant id", a.TenantID)
	r.need("application id", a.AppID)
	r.need("account name", a.Name)
	created := r.time("created at", a.CreatedAt, true)
	updated := r.time("updated at", a.UpdatedAt, false)
	if r.err != nil {
		return r.err
	}
	err := t.insert(ctx, r.op, "an account with this id, or this name in the application, exists",
		`INSERT INTO accounts (`+accountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.TenantID, a.AppID, a.Name, nullable(a.OwnerID), created, updated)
	if err == nil {
		// A node may have cached "not enrolled".
		t.changed(cache.Event{Kind: cache.State, AppID: a.AppID, Account: a.Name})
	}
	return err
}

// SetAccountOwner implements store.Tx. A missing account is
// store.ErrNotFound; a missing owner, or one in another tenant, is
// store.ErrInvalid.
func (t *txn) SetAccountOwner(ctx context.Context, accountID, ownerID string, at time.Time) error {
	r := rules{op: "set account owner"}
	r.need("account id", accountID)
	n := r.time("updated at", at, true)
	if r.err != nil {
		return r.err
	}
	var app, name string
	err := t.tx.QueryRow(ctx, `UPDATE accounts SET owner_id = $1, updated_at = $2 WHERE id = $3 RETURNING app_id, name`,
		nullable(ownerID), n, accountID).Scan(&app, &name)
	if err != nil {
		return wrap(r.op, err)
	}
	t.changed(cache.Event{Kind: cache.State, AppID: app, Account: name})
	return nil
}

// accountRef is what grant writes need to know of an account.
type accountRef struct {
	tenant, app, name string
	current           *string // the current grant's ID
}

// lockAccount reads an account's reference and locks its row until the
// transaction ends, so that grant changes of one account (a PutGrant and a
// RevokeCurrentGrant from two nodes) happen one after the other. No such
// account is store.ErrNotFound.
func (t *txn) lockAccount(ctx context.Context, accountID string) (accountRef, error) {
	var ref accountRef
	err := t.tx.QueryRow(ctx, `SELECT tenant_id, app_id, name, current_grant_id FROM accounts WHERE id = $1 FOR NO KEY UPDATE`,
		accountID).Scan(&ref.tenant, &ref.app, &ref.name, &ref.current)
	if errors.Is(err, pgx.ErrNoRows) {
		return ref, store.ErrNotFound
	}
	return ref, err
}

// PutGrant implements store.Tx. An account that does not exist in the
// grant's tenant is store.ErrInvalid.
func (t *txn) PutGrant(ctx context.Context, g store.Grant) error {
	r := rules{op: "put grant"}
	r.need("grant id", g.ID)
	r.need("tenant id", g.TenantID)
	r.need("account id", g.AccountID)
	r.need("granted by", g.GrantedBy)
	until := r.time("until", g.Until, true)
	created := r.time("created at", g.CreatedAt, true)
	consumed := r.time("consumed at", g.ConsumedAt, false)
	revoked := r.time("revoked at", g.RevokedAt, false)
	if r.err != nil {
		return r.err
	}
	ref, err := t.lockAccount(ctx, g.AccountID)
	if errors.Is(err, store.ErrNotFound) || err == nil && ref.tenant != g.TenantID {
		return invalid(r.op, "account %s does not exist in tenant %s", g.AccountID, g.TenantID)
	}
	if err != nil {
		return wrap(r.op, err)
	}
	if err := t.insert(ctx, r.op, "a grant with this id exists",
		`INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		g.ID, g.TenantID, g.AccountID, until, g.Once, g.Reason, g.GrantedBy, created, consumed, revoked); err != nil {
		return err
	}
	if ref.current != nil {
		if _, err := t.exec(ctx, `UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`, created, *ref.current); err != nil {
			return wrap(r.op, err)
		}
	}
	if _, err := t.exec(ctx, `UPDATE accounts SET current_grant_id = $1 WHERE id = $2`, g.ID, g.AccountID); err != nil {
		return wrap(r.op, err)
	}
	t.changed(cache.Event{Kind: cache.State, AppID: ref.app, Account: ref.name})
	return nil
}

// usable is the SQL form of store.Grant.Usable for the grant row g at the
// time bound as $1.
const usable = `g.revoked_at = 0 AND g.consumed_at = 0 AND g.until > $1`

// RevokeCurrentGrant implements store.Tx. A missing account is
// store.ErrNotFound.
func (t *txn) RevokeCurrentGrant(ctx context.Context, accountID string, at time.Time) (bool, error) {
	r := rules{op: "revoke current grant"}
	r.need("account id", accountID)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return false, r.err
	}
	ref, err := t.lockAccount(ctx, accountID)
	if err != nil {
		return false, wrap(r.op, err)
	}
	if ref.current == nil {
		return false, nil
	}
	rows, err := t.exec(ctx, `UPDATE grants AS g SET revoked_at = $1 WHERE g.id = $2 AND `+usable, n, *ref.current)
	if err != nil {
		return false, wrap(r.op, err)
	}
	if rows == 1 {
		t.changed(cache.Event{Kind: cache.State, AppID: ref.app, Account: ref.name})
	}
	return rows == 1, nil
}

// RevokeGrantsOfOwner implements store.Tx. It locks the member's accounts
// (in id order) before revoking, like lockAccount. A missing member is
// store.ErrNotFound.
func (t *txn) RevokeGrantsOfOwner(ctx context.Context, memberID string, at time.Time) (int, error) {
	r := rules{op: "revoke grants of owner"}
	r.need("member id", memberID)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return 0, r.err
	}
	var one int
	if err := t.tx.QueryRow(ctx, `SELECT 1 FROM members WHERE id = $1`, memberID).Scan(&one); err != nil {
		return 0, wrap(r.op, err)
	}
	rows, err := t.exec(ctx, `WITH owned AS (
			SELECT current_grant_id FROM accounts WHERE owner_id = $2 AND current_grant_id IS NOT NULL
			ORDER BY id FOR NO KEY UPDATE)
		UPDATE grants AS g SET revoked_at = $1 FROM owned WHERE g.id = owned.current_grant_id AND `+usable, n, memberID)
	if err != nil {
		return 0, wrap(r.op, err)
	}
	if rows > 0 {
		t.changed(cache.Event{Kind: cache.Member, MemberID: memberID})
	}
	return int(rows), nil
}

// ConsumeGrant implements store.Tx with one conditional UPDATE: of
// concurrent ones for the same row, PostgreSQL runs one at a time and each
// re-checks the condition on the row the last one left, so exactly one
// changes it. Only a once grant can be consumed; an unknown grant is
// simply not consumed.
func (t *txn) ConsumeGrant(ctx context.Context, grantID string, at time.Time) (bool, error) {
	r := rules{op: "consume grant"}
	r.need("grant id", grantID)
	n := r.time("consumed at", at, true)
	if r.err != nil {
		return false, r.err
	}
	var app, name string
	err := t.tx.QueryRow(ctx, `WITH used AS (
			UPDATE grants AS g SET consumed_at = $1 WHERE g.id = $2 AND g.once AND `+usable+` RETURNING g.account_id)
		SELECT a.app_id, a.name FROM used JOIN accounts a ON a.id = used.account_id`, n, grantID).Scan(&app, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap(r.op, err)
	}
	t.changed(cache.Event{Kind: cache.State, AppID: app, Account: name})
	return true, nil
}

// AppendAudit implements store.Tx. It locks the tenant's row (FOR NO KEY
// UPDATE, which does not block inserts that merely reference the tenant)
// until the transaction ends, so appends of one tenant from any number of
// nodes run one at a time and each reads the last committed record; the
// (tenant_id, seq) primary key would refuse a duplicate anyway.
func (t *txn) AppendAudit(ctx context.Context, e audit.Event, at time.Time) (audit.Record, error) {
	r := rules{op: "append audit"}
	r.need("tenant id", e.TenantID)
	r.need("actor", e.Actor)
	r.need("action", e.Action)
	n := r.time("at", at, true)
	if r.err != nil {
		return audit.Record{}, r.err
	}
	var one int
	err := t.tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, e.TenantID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Record{}, invalid(r.op, "tenant %s does not exist", e.TenantID)
	}
	if err != nil {
		return audit.Record{}, wrap(r.op, err)
	}
	var prev *audit.Record
	var last audit.Record
	switch err := t.tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`,
		e.TenantID).Scan(&last.Seq, &last.Hash); {
	case err == nil:
		prev = &last
	case !errors.Is(err, pgx.ErrNoRows):
		return audit.Record{}, wrap(r.op, err)
	}
	rec, err := audit.Next(prev, e, at)
	if err != nil {
		return audit.Record{}, fmt.Errorf("postgres: %s: %w: %w", r.op, store.ErrInvalid, err)
	}
	if _, err := t.exec(ctx, `INSERT INTO audit_log (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		rec.TenantID, rec.Seq, n, rec.Actor, rec.Action, rec.Target, string(rec.Data), rec.PrevHash, rec.Hash); err != nil {
		return audit.Record{}, wrap(r.op, err)
	}
	return rec, nil
}
