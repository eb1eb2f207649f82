package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// AuditTrail writes a tenant, acme, and n audit events of it to s, for
// tests that page through an audit log: event i is action(i) by cli:root
// on account:i (every one account.locked when action is nil). It returns
// the tenant.
func AuditTrail(t testing.TB, s store.Store, n int, action func(i int) string) store.Tenant {
	t.Helper()
	ctx := context.Background()
	tenant := store.Tenant{ID: "0193a4b2-0000-7000-8000-000000000001", Name: "acme", CreatedAt: time.Now().UTC()}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		for i := range n {
			e := audit.Event{TenantID: tenant.ID, Actor: "cli:root", Action: "account.locked", Target: fmt.Sprintf("account:%d", i)}
			if action != nil {
				e.Action = action(i)
			}
			if _, err := tx.AppendAudit(ctx, e, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return tenant
}
