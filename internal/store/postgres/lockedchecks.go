package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// LockedChecks implements store.Reader on the check_log_at index; other
// tenants' records and open answers of the period are read and passed
// over. A limit below 1 is store.ErrInvalid.
func (r reads) LockedChecks(ctx context.Context, tenantID string, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return r.checkPage(ctx, "list locked check records of a period", `SELECT `+sqlrow.CheckCols+`, seq FROM check_log
		WHERE tenant_id = $1 AND locked AND at < $2 AND (at, seq) > ($3, $4)
		ORDER BY at, seq LIMIT $5`, sqlrow.ChecksBetweenArgs(tenantID, since, until, after, limit), after, limit)
}
