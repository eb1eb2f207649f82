package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// maxEvents caps the change events one transaction lists; a bigger one (a
// bulk import) announces cache.All instead.
const maxEvents = 256

// txn is the store.Tx given to an Update's function.
type txn struct {
	reads         // store.Reader inside the transaction
	sqlrow.Writes // the writes written once for both backends
	tx            pgx.Tx
	// events are the changes to cached data made so far; all replaces them
	// when there are too many.
	events []cache.Event
	all    bool
	// acked: a change whose acknowledgement waits until every node's
	// cache has heard it (see Store.Update); seq numbers the announcement.
	acked bool
	seq   int64
}

var _ store.Tx = (*txn)(nil)

// changed records a change to announce at commit, which Update
// acknowledges only once every node's cache has heard it.
func (t *txn) changed(e cache.Event) {
	t.acked = true
	t.announced(e)
}

// announced records a change to announce at commit that Update need not
// wait for, because no node decides anything on its cached copy of it
// (a consumed once grant: every node asks the database to consume it).
func (t *txn) announced(e cache.Event) {
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

// exec runs a plain write and returns the number of rows it changed; an
// error is wrapped for op.
func (t *txn) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	return rowDB{t.tx}.Exec(ctx, op, query, args...)
}

// insert runs an INSERT … ON CONFLICT DO NOTHING and reports a skipped
// row as store.ErrConflict, which leaves the transaction usable.
func (t *txn) insert(ctx context.Context, op, what, sql string, args ...any) error {
	return rowDB{t.tx}.Insert(ctx, op, what, sql, args...)
}

// rowDB is a connection, the pool or a transaction, as the writes sqlrow
// keeps for both backends see it (sqlrow.DB).
type rowDB struct{ q querier }

func (r rowDB) Exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	tag, err := r.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, wrap(op, err)
	}
	return tag.RowsAffected(), nil
}

func (r rowDB) QueryRow(ctx context.Context, query string, args ...any) sqlrow.Row {
	return r.q.QueryRow(ctx, query, args...)
}

// Insert adds ON CONFLICT DO NOTHING, so that a record that exists already
// leaves a transaction usable, and reports the skipped row as
// store.ErrConflict, worded by what.
func (r rowDB) Insert(ctx context.Context, op, what, query string, args ...any) error {
	n, err := r.Exec(ctx, op, query+` ON CONFLICT DO NOTHING`, args...)
	if err == nil && n == 0 {
		return conflict(op, what)
	}
	return err
}

// CreateTenant implements store.Tx.
func (t *txn) CreateTenant(ctx context.Context, tn store.Tenant) error {
	const op = "create tenant"
	if err := valid.Tenant(tn); err != nil {
		return wrap(op, err)
	}
	return t.insert(ctx, op, valid.Conflict("tenants", []string{"name"}),
		`INSERT INTO tenants (`+sqlrow.TenantCols+`) VALUES ($1, $2, $3)`, tn.ID, tn.Name, valid.Nanos(tn.CreatedAt))
}

// CreateApplication implements store.Tx.
func (t *txn) CreateApplication(ctx context.Context, a store.Application) error {
	const op = "create application"
	if err := valid.Application(a); err != nil {
		return wrap(op, err)
	}
	err := t.insert(ctx, op, valid.Conflict("applications", []string{"issuer"}),
		`INSERT INTO applications (`+sqlrow.AppCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.TenantID, a.Name, a.Issuer, a.Unenrolled, a.FailMode,
		a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), valid.Nanos(a.CreatedAt), valid.Nanos(a.UpdatedAt),
		dialect.Lists.Value(a.Origins, sqlrow.OriginsSep), a.ServerNamesAccounts)
	if err == nil {
		// A node may have cached "no such issuer".
		t.changed(cache.Event{Kind: cache.App, AppID: a.ID, Issuer: a.Issuer})
	}
	return err
}

// UpdateApplication implements store.Tx.
func (t *txn) UpdateApplication(ctx context.Context, a store.Application) error {
	const op = "update application"
	if err := valid.ApplicationUpdate(a); err != nil {
		return wrap(op, err)
	}
	var issuer string
	err := t.tx.QueryRow(ctx, `UPDATE applications SET name = $1, unenrolled = $2, fail_mode = $3, enabled = $4,
		locked_down = $5, default_unlock = $6, max_unlock = $7, updated_at = $8, origins = $9, server_names_accounts = $10 WHERE id = $11 RETURNING issuer`,
		a.Name, a.Unenrolled, a.FailMode, a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), valid.Nanos(a.UpdatedAt),
		dialect.Lists.Value(a.Origins, sqlrow.OriginsSep), a.ServerNamesAccounts, a.ID).
		Scan(&issuer)
	if err != nil {
		return wrap(op, err)
	}
	t.changed(cache.Event{Kind: cache.App, AppID: a.ID, Issuer: issuer})
	return nil
}

