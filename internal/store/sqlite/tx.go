package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// txn is the store.Tx given to an Update's function.
type txn struct {
	reads         // store.Reader inside the transaction
	sqlrow.Writes // the writes written once for both backends
	s             *Store
	tx            *sql.Tx
	ctx           context.Context
	// stmts caches the write pool's statements bound to tx, so a million
	// CreateAccount calls in one Update share one prepared insert.
	stmts [numStmts]*sql.Stmt
}

var _ store.Tx = (*txn)(nil)

func (t *txn) stmt(ctx context.Context, id stmtID) (*sql.Stmt, error) {
	if st := t.stmts[id]; st != nil {
		return st, nil
	}
	ps := t.s.wstmt[id]
	if ps == nil {
		return nil, sqlrow.ErrClosed
	}
	// The statement is bound to the transaction for its whole life, so it
	// takes the Update's context, not this call's.
	st := t.tx.StmtContext(t.ctx, ps)
	t.stmts[id] = st
	return st, nil
}

// exec runs a plain write and returns the number of rows it changed; an
// error is wrapped for op.
func (t *txn) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	return rowDB{t.tx}.Exec(ctx, op, query, args...)
}

// execStmt runs a prepared write and returns the number of rows it
// changed.
func (t *txn) execStmt(ctx context.Context, id stmtID, args ...any) (int64, error) {
	st, err := t.stmt(ctx, id)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// conn is what both the write pool and a transaction offer.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// rowDB is a connection, the write pool or a transaction, as the writes
// sqlrow keeps for both backends see it (sqlrow.DB). An INSERT of a record
// that exists already fails with the database's unique violation, which
// names it, so Insert needs no what.
type rowDB struct{ c conn }

func (r rowDB) Insert(ctx context.Context, op, _, query string, args ...any) error {
	_, err := r.Exec(ctx, op, query, args...)
	return err
}

func (r rowDB) Exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := r.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, wrap(op, err)
	}
	n, err := res.RowsAffected()
	return n, wrap(op, err)
}

func (r rowDB) QueryRow(ctx context.Context, query string, args ...any) sqlrow.Row {
	return r.c.QueryRowContext(ctx, query, args...)
}

// CreateTenant implements store.Tx.
func (t *txn) CreateTenant(ctx context.Context, tn store.Tenant) error {
	const op = "create tenant"
	if err := valid.Tenant(tn); err != nil {
		return wrap(op, err)
	}
	_, err := t.execStmt(ctx, qCreateTenant, tn.ID, tn.Name, valid.Nanos(tn.CreatedAt))
	return wrap(op, err)
}

// CreateApplication implements store.Tx.
func (t *txn) CreateApplication(ctx context.Context, a store.Application) error {
	const op = "create application"
	if err := valid.Application(a); err != nil {
		return wrap(op, err)
	}
	_, err := t.execStmt(ctx, qCreateApplication, a.ID, a.TenantID, a.Name, a.Issuer, a.Unenrolled, a.FailMode,
		a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), valid.Nanos(a.CreatedAt), valid.Nanos(a.UpdatedAt),
		dialect.Lists.Value(a.Origins, sqlrow.OriginsSep), a.ServerNamesAccounts)
	return wrap(op, err)
}

// UpdateApplication implements store.Tx.
func (t *txn) UpdateApplication(ctx context.Context, a store.Application) error {
	const op = "update application"
	if err := valid.ApplicationUpdate(a); err != nil {
		return wrap(op, err)
	}
	n, err := t.execStmt(ctx, qUpdateApplication, a.Name, a.Unenrolled, a.FailMode, a.Enabled, a.LockedDown,
		int64(a.DefaultUnlock), int64(a.MaxUnlock), valid.Nanos(a.UpdatedAt), dialect.Lists.Value(a.Origins, sqlrow.OriginsSep), a.ServerNamesAccounts, a.ID)
	return found(op, n, err)
}

