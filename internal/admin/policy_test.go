package admin_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestEnableInvalidPolicy: a stored policy that does not validate (here,
// written by hand or by another version) can be listed and disabled, but
// enabling it is refused, since an enabled policy that does not compile
// stops every check of its tenant; and a disabled one does not fail the
// tenant's policies, while an enabled one fails them with
// policy.ErrInvalid.
func TestEnableInvalidPolicy(t *testing.T) {
	svc, db := newService(t)
	ctx := t.Context()
	tn, err := svc.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, rec := range []store.Policy{
		{ID: "p1", Name: "no-window", Document: json.RawMessage(`{"type":"scheduled","action":"unlock"}`)},
		{ID: "p2", Name: "unreadable", Document: json.RawMessage(`{"type":5}`)},
	} {
		rec.TenantID, rec.CreatedAt, rec.UpdatedAt = tn.ID, now, now
		if err := db.Update(ctx, func(tx store.Tx) error { return tx.CreatePolicy(ctx, rec) }); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := svc.Policies(ctx, tn.ID)
	if err != nil || len(ps) != 2 {
		t.Fatalf("Policies = %v, %v; want both, listed", ps, err)
	}
	pt, err := admin.PolicyTenant(ctx, db, tn.ID, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := policy.NewSet(pt, nil); err != nil {
		t.Fatalf("disabled invalid policies fail the set: %v", err)
	}
	for _, ref := range []string{"no-window", "unreadable"} {
		if _, err := svc.SetPolicyEnabled(ctx, "test", tn.ID, ref, true); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("enable %s: err %v, want store.ErrInvalid", ref, err)
		}
		if _, err := svc.SetPolicyEnabled(ctx, "test", tn.ID, ref, false); err != nil {
			t.Errorf("disable %s: %v", ref, err)
		}
	}
	// Enabled behind the domain's back, each fails the tenant's policies
	// with policy.ErrInvalid (the check answers policy_invalid).
	for _, id := range []string{"p1", "p2"} {
		rec, err := db.Policy(ctx, tn.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		rec.Enabled = true
		if err := db.Update(ctx, func(tx store.Tx) error { return tx.UpdatePolicy(ctx, rec) }); err != nil {
			t.Fatal(err)
		}
		pt, err := admin.PolicyTenant(ctx, db, tn.ID, now)
		if err == nil {
			_, err = policy.NewSet(pt, nil)
		}
		if !errors.Is(err, policy.ErrInvalid) {
			t.Errorf("%s enabled: err %v, want policy.ErrInvalid", id, err)
		}
		rec.Enabled = false
		if err := db.Update(ctx, func(tx store.Tx) error { return tx.UpdatePolicy(ctx, rec) }); err != nil {
			t.Fatal(err)
		}
	}
}
