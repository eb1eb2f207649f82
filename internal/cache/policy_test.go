package cache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
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

// TestPolicySetInvalid: an enabled policy that does not compile fails the
// tenant's set with policy.ErrInvalid, and that failure is kept like an
// answer (one load, one log line, listed in Stats) until the tenant's
// policies change; then the fixed policies load and the listing clears.
func TestPolicySetInvalid(t *testing.T) {
	w := newWorld(t)
	var loads atomic.Int32
	var logged bytes.Buffer
	c := cache.New(w.s, cache.Options{Log: slog.New(slog.NewTextHandler(&logged, nil)),
		Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
			loads.Add(1)
			pt, err := admin.PolicyTenant(ctx, r, tenantID, t0)
			if err != nil {
				return nil, err
			}
			return policy.NewSet(pt, nil)
		}})
	c.Subscribed()
	rec := store.Policy{ID: "p1", TenantID: "t1", Name: "bad", Enabled: true,
		Document: json.RawMessage(`{"type":"scheduled","action":"unlock"}`), CreatedAt: t0, UpdatedAt: t0}
	must(t, w.s.Update(t.Context(), func(tx store.Tx) error { return tx.CreatePolicy(t.Context(), rec) }))
	for i := range 3 {
		if _, err := c.PolicySet(t.Context(), "t1"); !errors.Is(err, policy.ErrInvalid) {
			t.Fatalf("check %d: err %v, want policy.ErrInvalid", i, err)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 3 checks of a broken tenant, want 1", n)
	}
	if n := strings.Count(logged.String(), "do not compile"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logged.String())
	}
	if got := c.Stats().PolicyInvalid; !slices.Equal(got, []string{"t1"}) {
		t.Fatalf("Stats.PolicyInvalid = %v, want [t1]", got)
	}

	rec.Document = json.RawMessage(`{"type":"context","action":"lock","context":{"allow_cidrs":["10.0.0.0/8"]}}`)
	must(t, w.s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdatePolicy(t.Context(), rec) }))
	c.Changed([]cache.Event{{Kind: cache.Policies, TenantID: "t1"}})
	if _, err := c.PolicySet(t.Context(), "t1"); err != nil {
		t.Fatalf("fixed policy: %v", err)
	}
	if got := c.Stats().PolicyInvalid; len(got) != 0 {
		t.Fatalf("Stats.PolicyInvalid = %v after the fix, want none", got)
	}
}