// CreateSigningKey implements store.Tx. An HS256 key needs a sealed
// secret and no public key; ES256 and EdDSA keys the other way round.
func (t *txn) CreateSigningKey(ctx context.Context, k store.SigningKey) error {
	const op = "create signing key"
	if err := valid.SigningKey(k); err != nil {
		return wrap(op, err)
	}
	_, err := t.execStmt(ctx, qCreateSigningKey, k.KID, k.AppID, k.TenantID, k.Algorithm, blob(k.SealedSecret), blob(k.PublicKey),
		valid.Nanos(k.CreatedAt), valid.Nanos(k.ExpiresAt), valid.Nanos(k.RevokedAt), valid.Nanos(k.LastUsedAt))
	return wrap(op, err)
}

// RevokeSigningKey implements store.Tx.
func (t *txn) RevokeSigningKey(ctx context.Context, kid string, at time.Time) error {
	const op = "revoke signing key"
	n, err := valid.Stamp("kid", kid, "revoked at", at)
	if err != nil {
		return wrap(op, err)
	}
	rows, err := t.execStmt(ctx, qRevokeSigningKey, n, kid)
	return found(op, rows, err)
}

// DeleteSigningKey implements store.Tx.
func (t *txn) DeleteSigningKey(ctx context.Context, kid string) error {
	const op = "delete signing key"
	var revoked int64
	err := t.tx.QueryRowContext(ctx, `SELECT revoked_at FROM signing_keys WHERE kid = ?`, kid).Scan(&revoked)
	if err != nil {
		return wrap(op, err)
	}
	if revoked == 0 {
		return conflict(op, valid.MsgKeyActive)
	}
	_, err = t.tx.ExecContext(ctx, `DELETE FROM signing_keys WHERE kid = ?`, kid)
	return wrap(op, err)
}

// CreateMember implements store.Tx. The email is stored lower-case.
func (t *txn) CreateMember(ctx context.Context, m store.Member) error {
	const op = "create member"
	if err := valid.Member(m); err != nil {
		return wrap(op, err)
	}
	_, err := t.execStmt(ctx, qCreateMember, m.ID, m.TenantID, strings.ToLower(m.Email), m.Name, m.Role,
		m.LockAll, m.LockedDown, valid.Nanos(m.CreatedAt), valid.Nanos(m.UpdatedAt), channelValue(m.Channels), valid.Nanos(m.EmailVerifiedAt))
	return wrap(op, err)
}

// UpdateMember implements store.Tx.
func (t *txn) UpdateMember(ctx context.Context, m store.Member) error {
	const op = "update member"
	if err := valid.MemberUpdate(m); err != nil {
		return wrap(op, err)
	}
	n, err := t.execStmt(ctx, qUpdateMember, m.Name, m.Role, m.LockAll, m.LockedDown, valid.Nanos(m.UpdatedAt), channelValue(m.Channels), m.ID)
	return found(op, n, err)
}

// VerifyEmail implements store.Tx with one conditional UPDATE.
func (t *txn) VerifyEmail(ctx context.Context, id, email string, at time.Time) (bool, error) {
	return dialect.VerifyEmail(ctx, rowDB{t.tx}, `UPDATE members SET email_verified_at = ? WHERE id = ? AND email = ?
		AND email_verified_at = 0`, `SELECT email FROM members WHERE id = ?`, id, email, at)
}

// CreateAccount implements store.Tx. An owner in another tenant, or one
// that does not exist, is store.ErrInvalid.
func (t *txn) CreateAccount(ctx context.Context, a store.Account) error {
	const op = "create account"
	if err := valid.Account(a); err != nil {
		return wrap(op, err)
	}
	_, err := t.execStmt(ctx, qCreateAccount, a.ID, a.TenantID, a.AppID, a.Name, nullable(a.OwnerID),
		valid.Nanos(a.CreatedAt), valid.Nanos(a.UpdatedAt))
	return wrap(op, err)
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
	rows, err := t.execStmt(ctx, qSetAccountOwner, nullable(ownerID), n, accountID)
	return found(op, rows, err)
}

