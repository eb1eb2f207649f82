package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// TenantChecks implements store.Reader on the check_log_at index; other
// tenants' records of the period (and open answers, if lockedOnly) are
// read and passed over. A limit below 1 is store.ErrInvalid.
func (r reads) TenantChecks(ctx context.Context, tenantID string, lockedOnly bool, since, until time.Time, after store.CheckPosition, limit int) ([]store.CheckRecord, store.CheckPosition, error) {
	return r.checkPage(ctx, "list a tenant's check records of a period", `SELECT `+sqlrow.CheckCols+`, seq FROM check_log
		WHERE tenant_id = $1 AND (locked OR NOT $6::boolean) AND at < $2 AND (at, seq) > ($3, $4)
		ORDER BY at, seq LIMIT $5`, sqlrow.TenantChecksArgs(tenantID, lockedOnly, since, until, after, limit), after, limit)
}
