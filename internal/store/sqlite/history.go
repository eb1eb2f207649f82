package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// GrantsBetween implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r reads) GrantsBetween(ctx context.Context, tenantID string, since, until time.Time, after store.Grant, limit int) ([]store.Grant, error) {
	const op = "list grants of a period"
	if err := positiveLimit(op, limit); err != nil {
		return nil, err
	}
	return list(ctx, r.querier(), op, dialect.ScanGrant, `SELECT `+sqlrow.GrantCols+` FROM grants
		WHERE tenant_id = ?1 AND created_at < ?2 AND until > ?3
			AND (consumed_at = 0 OR consumed_at > ?3) AND (revoked_at = 0 OR revoked_at > ?3)
			AND (created_at, id) > (?4, ?5)
		ORDER BY created_at, id LIMIT ?6`, sqlrow.GrantsBetweenArgs(tenantID, since, until, after, limit)...)
}

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
	if err := positiveLimit(op, limit); err != nil {
		return nil, after, err
	}
	rows, err := l.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, after, wrap(op, err)
	}
	defer rows.Close()
	recs, pos, err := dialect.CheckPage(rows, after)
	return recs, pos, wrap(op, err)
}
