package storetest

import (
	"context"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testStreamCursors: a cursor starts at 0, moves, and is kept per
// endpoint, tenant and kind; a rolled-back move does not stick.
func testStreamCursors(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := newTenant("a", t0), newTenant("b", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "create a", tx.CreateTenant(ctx, a))
		return tx.CreateTenant(ctx, b)
	})
	cursor := func(ep, tenantID string) int64 {
		t.Helper()
		var n int64
		update(t, s, func(tx store.Tx) (err error) {
			n, err = tx.StreamCursor(ctx, ep, tenantID, "audit")
			return err
		})
		return n
	}
	if n := cursor("siem1", a.ID); n != 0 {
		t.Fatalf("new cursor = %d, want 0", n)
	}
	update(t, s, func(tx store.Tx) error {
		must(t, "set a", tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 7))
		return tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 9) // moves again
	})
	_ = s.Update(ctx, func(tx store.Tx) error {
		must(t, "set in rolled-back tx", tx.SetStreamCursor(ctx, "siem1", a.ID, "audit", 20))
		return context.Canceled
	})
	for _, c := range []struct {
		ep, tenant string
		want       int64
	}{{"siem1", a.ID, 9}, {"siem2", a.ID, 0}, {"siem1", b.ID, 0}} {
		if n := cursor(c.ep, c.tenant); n != c.want {
			t.Errorf("cursor(%s, %s) = %d, want %d", c.ep, c.tenant, n, c.want)
		}
	}
}
