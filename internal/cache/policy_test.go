package cache_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestPolicySet: a tenant's compiled policies are kept while live, and
// forgotten by a Policies event for that tenant, by All and by Lost;
// another tenant's event leaves them.
func TestPolicySet(t *testing.T) {
	w := newWorld(t)
	var loads atomic.Int32
	c := cache.New(w.s, cache.Options{Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
		loads.Add(1)
		pt, err := admin.PolicyTenant(ctx, r, tenantID, t0)
		if err != nil {
			return nil, err
		}
		return policy.NewSet(pt, nil)
	}})
	c.Subscribed()
	denied := func() bool {
		t.Helper()
		set, err := c.PolicySet(t.Context(), "t1")
		must(t, err)
		return set.Evaluate(policy.Account{App: "a1", Owner: "m1"}, t0, netip.MustParseAddr("192.0.2.9")).ContextDenied
	}
	want := func(what string, deny bool, n int32) {
		t.Helper()
		if got := denied(); got != deny || loads.Load() != n {
			t.Fatalf("%s: denied %v after %d loads; want %v after %d", what, got, loads.Load(), deny, n)
		}
	}
	want("no policy", false, 1)
	want("no policy, again", false, 1)

	must(t, w.s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreatePolicy(t.Context(), store.Policy{ID: "p1", TenantID: "t1", Name: "office", Enabled: true,
			Document: json.RawMessage(`{"type":"context","action":"lock","context":{"allow_cidrs":["10.0.0.0/8"]}}`), CreatedAt: t0, UpdatedAt: t0}); err != nil {
			return err
		}
		return tx.Assign(t.Context(), store.Assignment{PolicyID: "p1", TenantID: "t1", AppID: "a1", CreatedAt: t0})
	}))
	want("a change nobody announced", false, 1)
	c.Changed([]cache.Event{{Kind: cache.Policies, TenantID: "t2"}})
	want("another tenant's change", false, 1)
	c.Changed([]cache.Event{{Kind: cache.Policies, TenantID: "t1"}})
	want("the tenant's change", true, 2)
	want("the tenant's change, again", true, 2)
	c.Changed([]cache.Event{{Kind: cache.All}})
	want("everything changed", true, 3)
	c.Lost(nil)
	want("lost", true, 4)
	want("lost, again", true, 5)
}
