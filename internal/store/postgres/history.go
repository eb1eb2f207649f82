package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// ChecksBetween implements store.Reader on the check_log_app_at index. A
// limit below 1 is store.ErrInvalid.
func (r reads) ChecksBetween(ctx context.Context, appID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return r.checkPage(ctx, "list check records of a period", `SELECT `+sqlrow.CheckCols+`, seq FROM check_log
		WHERE app_id = $1 AND at < $2 AND (at, seq) > ($3, $4)
		ORDER BY at, seq LIMIT $5`, sqlrow.ChecksBetweenArgs(appID, since, until, after, limit), after, limit)
}

// checkPage runs q, a query of one page of check-log records (CheckCols,
// then seq) after position after, and reads it.
func (r reads) checkPage(ctx context.Context, op, q string, args []any, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return dialect.QueryCheckPage(ctx, rowDB{r.q}, op, q, args, after, limit)
}
