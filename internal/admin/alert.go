package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// ErrNotExecutable: the policy is not an enabled alert policy that the
// event executes (for the execute call: one with --on execute).
var ErrNotExecutable = errors.New("the policy cannot be executed this way")

// ErrNotLiftable: the alert policy's executions cannot be lifted (it was
// created without --liftable), or none is in force.
var ErrNotLiftable = errors.New("the policy has no execution that can be lifted")

// maxAnnounced bounds how many accounts one execution announces to the
// tenant's webhooks (account.locked or account.unlocked each).
const maxAnnounced = 10_000

// ExecutePolicy runs the tenant's alert policy ref (ID or name) on event
// t, at once: its action applies to its assigned accounts from now for
// the policy's --for (or until lifted), the execution is audited, and
// when the policy notifies webhooks each affected account is announced
// (account.locked for a lock, account.unlocked for an unlock) through the
// outbox in the same transaction. A policy that is not an enabled alert
// policy run by t is ErrNotExecutable.
func (s *Service) ExecutePolicy(ctx context.Context, actor, tenantID, ref string, t policy.Trigger, reason string) (store.Execution, error) {
	var e store.Execution
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		p, err := policyOf(rec)
		if err != nil {
			return err
		}
		p.ID, p.Name, p.Enabled = rec.ID, rec.Name, rec.Enabled
		e, err = executeTx(ctx, tx, actor, tenantID, p, t, reason, s.Clock.Now(), s.Notify)
		return err
	})
	return e, err
}

// executeTx executes p inside tx; see ExecutePolicy.
func executeTx(ctx context.Context, tx store.Tx, actor, tenantID string, p policy.Policy, t policy.Trigger, reason string, now time.Time, notifyOn []string) (store.Execution, error) {
	if !p.TriggeredBy(t) {
		why := "it is not an alert policy"
		switch {
		case p.Type == policy.Alert && !p.Enabled:
			why = "it is disabled (deadbolt policy enable)"
		case p.Type == policy.Alert:
			why = fmt.Sprintf("it does not run on %s (its --on does not name it)", t)
		}
		return store.Execution{}, fmt.Errorf("%w: policy %q: %s", ErrNotExecutable, p.Name, why)
	}
	pe := p.Execute(now)
	e := store.Execution{ID: ids.New(), TenantID: tenantID, PolicyID: p.ID, At: pe.At, Until: pe.Until,
		ExecutedBy: actor, Reason: reason}
	if err := tx.CreateExecution(ctx, e); err != nil {
		return store.Execution{}, err
	}
	n, err := announce(ctx, tx, tenantID, p, now)
	if err != nil {
		return store.Execution{}, err
	}
	return e, store.AppendAudit(ctx, tx, tenantID, actor, "policy.executed", "policy:"+p.ID, map[string]any{
		"name": p.Name, "execution": e.ID, "on": string(t), "action": string(p.Action), "until": e.Until,
		"reason": reason, "announced": n,
	}, now)
}

// announce tells the tenant's webhooks of every account p's execution
// locks or unlocks, when p notifies webhooks; it returns how many.
func announce(ctx context.Context, tx store.Tx, tenantID string, p policy.Policy, now time.Time) (int, error) {
	if p.Alert == nil || !slices.Contains(p.Alert.Notify, policy.NotifyWebhooks) || p.Action == policy.AllowUnlock {
		return 0, nil
	}
	accts, err := assignedAccounts(ctx, tx, tenantID, p)
	if err != nil {
		return 0, err
	}
	apps := map[string]store.Application{}
	for _, a := range accts {
		app, ok := apps[a.AppID]
		if !ok {
			if app, err = tx.Application(ctx, a.AppID); err != nil {
				return 0, err
			}
			apps[a.AppID] = app
		}
		c := notify.Change{App: app, Account: a.Name, Locked: p.Action == policy.Lock}
		if !c.Locked {
			c.Until = p.Execute(now).Until
		}
		if err := notify.Enqueue(ctx, tx, c, now); err != nil {
			return 0, err
		}
	}
	return len(accts), nil
}

