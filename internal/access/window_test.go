package access_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
)

// TestAllowUnlockWindow: while an allow_unlock policy applies to an
// account and its window is shut, unlocking it and approving its request
// are refused with ErrOutsideWindow, whose text names the policy and when
// it opens, and the refusal runs the alert policies on
// unlock_outside_window; inside the window both work; accounts the policy
// does not reach are not restricted.
func TestAllowUnlockWindow(t *testing.T) {
	e := newEnv(t) // the clock reads 2026-03-02 09:00 UTC, a Monday
	ctx := t.Context()
	from, _ := policy.ParseTimeOfDay("10:00")
	to, _ := policy.ParseTimeOfDay("11:00")
	start, _ := policy.ParseDate("2026-01-01")
	p, err := e.admin.CreatePolicy(ctx, "test", e.app.TenantID, policy.Policy{Name: "Office hour", Type: policy.Scheduled,
		Action: policy.AllowUnlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Daily, From: from, To: to, Start: start}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Assign(ctx, "test", e.app.TenantID, p.ID, admin.Target{Member: "alice@acme.test"}); err != nil {
		t.Fatal(err)
	}
	// An alert policy on unlock_outside_window, assigned to the app.
	alert, err := e.admin.CreatePolicy(ctx, "test", e.app.TenantID, policy.Policy{Name: "Off-hours attempt", Type: policy.Alert,
		Action: policy.Lock, Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnUnlockOutsideWindow}, For: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Assign(ctx, "test", e.app.TenantID, alert.ID, admin.Target{App: e.app.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Minute})
	if !errors.Is(err, access.ErrOutsideWindow) {
		t.Fatalf("unlock outside the window: %v, want ErrOutsideWindow", err)
	}
	if msg := err.Error(); !strings.Contains(msg, `"Office hour"`) || !strings.Contains(msg, "10:00") {
		t.Errorf("the refusal does not say which policy opens when: %s", msg)
	}
	execs, err := e.store.Executions(ctx, e.app.TenantID, e.clock.Now())
	if err != nil || len(execs) != 1 || execs[0].PolicyID != alert.ID {
		t.Fatalf("executions after the refused unlock: %+v, %v; want one of the alert policy", execs, err)
	}
	if err := e.admin.DeletePolicy(ctx, "test", e.app.TenantID, alert.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.access.Unlock(ctx, "test", e.app, "bob", access.Unlock{For: time.Minute}); err != nil {
		t.Fatalf("bob has no allow_unlock policy: %v", err)
	}
	e.checkAccount("alice", "203.0.113.7") // raises alice's request
	q := e.pending("alice")
	if _, err := e.requests.Decide(ctx, "member:alice", e.owner.ID, q.ID, access.Decision{Approve: true}); !errors.Is(err, access.ErrOutsideWindow) {
		t.Fatalf("approval outside the window: %v, want ErrOutsideWindow", err)
	}
	if _, err := e.requests.Decide(ctx, "member:alice", e.owner.ID, q.ID, access.Decision{}); err != nil {
		t.Fatalf("denying is always allowed: %v", err)
	}

	e.clock.Set(time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)) // Lisbon is on UTC in March before the 29th
	if _, err := e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Minute}); err != nil {
		t.Fatalf("unlock inside the window: %v", err)
	}
}
