package portal

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The accounts page tells owners which policy holds an account and until
// when: "Locked by policy “Year-end freeze” until Mon 8 Dec 08:00
// Europe/Lisbon", "Open by schedule (policy “Finance hours”) until 18:00
// Europe/Lisbon", or, for a locked account whose owner may unlock it only
// in an allow_unlock window, when that window opens. It reads the
// tenant's compiled policies from memory (Deps.Policies, the lock check's
// cache) and explains the account with policy.Set.Explain, the evaluation
// behind every check, so the page and the check cannot disagree.

// tenantPolicies is the tenant's compiled policies, or nil when the
// portal has none to read or they do not compile (the lock check then
// answers policy_invalid, and the page says nothing of policies).
func (p *Portal) tenantPolicies(ctx context.Context, tenantID string) *policy.Set {
	if p.d.Policies == nil {
		return nil
	}
	set, err := p.d.Policies.PolicySet(ctx, tenantID)
	if err != nil {
		p.d.Log.Debug("portal: no policies for the accounts page", "tenant", tenantID, "err", err)
		return nil
	}
	return set
}

// policyHold words which policy holds account a of app at now, given its
// view v; "" when no policy does.
func policyHold(set *policy.Set, app store.Application, a store.Account, v accountView, now time.Time) string {
	if set == nil {
		return ""
	}
	policyStatus := v.Status == lock.StatusScheduled || v.Status == lock.StatusDeniedByPolicy ||
		(v.Status == lock.StatusLockdown && v.Reason == string(lock.HardLockPolicy))
	if !policyStatus && !v.Locked {
		return ""
	}
	ex := set.Explain(policy.Account{App: app.ID, Owner: a.OwnerID}, now, netip.Addr{})
	rule := func(id string) (policy.Rule, bool) {
		for _, r := range ex.Rules {
			if r.PolicyID == id {
				return r, true
			}
		}
		return policy.Rule{}, false
	}
	switch r, ok := rule(ex.DecidedBy); {
	case ok && v.Status == lock.StatusLockdown:
		return "Locked by policy " + quote(r.PolicyName) + " " + until(r.Until, r.Zone, now, "until lifted") + "."
	case ok && v.Status == lock.StatusScheduled:
		return "Open by schedule (policy " + quote(r.PolicyName) + ") " + until(r.Until, r.Zone, now, "") + "."
	case ok && v.Status == lock.StatusDeniedByPolicy:
		return "Sign-ins are refused by policy " + quote(r.PolicyName) + ": " + ex.Verdict.ContextReason + "."
	}
	// Locked as usual: may the owner unlock it now?
	if perm := ex.Permission; v.Status == lock.StatusLocked && perm.Restricted && !perm.Allowed {
		if r, ok := rule(perm.PolicyID); ok && !perm.Until.IsZero() {
			return "You may unlock it only while policy " + quote(r.PolicyName) + " allows: from " + zonedWhen(perm.Until, r.Zone, now) + "."
		}
		return "No policy allows unlocking it now, and none will."
	}
	return ""
}

func quote(s string) string { return "“" + s + "”" }

// until words "until 18:00 Europe/Lisbon"; forever is said when t is zero.
func until(t time.Time, zone string, now time.Time, forever string) string {
	if t.IsZero() {
		return forever
	}
	return "until " + zonedWhen(t, zone, now)
}

// zonedWhen words t in zone for people, short when near: "18:00
// Europe/Lisbon" today, "Mon 08:00 Europe/Lisbon" within the week, else
// "Mon 8 Dec 08:00 Europe/Lisbon".
func zonedWhen(t time.Time, zone string, now time.Time) string {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		loc, zone = time.UTC, "UTC"
	}
	lt, ln := t.In(loc), now.In(loc)
	layout := "Mon 2 Jan 15:04"
	switch {
	case lt.YearDay() == ln.YearDay() && lt.Year() == ln.Year():
		layout = "15:04"
	case t.Sub(now) < 6*24*time.Hour:
		layout = "Mon 15:04"
	}
	return lt.Format(layout) + " " + zone
}

// askPresets are the lengths the owner of account a may ask approvers for
// ahead of time: the unlock presets within the approval policy's maximum,
// when one governs a at now; nil when none does (or the policies are not
// known). approval.Service.Create still decides; this only words the form.
func askPresets(set *policy.Set, app store.Application, a store.Account, now time.Time) []preset {
	if set == nil {
		return nil
	}
	pol, ok := set.Approval(policy.Account{App: app.ID, Owner: a.OwnerID}, now)
	if !ok || pol.Approval == nil {
		return nil
	}
	most := app.MaxUnlock
	if m := pol.Approval.MaxDuration; m > 0 && m < most {
		most = m
	}
	var out []preset
	for _, p := range presets(app) {
		if p.D <= most {
			out = append(out, p)
		}
	}
	if len(out) > 0 && !slices.ContainsFunc(out, func(p preset) bool { return p.Default }) {
		out[len(out)-1].Default = true
	}
	return out
}
