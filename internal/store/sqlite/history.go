package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// ChecksBetween implements store.Reader from the check-log file.
func (s *Store) ChecksBetween(ctx context.Context, appID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return s.log.between(ctx, appID, since, until, after, limit)
}

// ChecksBetween implements store.Reader, as CheckRecords does: the check
// log is another file that no transaction writes.
func (t *txn) ChecksBetween(ctx context.Context, appID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return t.s.log.between(ctx, appID, since, until, after, limit)
}

// between reads a page of the check log on the check_log_app_at index
// (app_id, at, and the rowid every SQLite index ends with).
func (l *checkLog) between(ctx context.Context, appID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return l.page(ctx, "list check records of a period", `SELECT `+sqlrow.CheckCols+`, rowid FROM check_log INDEXED BY check_log_app_at
		WHERE app_id = ?1 AND at < ?2 AND (at, rowid) > (?3, ?4)
		ORDER BY at, rowid LIMIT ?5`, sqlrow.ChecksBetweenArgs(appID, since, until, after, limit), after, limit)
}

// page runs q, a query of one page of check-log records (CheckCols, then
// the rowid) after position after, and reads it.
func (l *checkLog) page(ctx context.Context, op, q string, args []any, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return dialect.QueryCheckPage(ctx, plainRows{l.rdb}, op, q, args, after, limit)
}
