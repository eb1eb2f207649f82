package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// stmtSource hands out prepared statements: the read pool's for a Store, the
// transaction's for a Tx.
type stmtSource interface {
	stmt(ctx context.Context, id stmtID) (*sql.Stmt, error)
}

// poolStmts serves the statements prepared on the read pool.
type poolStmts struct{ p *[numReads]*sql.Stmt }

func (p poolStmts) stmt(_ context.Context, id stmtID) (*sql.Stmt, error) {
	if st := p.p[id]; st != nil {
		return st, nil
	}
	return nil, errClosed
}

// reads implements store.Reader for both Store and Tx.
type reads struct {
	src stmtSource
	q   queryer // the read pool, for plain queries outside a transaction
}

// queryContext is the context a read runs under. On the read pool the
// cancellation is dropped: the driver would start a goroutine per query to
// watch it, which costs more (about 12 µs) than the lock check's whole
// lookup, and a read there is short and bounded by the busy timeout anyway.
// Inside a transaction the caller's context stays in force.
func (r reads) queryContext(ctx context.Context) context.Context {
	if _, pool := r.src.(poolStmts); pool {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// row runs a one-row query.
func (r reads) row(ctx context.Context, id stmtID, args ...any) (*sql.Row, error) {
	ctx = r.queryContext(ctx)
	st, err := r.src.stmt(ctx, id)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, r reads, op string, id stmtID, scan func(scanner) (T, error), args ...any) ([]T, error) {
	ctx = r.queryContext(ctx)
	st, err := r.src.stmt(ctx, id)
	if err != nil {
		return nil, wrap(op, err)
	}
	rows, err := st.QueryContext(ctx, args...)
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
func one[T any](ctx context.Context, r reads, op string, id stmtID, scan func(scanner) (T, error), args ...any) (T, error) {
	row, err := r.row(ctx, id, args...)
	if err != nil {
		var zero T
		return zero, wrap(op, err)
	}
	v, err := scan(row)
	if err != nil {
		var zero T
		return zero, wrap(op, err)
	}
	return v, nil
}

// positiveLimit rejects a page size below 1.
func positiveLimit(op string, limit int) error {
	return wrap(op, valid.Limit(limit))
}

// Tenant implements store.Reader.
func (r reads) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	return one(ctx, r, "get tenant", qTenant, scanTenant, id)
}

// TenantByName implements store.Reader.
func (r reads) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	return one(ctx, r, "get tenant by name", qTenantByName, scanTenant, name)
}

// Tenants implements store.Reader.
func (r reads) Tenants(ctx context.Context) ([]store.Tenant, error) {
	return list(ctx, r, "list tenants", qTenants, scanTenant)
}

// Application implements store.Reader.
func (r reads) Application(ctx context.Context, id string) (store.Application, error) {
	return one(ctx, r, "get application", qApplication, scanApplication, id)
}

// ApplicationByIssuer implements store.Reader.
func (r reads) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	return one(ctx, r, "get application by issuer", qApplicationByIssuer, scanApplication, issuer)
}

// Applications implements store.Reader.
func (r reads) Applications(ctx context.Context, tenantID string) ([]store.Application, error) {
	return list(ctx, r, "list applications", qApplications, scanApplication, tenantID)
}

// SigningKey implements store.Reader.
func (r reads) SigningKey(ctx context.Context, kid string) (store.SigningKey, error) {
	return one(ctx, r, "get signing key", qSigningKey, scanSigningKey, kid)
}

// SigningKeys implements store.Reader.
func (r reads) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	return list(ctx, r, "list signing keys", qSigningKeys, scanSigningKey, appID)
}

// Member implements store.Reader.
func (r reads) Member(ctx context.Context, id string) (store.Member, error) {
	return one(ctx, r, "get member", qMember, scanMember, id)
}

// MemberByEmail implements store.Reader; the email matches
// case-insensitively.
func (r reads) MemberByEmail(ctx context.Context, tenantID, email string) (store.Member, error) {
	return one(ctx, r, "get member by email", qMemberByEmail, scanMember, tenantID, strings.ToLower(email))
}

