package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// TenantChecks implements store.Reader from the check-log file.
func (s *Store) TenantChecks(ctx context.Context, tenantID string, lockedOnly bool, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return s.log.tenant(ctx, tenantID, lockedOnly, since, until, after, limit)
}

// TenantChecks implements store.Reader, as ChecksBetween does: the check
// log is another file that no transaction writes.
func (t *txn) TenantChecks(ctx context.Context, tenantID string, lockedOnly bool, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return t.s.log.tenant(ctx, tenantID, lockedOnly, since, until, after, limit)
}

// tenant reads a page of a tenant's answers (its locked ones only, if
// lockedOnly) on the check_log_at index (at, and the rowid every SQLite
// index ends with); other tenants' records of the period are read and
// passed over.
func (l *checkLog) tenant(ctx context.Context, tenantID string, lockedOnly bool, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return l.page(ctx, "list a tenant's check records of a period", `SELECT `+sqlrow.CheckCols+`, rowid FROM check_log INDEXED BY check_log_at
		WHERE tenant_id = ?1 AND (locked = 1 OR ?6 = 0) AND at < ?2 AND (at, rowid) > (?3, ?4)
		ORDER BY at, rowid LIMIT ?5`, sqlrow.TenantChecksArgs(tenantID, lockedOnly, since, until, after, limit), after, limit)
}
