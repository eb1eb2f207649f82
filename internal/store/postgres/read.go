package postgres

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
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
	sqlrow.Reads // the reads written once for both backends
	q            querier
}

// Tenant implements store.Reader.
func (r reads) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get tenant", dialect.ScanTenant, `SELECT `+sqlrow.TenantCols+` FROM tenants WHERE id = $1`, id)
}

// TenantByName implements store.Reader.
func (r reads) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get tenant by name", dialect.ScanTenant, `SELECT `+sqlrow.TenantCols+` FROM tenants WHERE name = $1`, name)
}

// Tenants implements store.Reader.
func (r reads) Tenants(ctx context.Context) ([]store.Tenant, error) {
	return sqlrow.List(ctx, dialect, r.Q, "list tenants", dialect.ScanTenant, `SELECT `+sqlrow.TenantCols+` FROM tenants ORDER BY created_at, id`)
}

// Application implements store.Reader.
func (r reads) Application(ctx context.Context, id string) (store.Application, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get application", dialect.ScanApplication, `SELECT `+sqlrow.AppCols+` FROM applications WHERE id = $1`, id)
}

// ApplicationByIssuer implements store.Reader.
func (r reads) ApplicationByIssuer(ctx context.Context, issuer string) (store.Application, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get application by issuer", dialect.ScanApplication, `SELECT `+sqlrow.AppCols+` FROM applications WHERE issuer = $1`, issuer)
}

// Applications implements store.Reader.
func (r reads) Applications(ctx context.Context, tenantID string) ([]store.Application, error) {
	return sqlrow.List(ctx, dialect, r.Q, "list applications", dialect.ScanApplication,
		`SELECT `+sqlrow.AppCols+` FROM applications WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// SigningKey implements store.Reader.
func (r reads) SigningKey(ctx context.Context, kid string) (store.SigningKey, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get signing key", dialect.ScanSigningKey, `SELECT `+sqlrow.KeyCols+` FROM signing_keys WHERE kid = $1`, kid)
}

// SigningKeys implements store.Reader.
func (r reads) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	return sqlrow.List(ctx, dialect, r.Q, "list signing keys", dialect.ScanSigningKey,
		`SELECT `+sqlrow.KeyCols+` FROM signing_keys WHERE app_id = $1 ORDER BY created_at, kid`, appID)
}

// Member implements store.Reader.
func (r reads) Member(ctx context.Context, id string) (store.Member, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get member", dialect.ScanMember, `SELECT `+sqlrow.MemberCols+` FROM members WHERE id = $1`, id)
}

// MemberByEmail implements store.Reader; the email matches
// case-insensitively (stored emails are lower-case already).
func (r reads) MemberByEmail(ctx context.Context, tenantID, email string) (store.Member, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get member by email", dialect.ScanMember,
		`SELECT `+sqlrow.MemberCols+` FROM members WHERE tenant_id = $1 AND lower(email) = $2`, tenantID, strings.ToLower(email))
}

// Members implements store.Reader.
func (r reads) Members(ctx context.Context, tenantID string) ([]store.Member, error) {
	return sqlrow.List(ctx, dialect, r.Q, "list members", dialect.ScanMember,
		`SELECT `+sqlrow.MemberCols+` FROM members WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
}

// Owners implements store.Reader.
func (r reads) Owners(ctx context.Context, tenantID string) ([]store.Member, error) {
	return sqlrow.List(ctx, dialect, r.Q, "list owners", dialect.ScanMember,
		`SELECT `+sqlrow.MemberCols+` FROM members WHERE tenant_id = $1 AND role = 'owner' ORDER BY created_at, id`, tenantID)
}

// Account implements store.Reader.
func (r reads) Account(ctx context.Context, appID, name string) (store.Account, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get account", dialect.ScanAccount,
		`SELECT `+sqlrow.AccountCols+` FROM accounts WHERE app_id = $1 AND name = $2`, appID, name)
}

// Accounts implements store.Reader. A limit below 1 is store.ErrInvalid.
func (r reads) Accounts(ctx context.Context, appID, afterName string, limit int) ([]store.Account, error) {
	const op = "list accounts"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return sqlrow.List(ctx, dialect, r.Q, op, dialect.ScanAccount,
		`SELECT `+sqlrow.AccountCols+` FROM accounts WHERE app_id = $1 AND name > $2 ORDER BY name LIMIT $3`, appID, afterName, limit)
}

// CountAccounts implements store.Reader.
func (r reads) CountAccounts(ctx context.Context, appID string) (int, error) {
	return sqlrow.One(ctx, dialect, r.Q, "count accounts", func(sc sqlrow.Row) (n int, err error) {
		err = sc.Scan(&n)
		return n, err
	}, `SELECT count(*) FROM accounts WHERE app_id = $1`, appID)
}

// CurrentGrant implements store.Reader.
func (r reads) CurrentGrant(ctx context.Context, accountID string) (store.Grant, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get current grant", dialect.ScanGrant,
		`SELECT `+sqlrow.Prefixed("g", sqlrow.GrantCols)+` FROM accounts a JOIN grants g ON g.id = a.current_grant_id WHERE a.id = $1`, accountID)
}

// qCheckState is the lock check's whole read: the account by its unique
// (app_id, name) index, then its current grant and its owner by primary
// key, in one statement and so one snapshot.
const qCheckState = `SELECT ` + sqlrow.CheckStateCols + `
	FROM accounts a
	LEFT JOIN grants g ON g.id = a.current_grant_id
	LEFT JOIN members m ON m.id = a.owner_id
	WHERE a.app_id = $1 AND a.name = $2`

// CheckState implements store.Reader with one query.
func (r reads) CheckState(ctx context.Context, appID, accountName string) (store.CheckState, error) {
	const op = "check state"
	cs, err := dialect.ScanCheckState(r.q.QueryRow(ctx, qCheckState, appID, accountName), appID, accountName)
	return cs, wrap(op, err)
}

// CheckRecord implements store.Reader.
func (r reads) CheckRecord(ctx context.Context, id string) (store.CheckRecord, error) {
	return sqlrow.One(ctx, dialect, r.Q, "get check record", dialect.ScanCheck, `SELECT `+sqlrow.CheckCols+` FROM check_log WHERE id = $1`, id)
}

// CheckRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) CheckRecords(ctx context.Context, appID string, limit int) ([]store.CheckRecord, error) {
	const op = "list check records"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return sqlrow.List(ctx, dialect, r.Q, op, dialect.ScanCheck,
		`SELECT `+sqlrow.CheckCols+` FROM check_log WHERE app_id = $1 ORDER BY at DESC, seq DESC LIMIT $2`, appID, limit)
}

// AuditRecords implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) AuditRecords(ctx context.Context, tenantID string, afterSeq int64, limit int) ([]audit.Record, error) {
	const op = "list audit records"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	rows, err := r.q.Query(ctx, `SELECT `+sqlrow.TenantAuditCols+` FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		tenantID, afterSeq, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out, err := sqlrow.CollectUpTo(rows, limit, dialect.ScanTenantAudit(tenantID))
	return out, wrap(op, err)
}