// Members implements store.Reader.
func (r reads) Members(ctx context.Context, tenantID string) ([]store.Member, error) {
	return list(ctx, r, "list members", qMembers, scanMember, tenantID)
}

// Account implements store.Reader.
func (r reads) Account(ctx context.Context, appID, name string) (store.Account, error) {
	return one(ctx, r, "get account", qAccount, scanAccount, appID, name)
}

// Accounts implements store.Reader. A limit below 1 is store.ErrInvalid.
func (r reads) Accounts(ctx context.Context, appID, afterName string, limit int) ([]store.Account, error) {
	const op = "list accounts"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r, op, qAccounts, scanAccount, appID, afterName, limit)
}

// CountAccounts implements store.Reader.
func (r reads) CountAccounts(ctx context.Context, appID string) (int, error) {
	return one(ctx, r, "count accounts", qCountAccounts, func(sc scanner) (n int, err error) {
		err = sc.Scan(&n)
		return n, err
	}, appID)
}

// CurrentGrant implements store.Reader.
func (r reads) CurrentGrant(ctx context.Context, accountID string) (store.Grant, error) {
	return one(ctx, r, "get current grant", qCurrentGrant, scanGrant, accountID)
}

// CheckState implements store.Reader with one query: the account by its
// unique (application, name) index, then its current grant and its owner
// by primary key.
func (r reads) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	const op = "check state"
	row, err := r.row(ctx, qCheckState, appID, accountName)
	if err != nil {
		return store.CheckState{}, wrap(op, err)
	}
	var (
		a                                     store.Account
		owner                                 sql.NullString
		aCreated, aUpdated                    int64
		gID, gTenant, gReason, gBy            sql.NullString
		gUntil, gCreated, gConsumed, gRevoked sql.NullInt64
		gOnce                                 sql.NullBool
		mTenant, mEmail, mName, mRole         sql.NullString
		mLockAll, mLockedDown                 sql.NullBool
		mCreated, mUpdated                    sql.NullInt64
		mChannels                             sql.NullString
	)
	err = row.Scan(&a.ID, &a.TenantID, &owner, &aCreated, &aUpdated,
		&gID, &gTenant, &gUntil, &gOnce, &gReason, &gBy, &gCreated, &gConsumed, &gRevoked,
		&mTenant, &mEmail, &mName, &mRole, &mLockAll, &mLockedDown, &mCreated, &mUpdated, &mChannels)
	if errors.Is(err, sql.ErrNoRows) {
		return store.CheckState{}, nil
	}
	if err != nil {
		return store.CheckState{}, wrap(op, err)
	}
	a.AppID, a.Name, a.OwnerID = appID, accountName, owner.String
	a.CreatedAt, a.UpdatedAt = valid.FromNanos(aCreated), valid.FromNanos(aUpdated)
	cs := store.CheckState{Found: true, Account: a}
	if gID.Valid {
		cs.Grant = &store.Grant{
			ID: gID.String, TenantID: gTenant.String, AccountID: a.ID,
			Until: valid.FromNanos(gUntil.Int64), Once: gOnce.Bool, Reason: gReason.String, GrantedBy: gBy.String,
			CreatedAt: valid.FromNanos(gCreated.Int64), ConsumedAt: valid.FromNanos(gConsumed.Int64), RevokedAt: valid.FromNanos(gRevoked.Int64),
		}
	}
	if owner.Valid && mTenant.Valid {
		cs.Owner = &store.Member{
			ID: owner.String, TenantID: mTenant.String, Email: mEmail.String, Name: mName.String, Role: mRole.String,
			LockAll: mLockAll.Bool, LockedDown: mLockedDown.Bool, Channels: channelList(mChannels),
			CreatedAt: valid.FromNanos(mCreated.Int64), UpdatedAt: valid.FromNanos(mUpdated.Int64),
		}
	}
	return cs, nil
}

// AuditRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error) {
	const op = "list audit records"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r, op, qAuditRecords, scanAudit, tenantID, afterSeq, limit)
}
