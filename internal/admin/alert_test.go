package admin_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestExecuteAndLiftAlert: executing an alert lock policy assigned to a
// group hard-locks its members' accounts at once (and not others'),
// announces each locked account to the tenant's webhook through the
// outbox, is audited, and is lifted again; a policy that does not run on
// execute, or cannot be lifted, is refused with its own kind.
func TestExecuteAndLiftAlert(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	app, err := svc.CreateApp(ctx, "test", admin.NewApp{TenantID: tn.ID, Name: "ERP", Issuer: "https://erp.acme.test",
		DefaultUnlock: time.Minute, MaxUnlock: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: db, Clock: svc.Clock}
	alice, err := acc.Enroll(ctx, "test", app, "alice", "alice@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := acc.Enroll(ctx, "test", app, "bob", "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateGroup(ctx, "test", tn.ID, "finance", ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AddToGroup(ctx, "test", tn.ID, "finance", "alice@acme.test"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: tn.ID, URL: "https://hooks.acme.test/in"}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePolicy(ctx, "test", tn.ID, policy.Policy{Name: "SIEM incident", Type: policy.Alert, Action: policy.Lock,
		Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, Notify: []policy.Recipient{policy.NotifyWebhooks},
			For: 24 * time.Hour, Liftable: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, "test", tn.ID, p.ID, admin.Target{Group: "finance"}); err != nil {
		t.Fatal(err)
	}
	hardLock := func(a store.Account) lock.HardLock {
		t.Helper()
		pt, err := admin.PolicyTenant(ctx, db, tn.ID, svc.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		set, err := policy.NewSet(pt, nil)
		if err != nil {
			t.Fatal(err)
		}
		return set.Evaluate(policy.Account{App: app.ID, Owner: a.OwnerID}, svc.Clock.Now(), netip.Addr{}).HardLock
	}
	if hardLock(alice) != lock.HardLockNone {
		t.Fatal("alice is locked before any execution")
	}

	e, err := svc.ExecutePolicy(ctx, "api:siem", tn.ID, "SIEM incident", policy.OnExecute, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := svc.Clock.Now().Add(24 * time.Hour); !e.Until.Equal(want) {
		t.Errorf("execution until %v, want %v", e.Until, want)
	}
	if hardLock(alice) != lock.HardLockPolicy || hardLock(bob) != lock.HardLockNone {
		t.Fatalf("after the execution: alice %q, bob %q; want only alice locked by policy", hardLock(alice), hardLock(bob))
	}
	msgs, err := db.OutboxOfTenant(ctx, tn.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Type != "account.locked" {
		t.Fatalf("outbox after the execution: %+v; want one account.locked", msgs)
	}

	n, err := svc.LiftPolicy(ctx, "cli:root", tn.ID, p.ID)
	if err != nil || n != 1 {
		t.Fatalf("LiftPolicy = %d, %v; want 1", n, err)
	}
	if hardLock(alice) != lock.HardLockNone {
		t.Fatal("alice is still locked after the lift")
	}
	if _, err := svc.LiftPolicy(ctx, "cli:root", tn.ID, p.ID); !errors.Is(err, admin.ErrNotLiftable) {
		t.Errorf("lifting again: %v, want ErrNotLiftable", err)
	}
	if _, err := svc.ExecutePolicy(ctx, "api:siem", tn.ID, p.ID, policy.OnBlockedSignin, ""); !errors.Is(err, admin.ErrNotExecutable) {
		t.Errorf("executing on an event it does not run on: %v, want ErrNotExecutable", err)
	}
	recs, err := db.AuditRecords(ctx, tn.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, r := range recs {
		if r.Target == "policy:"+p.ID {
			seen = append(seen, r.Action)
		}
	}
	if len(seen) < 2 || seen[len(seen)-2] != "policy.executed" || seen[len(seen)-1] != "policy.lifted" {
		t.Errorf("audit of the policy: %v", seen)
	}
}