// CreateSigningKey implements store.Tx. An HS256 key needs a sealed
// secret and no public key; ES256 and EdDSA keys the other way round.
func (t *txn) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	const op = "create signing key"
	if err := valid.SigningKey(k); err != nil {
		return wrap(op, err)
	}
	err := t.insert(ctx, op, valid.Conflict("signing_keys", []string{"kid"}),
		`INSERT INTO signing_keys (`+sqlrow.KeyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		k.KID, k.AppID, k.TenantID, k.Algorithm, blob(k.SealedSecret), blob(k.PublicKey),
		valid.Nanos(k.CreatedAt), valid.Nanos(k.ExpiresAt), valid.Nanos(k.RevokedAt), valid.Nanos(k.LastUsedAt))
	if err == nil {
		t.changed(cache.Event{Kind: cache.Keys, AppID: k.AppID})
	}
	return err
}

// RevokeSigningKey implements store.Tx. Revoking a revoked key keeps the
// first time.
func (t *txn) RevokeSigningKey(ctx context.Context, kid string, at time.Time) error {
	const op = "revoke signing key"
	n, err := valid.Stamp("kid", kid, "revoked at", at)
	if err != nil {
		return wrap(op, err)
	}
	var app string
	err = t.tx.QueryRow(ctx, `UPDATE signing_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $1 ELSE revoked_at END
		WHERE kid = $2 RETURNING app_id`, n, kid).Scan(&app)
	if err != nil {
		return wrap(op, err)
	}
	t.changed(cache.Event{Kind: cache.Keys, AppID: app})
	return nil
}

// DeleteSigningKey implements store.Tx.
func (t *txn) DeleteSigningKey(ctx context.Context, kid string) error {
	const op = "delete signing key"
	var app string
	var revoked int64
	err := t.tx.QueryRow(ctx, `SELECT app_id, revoked_at FROM signing_keys WHERE kid = $1 FOR UPDATE`, kid).Scan(&app, &revoked)
	if err != nil {
		return wrap(op, err)
	}
	if revoked == 0 {
		return conflict(op, valid.MsgKeyActive)
	}
	if _, err := t.tx.Exec(ctx, `DELETE FROM signing_keys WHERE kid = $1`, kid); err != nil {
		return wrap(op, err)
	}
	t.changed(cache.Event{Kind: cache.Keys, AppID: app})
	return nil
}

// CreateMember implements store.Tx. The email is stored lower-case.
func (t *txn) CreateMember(ctx context.Context, m store.Member) error {
	const op = "create member"
	if err := valid.Member(m); err != nil {
		return wrap(op, err)
	}
	// A new member owns nothing yet, so no cached state changes.
	return t.insert(ctx, op, valid.Conflict("members", []string{"email"}),
		`INSERT INTO members (`+sqlrow.MemberCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		m.ID, m.TenantID, strings.ToLower(m.Email), m.Name, m.Role, m.LockAll, m.LockedDown,
		valid.Nanos(m.CreatedAt), valid.Nanos(m.UpdatedAt), channelValue(m.Channels), valid.Nanos(m.EmailVerifiedAt))
}

// UpdateMember implements store.Tx.
func (t *txn) UpdateMember(ctx context.Context, m store.Member) error {
	const op = "update member"
	if err := valid.MemberUpdate(m); err != nil {
		return wrap(op, err)
	}
	n, err := t.exec(ctx, op, `UPDATE members SET name = $1, role = $2, lock_all = $3, locked_down = $4, updated_at = $5, channels = $6 WHERE id = $7`,
		m.Name, m.Role, m.LockAll, m.LockedDown, valid.Nanos(m.UpdatedAt), channelValue(m.Channels), m.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(op)
	}
	t.changed(cache.Event{Kind: cache.Member, MemberID: m.ID})
	return nil
}

// VerifyEmail implements store.Tx with one conditional UPDATE. The lock
// check does not read the column, so no cached state changes.
func (t *txn) VerifyEmail(ctx context.Context, id, email string, at time.Time) (bool, error) {
	return dialect.VerifyEmail(ctx, rowDB{t.tx}, `UPDATE members SET email_verified_at = $1 WHERE id = $2 AND email = $3
		AND email_verified_at = 0`, `SELECT email FROM members WHERE id = $1`, id, email, at)
}

