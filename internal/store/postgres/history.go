package postgres

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
	return list(ctx, r.q, op, dialect.ScanGrant, `SELECT `+sqlrow.GrantCols+` FROM grants
		WHERE tenant_id = $1 AND created_at < $2 AND until > $3
			AND (consumed_at = 0 OR consumed_at > $3) AND (revoked_at = 0 OR revoked_at > $3)
			AND (created_at, id) > ($4, $5)
		ORDER BY created_at, id LIMIT $6`, sqlrow.GrantsBetweenArgs(tenantID, since, until, after, limit)...)
}

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
	if err := positiveLimit(op, limit); err != nil {
		return nil, after, err
	}
	rows, err := r.q.Query(ctx, q, args...)
	if err != nil {
		return nil, after, wrap(op, err)
	}
	defer rows.Close()
	recs, pos, err := dialect.CheckPage(rows, after)
	return recs, pos, wrap(op, err)
}
