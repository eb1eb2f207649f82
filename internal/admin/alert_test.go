package admin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
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

// TestAlertNoticesAndLift: an alert policy that notifies owner, admins
// and webhooks tells, when executed, each affected account's owner about
// their accounts and every owner and admin of the tenant about all of
// them (policy.alert notices on email, whatever they chose), and the
// webhook about each account. Its lift announces account.unlocked only
// for the account that is open again (alice: her grant still runs), not
// for carol's, which stays locked, and tells owners and admins of the
// lift.
func TestAlertNoticesAndLift(t *testing.T) {
	svc, db := newService(t)
	svc.Notify = []string{store.ChannelEmail}
	ctx := t.Context()
	tn, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	app, err := svc.CreateApp(ctx, "test", admin.NewApp{TenantID: tn.ID, Name: "ERP", Issuer: "https://erp.acme.test",
		DefaultUnlock: time.Minute, MaxUnlock: 8 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateMember(ctx, "test", admin.NewMember{TenantID: tn.ID, Email: "boss@acme.test", Role: store.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: db, Clock: svc.Clock}
	for _, name := range []string{"alice", "carol", "dave"} {
		if _, err := acc.Enroll(ctx, "test", app, name, name+"@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateGroup(ctx, "test", tn.ID, "finance", ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"alice@acme.test", "carol@acme.test"} {
		if _, _, err := svc.AddToGroup(ctx, "test", tn.ID, "finance", m); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: tn.ID, URL: "https://hooks.acme.test/in"}); err != nil {
		t.Fatal(err)
	}
	if _, err := acc.Unlock(ctx, "test", app, "alice", access.Unlock{For: 4 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.CreatePolicy(ctx, "test", tn.ID, policy.Policy{Name: "SIEM incident", Type: policy.Alert, Action: policy.Lock,
		Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute},
			Notify: []policy.Recipient{policy.NotifyOwner, policy.NotifyAdmins, policy.NotifyWebhooks}, For: 24 * time.Hour, Liftable: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, "test", tn.ID, p.ID, admin.Target{Group: "finance"}); err != nil {
		t.Fatal(err)
	}
	members, err := db.Members(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	email := map[string]string{}
	for _, m := range members {
		email[m.ID] = m.Email
	}
	// since returns what the outbox gained since the last call: each
	// webhook event as "type account", each notice as "to: N accounts (names)".
	seen := map[string]bool{}
	since := func() []string {
		t.Helper()
		msgs, err := db.OutboxOfTenant(ctx, tn.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			switch m.Channel {
			case store.ChannelWebhook:
				var ev struct {
					Type string
					Data struct{ Account string }
				}
				if err := json.Unmarshal(m.Payload, &ev); err != nil {
					t.Fatal(err)
				}
				out = append(out, ev.Type+" "+ev.Data.Account)
			case store.ChannelEmail:
				a, err := notify.DecodePolicyAlert(m)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%s: %d %v lifted=%v", email[m.MemberID], a.Count, a.Accounts, a.Lifted))
			}
		}
		slices.Sort(out)
		return out
	}
	since() // the grant's announcement
	if _, err := svc.ExecutePolicy(ctx, "api:siem", tn.ID, p.ID, policy.OnExecute, "INC-7"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"account.locked alice", "account.locked carol",
		"alice@acme.test: 1 [alice at ERP] lifted=false",
		"boss@acme.test: 2 [alice at ERP carol at ERP] lifted=false",
		"carol@acme.test: 1 [carol at ERP] lifted=false",
	}
	if got := since(); !slices.Equal(got, want) {
		t.Fatalf("after the execution the outbox gained\n%q\nwant\n%q", got, want)
	}
	if _, err := svc.LiftPolicy(ctx, "cli:root", tn.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"account.unlocked alice",
		"alice@acme.test: 1 [alice at ERP] lifted=true",
		"boss@acme.test: 2 [alice at ERP carol at ERP] lifted=true",
		"carol@acme.test: 1 [carol at ERP] lifted=true",
	}
	if got := since(); !slices.Equal(got, want) {
		t.Fatalf("after the lift the outbox gained\n%q\nwant\n%q", got, want)
	}
}
