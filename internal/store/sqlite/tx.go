package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// txn is the store.Tx given to an Update's function.
type txn struct {
	reads // store.Reader inside the transaction
	s     *Store
	tx    *sql.Tx
	ctx   context.Context
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
		return nil, errClosed
	}
	// The statement is bound to the transaction for its whole life, so it
	// takes the Update's context, not this call's.
	st := t.tx.StmtContext(t.ctx, ps)
	t.stmts[id] = st
	return st, nil
}

// exec runs a write statement and returns the number of rows it changed.
func (t *txn) exec(ctx context.Context, id stmtID, args ...any) (int64, error) {
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

// CreateTenant implements store.Tx.
func (t *txn) CreateTenant(ctx context.Context, tn store.Tenant) error {
	r := rules{op: "create tenant"}
	r.need("tenant id", tn.ID)
	r.need("tenant name", tn.Name)
	created := r.time("created at", tn.CreatedAt, true)
	if r.err != nil {
		return r.err
	}
	_, err := t.exec(ctx, qCreateTenant, tn.ID, tn.Name, created)
	return wrap(r.op, err)
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
	_, err := t.exec(ctx, qCreateApplication, a.ID, a.TenantID, a.Name, a.Issuer, a.Unenrolled, a.FailMode,
		a.Enabled, a.LockedDown, int64(a.DefaultUnlock), int64(a.MaxUnlock), created, updated, strings.Join(a.Origins, "\n"))
	return wrap(r.op, err)
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
	n, err := t.exec(ctx, qUpdateApplication, a.Name, a.Unenrolled, a.FailMode, a.Enabled, a.LockedDown,
		int64(a.DefaultUnlock), int64(a.MaxUnlock), updated, strings.Join(a.Origins, "\n"), a.ID)
	return found(r.op, n, err)
}

// found maps "no row changed" to store.ErrNotFound.
func found(op string, n int64, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
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
	_, err := t.exec(ctx, qCreateSigningKey, k.KID, k.AppID, k.TenantID, k.Algorithm, blob(k.SealedSecret), blob(k.PublicKey),
		created, expires, revoked, used)
	return wrap(r.op, err)
}

// RevokeSigningKey implements store.Tx.
func (t *txn) RevokeSigningKey(ctx context.Context, kid string, at time.Time) error {
	r := rules{op: "revoke signing key"}
	r.need("kid", kid)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return r.err
	}
	rows, err := t.exec(ctx, qRevokeSigningKey, n, kid)
	return found(r.op, rows, err)
}

// CreateMember implements store.Tx. The email is stored lower-case.
func (t *txn) CreateMember(ctx context.Context, m store.Member) error {
	r := rules{op: "create member"}
	r.need("member id", m.ID)
	r.need("tenant id", m.TenantID)
	r.need("email", m.Email)
	validRole(&r, m.Role)
	created := r.time("created at", m.CreatedAt, true)
	updated := r.time("updated at", m.UpdatedAt, false)
	if r.err != nil {
		return r.err
	}
	validChannels(&r, m.Channels)
	if r.err != nil {
		return r.err
	}
	_, err := t.exec(ctx, qCreateMember, m.ID, m.TenantID, strings.ToLower(m.Email), m.Name, m.Role,
		m.LockAll, m.LockedDown, created, updated, channelValue(m.Channels))
	return wrap(r.op, err)
}

