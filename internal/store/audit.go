package store

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
)

// AppendAudit records one event inside tx: who (actor) did what (action)
// to what (target) in tenantID, with data, at time at. The domain packages
// build their audit events through it. It lives here, beside AuditTx,
// because package audit cannot name a store type: store imports audit for
// audit.Event, so audit importing store would be a cycle.
func AppendAudit(ctx context.Context, tx AuditTx, tenantID, actor, action, target string, data map[string]any, at time.Time) error {
	_, err := tx.AppendAudit(ctx, audit.Event{TenantID: tenantID, Actor: actor, Action: action, Target: target, Data: data}, at)
	return err
}
