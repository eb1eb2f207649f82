package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// LockedChecks implements store.Reader from the check-log file.
func (s *Store) LockedChecks(ctx context.Context, tenantID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return s.log.locked(ctx, tenantID, since, until, after, limit)
}

// LockedChecks implements store.Reader, as ChecksBetween does: the check
// log is another file that no transaction writes.
func (t *txn) LockedChecks(ctx context.Context, tenantID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return t.s.log.locked(ctx, tenantID, since, until, after, limit)
}

// locked reads a page of a tenant's locked answers on the check_log_at
// index (at, and the rowid every SQLite index ends with); other tenants'
// records and open answers of the period are read and passed over.
func (l *checkLog) locked(ctx context.Context, tenantID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return l.page(ctx, "list locked check records of a period", `SELECT `+sqlrow.CheckCols+`, rowid FROM check_log INDEXED BY check_log_at
		WHERE tenant_id = ?1 AND locked = 1 AND at < ?2 AND (at, rowid) > (?3, ?4)
		ORDER BY at, rowid LIMIT ?5`, sqlrow.ChecksBetweenArgs(tenantID, since, until, after, limit), after, limit)
}