// UpdateMember implements store.Tx.
func (t *txn) UpdateMember(ctx context.Context, m store.Member) error {
	r := rules{op: "update member"}
	r.need("member id", m.ID)
	validRole(&r, m.Role)
	updated := r.time("updated at", m.UpdatedAt, false)
	if r.err != nil {
		return r.err
	}
	validChannels(&r, m.Channels)
	if r.err != nil {
		return r.err
	}
	n, err := t.exec(ctx, qUpdateMember, m.Name, m.Role, m.LockAll, m.LockedDown, updated, channelValue(m.Channels), m.ID)
	return found(r.op, n, err)
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
	_, err := t.exec(ctx, qCreateAccount, a.ID, a.TenantID, a.AppID, a.Name, nullable(a.OwnerID), created, updated)
	return wrap(r.op, err)
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
	rows, err := t.exec(ctx, qSetAccountOwner, nullable(ownerID), n, accountID)
	return found(r.op, rows, err)
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
	tenant, prev, err := t.grantRef(ctx, g.AccountID)
	if errors.Is(err, store.ErrNotFound) || err == nil && tenant != g.TenantID {
		return invalid(r.op, "account %s does not exist in tenant %s", g.AccountID, g.TenantID)
	}
	if err != nil {
		return wrap(r.op, err)
	}
	if _, err := t.exec(ctx, qInsertGrant, g.ID, g.TenantID, g.AccountID, until, g.Once, g.Reason, g.GrantedBy,
		created, consumed, revoked); err != nil {
		return wrap(r.op, err)
	}
	if prev != "" {
		if _, err := t.exec(ctx, qRevokeGrant, created, prev); err != nil {
			return wrap(r.op, err)
		}
	}
	if _, err := t.exec(ctx, qSetCurrentGrant, g.ID, g.AccountID); err != nil {
		return wrap(r.op, err)
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
	r := rules{op: "revoke current grant"}
	r.need("account id", accountID)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return false, r.err
	}
	_, cur, err := t.grantRef(ctx, accountID)
	if err != nil {
		return false, wrap(r.op, err)
	}
	if cur == "" {
		return false, nil
	}
	rows, err := t.exec(ctx, qRevokeCurrentGrant, n, cur)
	if err != nil {
		return false, wrap(r.op, err)
	}
	return rows == 1, nil
}

// RevokeGrantsOfOwner implements store.Tx. A missing member is
// store.ErrNotFound.
func (t *txn) RevokeGrantsOfOwner(ctx context.Context, memberID string, at time.Time) (int, error) {
	r := rules{op: "revoke grants of owner"}
	r.need("member id", memberID)
	n := r.time("revoked at", at, true)
	if r.err != nil {
		return 0, r.err
	}
	row, err := t.row(ctx, qMemberExists, memberID)
	if err != nil {
		return 0, wrap(r.op, err)
	}
	var one int
	if err := row.Scan(&one); err != nil {
		return 0, wrap(r.op, err)
	}
	rows, err := t.exec(ctx, qRevokeGrantsOfOwner, n, memberID)
	if err != nil {
		return 0, wrap(r.op, err)
	}
	return int(rows), nil
}

// ConsumeGrant implements store.Tx with one conditional UPDATE. Only a
// once grant can be consumed; an unknown grant is simply not consumed.
func (t *txn) ConsumeGrant(ctx context.Context, grantID string, at time.Time) (bool, error) {
	r := rules{op: "consume grant"}
	r.need("grant id", grantID)
	n := r.time("consumed at", at, true)
	if r.err != nil {
		return false, r.err
	}
	rows, err := t.exec(ctx, qConsumeGrant, n, grantID)
	if err != nil {
		return false, wrap(r.op, err)
	}
	return rows == 1, nil
}

// AppendAudit implements store.Tx. The transaction holds SQLite's write
// lock from its first statement, so reading the last record and inserting
// the next cannot interleave with another writer; the (tenant_id, seq)
// primary key would refuse a duplicate anyway.
func (t *txn) AppendAudit(ctx context.Context, e audit.Event, at time.Time) (audit.Record, error) {
	r := rules{op: "append audit"}
	r.need("tenant id", e.TenantID)
	r.need("actor", e.Actor)
	r.need("action", e.Action)
	n := r.time("at", at, true)
	if r.err != nil {
		return audit.Record{}, r.err
	}
	row, err := t.row(ctx, qLastAudit, e.TenantID)
	if err != nil {
		return audit.Record{}, wrap(r.op, err)
	}
	var prev *audit.Record
	var last audit.Record
	switch err := row.Scan(&last.Seq, &last.Hash); {
	case err == nil:
		prev = &last
	case !errors.Is(err, sql.ErrNoRows):
		return audit.Record{}, wrap(r.op, err)
	}
	rec, err := audit.Next(prev, e, at)
	if err != nil {
		return audit.Record{}, fmt.Errorf("sqlite: %s: %w: %w", r.op, store.ErrInvalid, err)
	}
	if _, err := t.exec(ctx, qInsertAudit, rec.TenantID, rec.Seq, n, rec.Actor, rec.Action, rec.Target,
		string(rec.Data), rec.PrevHash, rec.Hash); err != nil {
		return audit.Record{}, wrap(r.op, err)
	}
	return rec, nil
}