// PutGrant implements store.Tx. An account that does not exist in the
// grant's tenant is store.ErrInvalid.
func (t *txn) PutGrant(ctx context.Context, g store.Grant) error {
	const op = "put grant"
	if err := valid.Grant(g); err != nil {
		return wrap(op, err)
	}
	tenant, prev, err := t.grantRef(ctx, g.AccountID)
	if errors.Is(err, store.ErrNotFound) || err == nil && tenant != g.TenantID {
		return invalid(op, "account %s does not exist in tenant %s", g.AccountID, g.TenantID)
	}
	if err != nil {
		return wrap(op, err)
	}
	created := valid.Nanos(g.CreatedAt)
	if _, err := t.execStmt(ctx, qInsertGrant, g.ID, g.TenantID, g.AccountID, valid.Nanos(g.Until), g.Once, g.Reason, g.GrantedBy,
		created, valid.Nanos(g.ConsumedAt), valid.Nanos(g.RevokedAt)); err != nil {
		return wrap(op, err)
	}
	if prev != "" {
		if _, err := t.execStmt(ctx, qRevokeGrant, created, prev); err != nil {
			return wrap(op, err)
		}
	}
	if _, err := t.execStmt(ctx, qSetCurrentGrant, g.ID, g.AccountID); err != nil {
		return wrap(op, err)
	}
	return nil
}

// grantRef reads an account's tenant and current grant ID ("" for none).
func (t *txn) grantRef(ctx context.Context, accountID string) (tenant, grantID string, err error) {
	row, err := t.row(ctx, qAccountGrantRef, accountID)
	if err != nil {
		return "", "", err
	}
	var cur sql.NullString
	if err := row.Scan(&tenant, &cur); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", "", store.ErrNotFound
		}
		return "", "", err
	}
	return tenant, cur.String, nil
}

// RevokeCurrentGrant implements store.Tx. A missing account is
// store.ErrNotFound.
func (t *txn) RevokeCurrentGrant(ctx context.Context, accountID string, at time.Time) (bool, error) {
	const op = "revoke current grant"
	n, err := valid.Stamp("account id", accountID, "revoked at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	_, cur, err := t.grantRef(ctx, accountID)
	if err != nil {
		return false, wrap(op, err)
	}
	if cur == "" {
		return false, nil
	}
	rows, err := t.execStmt(ctx, qRevokeCurrentGrant, n, cur)
	if err != nil {
		return false, wrap(op, err)
	}
	return rows == 1, nil
}

// RevokeGrantsOfOwner implements store.Tx. A missing member is
// store.ErrNotFound.
func (t *txn) RevokeGrantsOfOwner(ctx context.Context, memberID string, at time.Time) (int, error) {
	const op = "revoke grants of owner"
	n, err := valid.Stamp("member id", memberID, "revoked at", at)
	if err != nil {
		return 0, wrap(op, err)
	}
	row, err := t.row(ctx, qMemberExists, memberID)
	if err != nil {
		return 0, wrap(op, err)
	}
	var one int
	if err := row.Scan(&one); err != nil {
		return 0, wrap(op, err)
	}
	rows, err := t.execStmt(ctx, qRevokeGrantsOfOwner, n, memberID)
	if err != nil {
		return 0, wrap(op, err)
	}
	return int(rows), nil
}

// ConsumeGrant implements store.Tx with one conditional UPDATE. Only a
// once grant can be consumed; an unknown grant is simply not consumed.
func (t *txn) ConsumeGrant(ctx context.Context, grantID string, at time.Time) (bool, error) {
	const op = "consume grant"
	n, err := valid.Stamp("grant id", grantID, "consumed at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	rows, err := t.execStmt(ctx, qConsumeGrant, n, grantID)
	if err != nil {
		return false, wrap(op, err)
	}
	return rows == 1, nil
}

// AppendAudit implements store.Tx. The transaction holds SQLite's write
// lock from its first statement, so reading the last record and inserting
// the next cannot interleave with another writer; the (tenant_id, seq)
// primary key would refuse a duplicate anyway.
func (t *txn) AppendAudit(ctx context.Context, e audit.Event, at time.Time) (audit.Record, error) {
	const op = "append audit"
	if err := valid.AuditEvent(e, at); err != nil {
		return audit.Record{}, wrap(op, err)
	}
	row, err := t.row(ctx, qLastAudit, e.TenantID)
	if err != nil {
		return audit.Record{}, wrap(op, err)
	}
	rec, err := dialect.NextAudit(op, row, e, at)
	if err != nil {
		return audit.Record{}, err
	}
	if _, err := t.execStmt(ctx, qInsertAudit, sqlrow.AuditArgs(rec, at)...); err != nil {
		return audit.Record{}, wrap(op, err)
	}
	return rec, nil
}