// CreateAccount implements store.Tx. An owner in another tenant, or one
// that does not exist, is store.ErrInvalid.
func (t *txn) CreateAccount(ctx context.Context, a store.Account) error {
	const op = "create account"
	if err := valid.Account(a); err != nil {
		return wrap(op, err)
	}
	err := t.insert(ctx, op, valid.Conflict("accounts", []string{"name"}),
		`INSERT INTO accounts (`+sqlrow.AccountCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.TenantID, a.AppID, a.Name, nullable(a.OwnerID), valid.Nanos(a.CreatedAt), valid.Nanos(a.UpdatedAt))
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
	const op = "set account owner"
	n, err := valid.Stamp("account id", accountID, "updated at", at)
	if err != nil {
		return wrap(op, err)
	}
	var app, name string
	err = t.tx.QueryRow(ctx, `UPDATE accounts SET owner_id = $1, updated_at = $2 WHERE id = $3 RETURNING app_id, name`,
		nullable(ownerID), n, accountID).Scan(&app, &name)
	if err != nil {
		return wrap(op, err)
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
	const op = "put grant"
	if err := valid.Grant(g); err != nil {
		return wrap(op, err)
	}
	ref, err := t.lockAccount(ctx, g.AccountID)
	if errors.Is(err, store.ErrNotFound) || err == nil && ref.tenant != g.TenantID {
		return invalid(op, "account %s does not exist in tenant %s", g.AccountID, g.TenantID)
	}
	if err != nil {
		return wrap(op, err)
	}
	created := valid.Nanos(g.CreatedAt)
	if err := t.insert(ctx, op, valid.Conflict("grants", nil),
		`INSERT INTO grants (`+sqlrow.GrantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		g.ID, g.TenantID, g.AccountID, valid.Nanos(g.Until), g.Once, g.Reason, g.GrantedBy,
		created, valid.Nanos(g.ConsumedAt), valid.Nanos(g.RevokedAt)); err != nil {
		return err
	}
	if ref.current != nil {
		if _, err := t.exec(ctx, op, `UPDATE grants SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`, created, *ref.current); err != nil {
			return err
		}
	}
	if _, err := t.exec(ctx, op, `UPDATE accounts SET current_grant_id = $1 WHERE id = $2`, g.ID, g.AccountID); err != nil {
		return err
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
	const op = "revoke current grant"
	n, err := valid.Stamp("account id", accountID, "revoked at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	ref, err := t.lockAccount(ctx, accountID)
	if err != nil {
		return false, wrap(op, err)
	}
	if ref.current == nil {
		return false, nil
	}
	rows, err := t.exec(ctx, op, `UPDATE grants AS g SET revoked_at = $1 WHERE g.id = $2 AND `+usable, n, *ref.current)
	if err != nil {
		return false, err
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
	const op = "revoke grants of owner"
	n, err := valid.Stamp("member id", memberID, "revoked at", at)
	if err != nil {
		return 0, wrap(op, err)
	}
	var one int
	if err := t.tx.QueryRow(ctx, `SELECT 1 FROM members WHERE id = $1`, memberID).Scan(&one); err != nil {
		return 0, wrap(op, err)
	}
	rows, err := t.exec(ctx, op, `WITH owned AS (
			SELECT current_grant_id FROM accounts WHERE owner_id = $2 AND current_grant_id IS NOT NULL
			ORDER BY id FOR NO KEY UPDATE)
		UPDATE grants AS g SET revoked_at = $1 FROM owned WHERE g.id = owned.current_grant_id AND `+usable, n, memberID)
	if err != nil {
		return 0, err
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
	const op = "consume grant"
	n, err := valid.Stamp("grant id", grantID, "consumed at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	var app, name string
	err = t.tx.QueryRow(ctx, `WITH used AS (
			UPDATE grants AS g SET consumed_at = $1 WHERE g.id = $2 AND g.once AND `+usable+` RETURNING g.account_id)
		SELECT a.app_id, a.name FROM used JOIN accounts a ON a.id = used.account_id`, n, grantID).Scan(&app, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, wrap(op, err)
	}
	t.announced(cache.Event{Kind: cache.State, AppID: app, Account: name})
	return true, nil
}

// AppendAudit implements store.Tx. It locks the tenant's row (FOR NO KEY
// UPDATE, which does not block inserts that merely reference the tenant)
// until the transaction ends, so appends of one tenant from any number of
// nodes run one at a time and each reads the last committed record; the
// (tenant_id, seq) primary key would refuse a duplicate anyway.
func (t *txn) AppendAudit(ctx context.Context, e audit.Event, at time.Time) (audit.Record, error) {
	const op = "append audit"
	if err := valid.AuditEvent(e, at); err != nil {
		return audit.Record{}, wrap(op, err)
	}
	var one int
	err := t.tx.QueryRow(ctx, `SELECT 1 FROM tenants WHERE id = $1 FOR NO KEY UPDATE`, e.TenantID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return audit.Record{}, invalid(op, "tenant %s does not exist", e.TenantID)
	}
	if err != nil {
		return audit.Record{}, wrap(op, err)
	}
	rec, err := dialect.NextAudit(op, t.tx.QueryRow(ctx, sqlrow.LastAuditQuery, e.TenantID), e, at)
	if err != nil {
		return audit.Record{}, err
	}
	if _, err := t.exec(ctx, op, sqlrow.InsertAuditQuery, sqlrow.AuditArgs(rec, at)...); err != nil {
		return audit.Record{}, err
	}
	return rec, nil
}
