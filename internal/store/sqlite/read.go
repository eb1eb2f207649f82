package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
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
	return nil, sqlrow.ErrClosed
}

// reads implements store.Reader for both Store and Tx.
type reads struct {
	sqlrow.Reads // the reads written once for both backends
	src          stmtSource
	pool         bool // src is the read pool's, not a transaction's
}

// queryContext is the context a read runs under. On the read pool the
// cancellation is dropped: the driver would start a goroutine per query to
// watch it, which costs more (about 12 µs) than the lock check's whole
// lookup, and a read there is short and bounded by the busy timeout anyway.
// Inside a transaction the caller's context stays in force.
func (r reads) queryContext(ctx context.Context) context.Context {
	if r.pool {
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

// listStmt runs a prepared statement and scans every row with scan.
func listStmt[T any](ctx context.Context, r reads, op string, id stmtID, scan func(sqlrow.Row) (T, error), args ...any) ([]T, error) {
	return listStmtUpTo(ctx, r, op, id, 0, scan, args...)
}

// listStmtUpTo is listStmt for a statement of at most limit rows
// (sqlrow.CollectUpTo).
func listStmtUpTo[T any](ctx context.Context, r reads, op string, id stmtID, limit int, scan func(sqlrow.Row) (T, error), args ...any) ([]T, error) {
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
	out, err := sqlrow.CollectUpTo(rows, limit, scan)
	return out, wrap(op, err)
}

// oneStmt runs a one-row prepared statement and scans it; no row is
// store.ErrNotFound.
func oneStmt[T any](ctx context.Context, r reads, op string, id stmtID, scan func(sqlrow.Row) (T, error), args ...any) (T, error) {
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

// Tenant implements store.Reader.
func (r reads) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	return oneStmt(ctx, r, "get tenant", qTenant, dialect.ScanTenant, id)
}

// TenantByName implements store.Reader.
func (r reads) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	return oneStmt(ctx, r, "get tenant by name", qTenantByName, dialect.ScanTenant, name)
}

// Tenants implements store.Reader.
func (r reads) Tenants(ctx context.Context) ([]store.Tenant, error) {
	return listStmt(ctx, r, "list tenants", qTenants, dialect.ScanTenant)
}

// Application implements store.Reader.
func (r reads) Application(ctx context.Context, id string) (store.Application, error) {
	return oneStmt(ctx, r, "get application", qApplication, dialect.ScanApplication, id)
}

// ApplicationByIssuer implements store.Reader.
func (r reads) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	return oneStmt(ctx, r, "get application by issuer", qApplicationByIssuer, dialect.ScanApplication, issuer)
}

// Applications implements store.Reader.
func (r reads) Applications(ctx context.Context, tenantID string) ([]store.Application, error) {
	return listStmt(ctx, r, "list applications", qApplications, dialect.ScanApplication, tenantID)
}

// SigningKey implements store.Reader.
func (r reads) SigningKey(ctx context.Context, kid string) (store.SigningKey, error) {
	return oneStmt(ctx, r, "get signing key", qSigningKey, dialect.ScanSigningKey, kid)
}

// SigningKeys implements store.Reader.
func (r reads) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	return listStmt(ctx, r, "list signing keys", qSigningKeys, dialect.ScanSigningKey, appID)
}

// Member implements store.Reader.
func (r reads) Member(ctx context.Context, id string) (store.Member, error) {
	return oneStmt(ctx, r, "get member", qMember, dialect.ScanMember, id)
}

// MemberByEmail implements store.Reader; the email matches
// case-insensitively.
func (r reads) MemberByEmail(ctx context.Context, tenantID, email string) (store.Member, error) {
	return oneStmt(ctx, r, "get member by email", qMemberByEmail, dialect.ScanMember, tenantID, strings.ToLower(email))
}

// Members implements store.Reader.
func (r reads) Members(ctx context.Context, tenantID string) ([]store.Member, error) {
	return listStmt(ctx, r, "list members", qMembers, dialect.ScanMember, tenantID)
}

// Owners implements store.Reader.
func (r reads) Owners(ctx context.Context, tenantID string) ([]store.Member, error) {
	return listStmt(ctx, r, "list owners", qOwners, dialect.ScanMember, tenantID)
}

// Account implements store.Reader.
func (r reads) Account(ctx context.Context, appID, name string) (store.Account, error) {
	return oneStmt(ctx, r, "get account", qAccount, dialect.ScanAccount, appID, name)
}

// Accounts implements store.Reader. A limit below 1 is store.ErrInvalid.
func (r reads) Accounts(ctx context.Context, appID, afterName string, limit int) ([]store.Account, error) {
	const op = "list accounts"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return listStmt(ctx, r, op, qAccounts, dialect.ScanAccount, appID, afterName, limit)
}

// CountAccounts implements store.Reader.
func (r reads) CountAccounts(ctx context.Context, appID string) (int, error) {
	return oneStmt(ctx, r, "count accounts", qCountAccounts, func(sc sqlrow.Row) (n int, err error) {
		err = sc.Scan(&n)
		return n, err
	}, appID)
}

// CurrentGrant implements store.Reader.
func (r reads) CurrentGrant(ctx context.Context, accountID string) (store.Grant, error) {
	return oneStmt(ctx, r, "get current grant", qCurrentGrant, dialect.ScanGrant, accountID)
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
	cs, err := dialect.ScanCheckState(row, appID, accountName)
	return cs, wrap(op, err)
}

// AuditRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error) {
	const op = "list audit records"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return listStmtUpTo(ctx, r, op, qAuditRecords, limit, dialect.ScanTenantAudit(tenantID), tenantID, afterSeq, limit)
}
