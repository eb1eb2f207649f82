package portal_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// newPolicyEnv is newEnv whose lock check and accounts page evaluate the
// tenant's policies, from a cache as the server's do.
func newPolicyEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, publicURL, withPolicies)
}

// withPolicies has the lock check and the accounts page evaluate the
// tenant's policies from a cache, as the server's do.
func withPolicies(d *portal.Deps) {
	s := d.Store.(*sqlite.Store)
	clk := d.Clock
	sets := cache.New(s, cache.Options{Box: d.Box, Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
		pt, err := admin.PolicyTenant(ctx, r, tenantID, clk.Now())
		if err != nil {
			return nil, err
		}
		return policy.NewSet(pt, nil)
	}})
	d.Policies = sets
	d.Check = check.New(check.Deps{Store: s, Keys: sets, Clock: clk, Policies: check.Policies{Sets: sets}})
}

// TestAccountsPageNamesHoldingPolicy: owners see on their accounts page
// which policy holds each account and until when, in the policy's zone:
// an unlock schedule that opens it, a lock that closes it, and an
// allow_unlock window that alone lets its owner unlock it.
func TestAccountsPageNamesHoldingPolicy(t *testing.T) {
	e := newPolicyEnv(t)
	ctx := t.Context()
	e.clock.Set(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)) // Wednesday, 10:00 in Lisbon
	tenant := e.alice.TenantID
	if _, err := e.access.Enroll(ctx, "test", e.app, "carol", "carol@acme.test"); err != nil {
		t.Fatal(err)
	}
	carol, err := e.store.MemberByEmail(ctx, tenant, "carol@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	start := policy.Date{Year: 2026, Month: 1, Day: 1}
	for _, c := range []struct {
		p  policy.Policy
		to string
	}{
		{policy.Policy{Name: "Finance hours", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
			Schedule: &policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Weekdays, From: 8 * 60, To: 18 * 60, Start: start}}, e.alice.ID},
		{policy.Policy{Name: "Year-end freeze", Type: policy.Scheduled, Action: policy.Lock, Enabled: true,
			Schedule: &policy.Schedule{Zone: "America/New_York", Every: policy.Daily, From: 0, To: 7 * 60, Start: start}}, e.bob.ID},
		{policy.Policy{Name: "Monday window", Type: policy.Scheduled, Action: policy.AllowUnlock, Enabled: true,
			Schedule: &policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Weekly, Days: []time.Weekday{time.Monday}, From: 8 * 60, To: 9 * 60, Start: start}}, carol.ID},
	} {
		p, err := e.admin.CreatePolicy(ctx, "test", tenant, c.p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.admin.Assign(ctx, "test", tenant, p.ID, admin.Target{Member: c.to}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		who  store.Member
		want string
	}{
		{e.alice, "Open by schedule (policy “Finance hours”) until 18:00 Europe/Lisbon."},
		{e.bob, "Locked by policy “Year-end freeze” until 07:00 America/New_York."},
		{carol, "You may unlock it only while policy “Monday window” allows: from Mon 08:00 Europe/Lisbon."},
	} {
		r := e.do("GET", "/", nil, e.signIn(c.who))
		if r.code != http.StatusOK || !strings.Contains(r.body, c.want) {
			t.Errorf("%s's accounts page (%d) does not say %q", c.who.Email, r.code, c.want)
		}
	}
	// Outside the window, alice's account is locked as usual, and the page
	// says nothing of policies.
	e.clock.Set(time.Date(2026, 12, 2, 19, 0, 0, 0, time.UTC))
	if r := e.do("GET", "/", nil, e.signIn(e.alice)); r.code != http.StatusOK || strings.Contains(r.body, "Finance hours") {
		t.Errorf("alice's accounts page after hours: %d, names the policy: %v", r.code, strings.Contains(r.body, "Finance hours"))
	}
}