// assignedAccounts lists the accounts p reaches through its assignments
// (each once, at most maxAnnounced).
func assignedAccounts(ctx context.Context, tx store.Tx, tenantID string, p policy.Policy) ([]store.Account, error) {
	assigns, err := tx.Assignments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	members := map[string]bool{}
	var appIDs []string
	for _, a := range assigns {
		switch {
		case a.PolicyID != p.ID:
		case a.AppID != "":
			appIDs = append(appIDs, a.AppID)
		case a.GroupID != "":
			gm, err := tx.GroupMembers(ctx, tenantID)
			if err != nil {
				return nil, err
			}
			for _, m := range gm {
				if m.GroupID == a.GroupID {
					members[m.MemberID] = true
				}
			}
		default:
			members[a.MemberID] = true
		}
	}
	seen := map[string]bool{}
	var out []store.Account
	add := func(as []store.Account) {
		for _, a := range as {
			if !seen[a.ID] && len(out) < maxAnnounced {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	for _, id := range appIDs {
		after := ""
		for len(out) < maxAnnounced {
			as, err := tx.Accounts(ctx, id, after, 500)
			if err != nil {
				return nil, err
			}
			add(as)
			if len(as) < 500 {
				break
			}
			after = as[len(as)-1].Name
		}
	}
	ids := make([]string, 0, len(members))
	for m := range members {
		ids = append(ids, m)
	}
	slices.Sort(ids)
	for _, m := range ids {
		as, err := tx.AccountsOfOwner(ctx, m, maxAnnounced)
		if err != nil {
			return nil, err
		}
		add(as)
	}
	return out, nil
}

// LiftPolicy ends every execution of the tenant's alert policy ref (ID or
// name) that is in force now, and returns how many it ended. A policy
// whose executions cannot be lifted (no --liftable), or with none in
// force, is ErrNotLiftable.
func (s *Service) LiftPolicy(ctx context.Context, actor, tenantID, ref string) (int, error) {
	var n int
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		rec, err := policyRef(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
		p, err := policyOf(rec)
		if err != nil {
			return err
		}
		if p.Type != policy.Alert || p.Alert == nil || !p.Alert.Liftable {
			return fmt.Errorf("%w: policy %q: its executions cannot be lifted (an alert policy created with --liftable can be)", ErrNotLiftable, rec.Name)
		}
		now := s.Clock.Now()
		execs, err := tx.Executions(ctx, tenantID, now)
		if err != nil {
			return err
		}
		var lifted []string
		for _, e := range execs {
			if e.PolicyID != rec.ID || e.At.After(now) {
				continue
			}
			ok, err := tx.LiftExecution(ctx, tenantID, e.ID, actor, now)
			if err != nil {
				return err
			}
			if ok {
				lifted = append(lifted, e.ID)
			}
		}
		if n = len(lifted); n == 0 {
			return fmt.Errorf("%w: policy %q has no execution in force", ErrNotLiftable, rec.Name)
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "policy.lifted", "policy:"+rec.ID,
			map[string]any{"name": rec.Name, "executions": lifted}, now)
	})
	return n, err
}

// Trigger executes, in one transaction of u at now, every enabled alert
// policy of the tenant that reaches the event's account and runs on its
// trigger (blocked_signin, unlock_outside_window) and has not answered it
// yet (see Reactor.React), and returns the executions made. Notices go on
// notifyOn (the member channels this deployment delivers; nil: email and
// push). It is a function rather than a method so that the packages where
// those events happen (access) can call it with their own store.
func Trigger(ctx context.Context, u store.Updater, now time.Time, actor, tenantID string, ev Event, notifyOn []string) ([]store.Execution, error) {
	var out []store.Execution
	err := u.Update(ctx, func(tx store.Tx) error {
		r, err := NewReactor(ctx, tx, actor, tenantID, now, notifyOn)
		if err != nil {
			return err
		}
		out, err = r.React(ctx, ev)
		return err
	})
	return out, err
}
