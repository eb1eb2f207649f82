package admin_test

import (
	"errors"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestUpdatePolicy: an update replaces the rules and keeps the ID and
// assignments; bad input, a name another policy has, and another
// tenant's policy change nothing.
func TestUpdatePolicy(t *testing.T) {
	svc, _ := newService(t)
	ctx := t.Context()
	acme, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	globex, err := svc.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	g, err := svc.CreateGroup(ctx, "test", acme.ID, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	hours := policy.Policy{Name: "hours", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "Europe/Lisbon", Every: policy.Weekdays, From: 8 * 60, To: 18 * 60, Start: policy.Date{Year: 2026, Month: 12, Day: 1}}}
	p, err := svc.CreatePolicy(ctx, "test", acme.ID, hours)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePolicy(ctx, "test", acme.ID, policy.Policy{Name: "taken", Type: policy.Context, Action: policy.Lock,
		Context: &policy.ContextRule{AllowCountries: []string{"PT"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Assign(ctx, "test", acme.ID, p.ID, admin.Target{Group: g.ID}); err != nil {
		t.Fatal(err)
	}
	edit := hours
	sched := *hours.Schedule
	sched.To = 19 * 60
	edit.Name, edit.Schedule = "long hours", &sched
	got, err := svc.UpdatePolicy(ctx, "test", acme.ID, p.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Name != "long hours" || got.Schedule.To != 19*60 || len(got.Assign.Groups) != 1 {
		t.Errorf("after update: %+v", got)
	}
	bad := edit
	bad.Schedule = &policy.Schedule{Zone: "Nowhere/Else", Every: policy.Daily, From: 60, To: 120, Start: sched.Start}
	taken := edit
	taken.Name = "taken"
	for _, c := range []struct {
		name     string
		tenant   string
		p        policy.Policy
		want     error
		wantName string
	}{
		{"bad zone", acme.ID, bad, store.ErrInvalid, "long hours"},
		{"name of another policy", acme.ID, taken, store.ErrConflict, "long hours"},
		{"another tenant's policy", globex.ID, edit, store.ErrNotFound, "long hours"},
	} {
		if _, err := svc.UpdatePolicy(ctx, "test", c.tenant, p.ID, c.p); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
		now, err := svc.Policy(ctx, acme.ID, p.ID)
		if err != nil || now.Name != c.wantName || now.Schedule.Zone != "Europe/Lisbon" || now.Schedule.To != 19*60 {
			t.Errorf("%s changed the policy: %+v %v", c.name, now, err)
		}
	}
}
