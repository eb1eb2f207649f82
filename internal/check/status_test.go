package check_test

import (
	"context"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// sets hands out one compiled set for every tenant.
type sets struct{ *policy.Set }

func (s sets) PolicySet(context.Context, string) (*policy.Set, error) { return s.Set, nil }

// TestStatusNamesTheAddressRule: a display has no sign-in address, so a
// context policy is named (AddressPolicy) and left out of the decision
// instead of deciding by its on_unknown: an account open by a grant shows
// open, not denied_by_policy, and says from where; without a context
// policy nothing is named; a hard lock still decides.
func TestStatusNamesTheAddressRule(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	app := store.Application{ID: "app-1", TenantID: "t-1", Issuer: "https://erp.acme.test", Enabled: true}
	office := func(on policy.OnUnknown) policy.Policy {
		return policy.Policy{ID: "pol-office", Name: "Office only", Type: policy.Context, Action: policy.Lock, Enabled: true,
			OnUnknown: on, Assign: policy.Assignments{Apps: []string{app.ID}}, Context: &policy.ContextRule{AllowCIDRs: []string{"10.0.0.0/8"}}}
	}
	freeze := policy.Policy{ID: "pol-freeze", Name: "Freeze", Type: policy.Alert, Action: policy.Lock, Enabled: true,
		Assign: policy.Assignments{Apps: []string{app.ID}}, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, Liftable: true}}
	open := store.CheckState{Found: true, Account: store.Account{ID: "acc-1", AppID: app.ID, Name: "alice"},
		Grant: &store.Grant{ID: "g-1", Until: now.Add(time.Hour), CreatedAt: now.Add(-time.Minute)}}
	tests := []struct {
		name        string
		t           policy.Tenant
		wantStatus  lock.Status
		wantPolicy  string
		wantReasons bool
	}{
		{"deny unknown addresses", policy.Tenant{Policies: []policy.Policy{office(policy.Deny)}}, lock.StatusUnlocked, "pol-office", true},
		{"allow unknown addresses", policy.Tenant{Policies: []policy.Policy{office(policy.Allow)}}, lock.StatusUnlocked, "pol-office", false},
		{"no context policy", policy.Tenant{}, lock.StatusUnlocked, "", false},
		{"a lock policy in force", policy.Tenant{Policies: []policy.Policy{office(policy.Deny), freeze},
			Executions: []policy.Execution{{PolicyID: "pol-freeze", At: now.Add(-time.Minute)}}}, lock.StatusLockdown, "pol-office", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := policy.NewSet(tt.t, nil)
			if err != nil {
				t.Fatal(err)
			}
			svc := check.New(check.Deps{Policies: check.Policies{Sets: sets{set}}})
			got, err := svc.Status(t.Context(), app, open, now)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.wantStatus || got.AddressPolicy != tt.wantPolicy || (got.AddressReason != "") != tt.wantReasons {
				t.Fatalf("Status = %+v; want %s, address policy %q, reason given %v", got, tt.wantStatus, tt.wantPolicy, tt.wantReasons)
			}
			d, err := svc.Evaluate(t.Context(), app, open, now)
			if err != nil || d != got.Decision {
				t.Fatalf("Evaluate = %+v, %v; want Status's decision %+v", d, err, got.Decision)
			}
		})
	}
}
