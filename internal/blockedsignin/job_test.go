package blockedsignin_test

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/blockedsignin"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// TestBlockedSigninRunsAlert drives the job over a real SQLite store with
// a fake clock: a blocked sign-in of a finance member's account executes
// the alert policy (lock the group for an hour) once, announces it to the
// webhook and is audited; reading the same records again, and the flood
// of sign-ins the lock itself blocks, execute nothing more; the first
// blocked sign-in after the hour executes it again. Sign-ins of accounts
// the policy does not reach, open answers, and sign-ins from before the
// policy was made execute nothing.
func TestBlockedSigninRunsAlert(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "d.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	box, _ := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	svc := &admin.Service{Store: db, Clock: clk, Box: box,
		Egress: egress.Policy{Resolver: egresstest.Static{"hooks.acme.test": {netip.MustParseAddr("93.184.215.14")}}}}
	tn, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	app, err := svc.CreateApp(ctx, "test", admin.NewApp{TenantID: tn.ID, Name: "ERP", Issuer: "https://erp.acme.test",
		DefaultUnlock: time.Minute, MaxUnlock: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	acc := &access.Service{Store: db, Clock: clk}
	for _, name := range []string{"alice", "bob"} {
		if _, err := acc.Enroll(ctx, "test", app, name, name+"@acme.test"); err != nil {
			t.Fatal(err)
		}
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
	kid := ""
	check := func(account string, at time.Time, locked bool) {
		t.Helper()
		rec := store.CheckRecord{ID: ids.New(), TenantID: tn.ID, AppID: app.ID, KID: kid, Account: account, At: at,
			Locked: locked, Status: "locked", IntegrationType: "test"}
		if !locked {
			rec.Status = "unlocked"
		}
		if err := db.AppendChecks(ctx, []store.CheckRecord{rec}); err != nil {
			t.Fatal(err)
		}
	}
	check("alice", clk.Now().Add(-time.Minute), true) // before the policy: history

	clk.Advance(time.Minute)
	p, err := svc.CreatePolicy(ctx, "test", tn.ID, policy.Policy{Name: "Blocked finance sign-in", Type: policy.Alert, Action: policy.Lock,
		Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnBlockedSignin}, Notify: []policy.Recipient{policy.NotifyWebhooks},
			For: time.Hour, Liftable: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, "test", tn.ID, p.ID, admin.Target{Group: "finance"}); err != nil {
		t.Fatal(err)
	}
	job := &blockedsignin.Job{Store: db, Clock: clk, Batch: 2}
	run := func(want int) []store.Execution {
		t.Helper()
		made, err := job.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(made) != want {
			t.Fatalf("RunOnce made %d executions (%+v), want %d", len(made), made, want)
		}
		return made
	}
	run(0)

	clk.Advance(time.Minute)
	check("bob", clk.Now(), true)    // not in finance
	check("alice", clk.Now(), false) // open: not blocked
	run(0)
	clk.Advance(time.Second)
	blocked := clk.Now()
	check("alice", blocked, true)
	made := run(1) // read as soon as it is committed
	if e := made[0]; e.PolicyID != p.ID || !e.At.Equal(clk.Now()) || !e.Until.Equal(clk.Now().Add(time.Hour)) ||
		e.ExecutedBy != blockedsignin.Actor {
		t.Errorf("execution %+v", e)
	}
	msgs, err := db.OutboxOfTenant(ctx, tn.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Type != "account.locked" {
		t.Fatalf("outbox: %+v; want one account.locked for alice", msgs)
	}

	// The lock blocks alice's own sign-ins: a flood, while it lasts.
	for i := range 5 {
		check("alice", clk.Now().Add(time.Duration(i)*time.Second), true)
	}
	clk.Advance(10 * time.Second)
	run(0)
	// A record read again (the cursor set back, as after a crash before
	// it moved) executes nothing.
	back, err := db.CheckCommitPosition(ctx, tn.ID, blocked)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx store.Tx) error {
		return tx.SetStreamCursor(ctx, blockedsignin.CursorEndpoint, tn.ID, "checks", back)
	}); err != nil {
		t.Fatal(err)
	}
	run(0)

	// After the hour, the next blocked sign-in executes it again.
	clk.Advance(time.Hour)
	check("alice", clk.Now(), true)
	clk.Advance(3 * time.Second)
	run(1)

	recs, err := db.AuditRecords(ctx, tn.ID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	executed := 0
	for _, r := range recs {
		var data struct{ On string }
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatal(err)
		}
		if r.Action == "policy.executed" && r.Actor == blockedsignin.Actor && data.On == string(policy.OnBlockedSignin) {
			executed++
		}
	}
	if executed != 2 {
		t.Errorf("audited executions on blocked_signin: %d, want 2", executed)
	}
}
