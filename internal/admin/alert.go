package admin

import (
	"context"
	"errors"
	"fmt"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
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
		_, p, err := storedPolicy(ctx, tx, tenantID, ref)
		if err != nil {
			return err
		}
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
	alert := notify.PolicyAlert{Policy: p.Name, PolicyID: p.ID, Action: string(p.Action), On: string(t), By: actor,
		Reason: reason, At: now, Until: e.Until}
	n, err := tell(ctx, tx, tenantID, p, alert, now, notifyOn, func(app store.Application, a store.Account) (notify.Change, bool, error) {
		c := notify.Change{App: app, Account: a.Name, Locked: p.Action == policy.Lock}
		if !c.Locked {
			c.Until = e.Until
		}
		return c, true, nil
	})
	if err != nil {
		return store.Execution{}, err
	}
	return e, store.AppendAudit(ctx, tx, tenantID, actor, "policy.executed", "policy:"+p.ID, map[string]any{
		"name": p.Name, "execution": e.ID, "on": string(t), "action": string(p.Action), "until": e.Until,
		"reason": reason, "announced": n,
	}, now)
}

// tell announces an execution or lift of p to those p notifies: each
// account p reaches to the tenant's webhooks (as change says, when it says
// to: a lift announces only the accounts whose state it changes), and
// alert to the accounts' owners (each about theirs) and the tenant's
// owners and admins (about all), on notifyOn (nil: email and push). It
// reads the tenant's accounts a page at a time, so memory does not grow
// with them, and returns how many accounts it announced to webhooks.
func tell(ctx context.Context, tx store.Tx, tenantID string, p policy.Policy, alert notify.PolicyAlert, now time.Time, notifyOn []string,
	change func(store.Application, store.Account) (notify.Change, bool, error)) (int, error) {
	hooks, owners, admins := false, false, false
	if p.Alert != nil {
		hooks = slices.Contains(p.Alert.Notify, policy.NotifyWebhooks) && p.Action != policy.AllowUnlock
		owners = slices.Contains(p.Alert.Notify, policy.NotifyOwner)
		admins = slices.Contains(p.Alert.Notify, policy.NotifyAdmins)
	}
	if !hooks && !owners && !admins {
		return 0, nil
	}
	if notifyOn == nil {
		notifyOn = []string{store.ChannelEmail, store.ChannelPush}
	}
	announced, all := 0, alert
	var an notify.Announcer
	perOwner := map[string]*notify.PolicyAlert{} // member ID → their accounts; bounded by the tenant's members
	err := eachReached(ctx, tx, tenantID, p, func(app store.Application, a store.Account) error {
		name := app.Name
		if name == "" {
			name = app.Issuer
		}
		all.Add(a.Name, name)
		if owners && a.OwnerID != "" {
			o := perOwner[a.OwnerID]
			if o == nil {
				o = &notify.PolicyAlert{}
				*o = alert
				perOwner[a.OwnerID] = o
			}
			o.Add(a.Name, name)
		}
		if !hooks {
			return nil
		}
		c, ok, err := change(app, a)
		if err != nil || !ok {
			return err
		}
		announced++
		return an.Enqueue(ctx, tx, c, now)
	})
	if err != nil || (!owners && !admins) {
		return announced, err
	}
	members, err := tx.Members(ctx, tenantID)
	if err != nil {
		return announced, err
	}
	for _, m := range members {
		var a *notify.PolicyAlert
		switch {
		case admins && (m.Role == store.RoleOwner || m.Role == store.RoleAdmin):
			a = &all
		case perOwner[m.ID] != nil:
			a = perOwner[m.ID]
		default:
			continue
		}
		if _, err := notify.EnqueuePolicyAlert(ctx, tx, m, *a, notifyOn, now); err != nil {
			return announced, err
		}
	}
	return announced, nil
}

// eachReached calls f for every account p reaches through its
// assignments (the accounts of its applications, and those owned by its
// members and its groups' members), each once: it pages through the
// tenant's applications' accounts, so memory holds one page and the
// assigned members, however many accounts there are.
func eachReached(ctx context.Context, tx store.Tx, tenantID string, p policy.Policy, f func(store.Application, store.Account) error) error {
	assigns, err := tx.Assignments(ctx, tenantID)
	if err != nil {
		return err
	}
	apps, members := map[string]bool{}, map[string]bool{}
	var groups []string
	for _, a := range assigns {
		switch {
		case a.PolicyID != p.ID:
		case a.AppID != "":
			apps[a.AppID] = true
		case a.GroupID != "":
			groups = append(groups, a.GroupID)
		default:
			members[a.MemberID] = true
		}
	}
	if len(groups) > 0 {
		gm, err := tx.GroupMembers(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, m := range gm {
			if slices.Contains(groups, m.GroupID) {
				members[m.MemberID] = true
			}
		}
	}
	if len(apps) == 0 && len(members) == 0 {
		return nil
	}
	all, err := tx.Applications(ctx, tenantID)
	if err != nil {
		return err
	}
	const page = 500
	for _, app := range all {
		for after := ""; ; {
			as, err := tx.Accounts(ctx, app.ID, after, page)
			if err != nil {
				return err
			}
			for _, a := range as {
				if apps[app.ID] || (a.OwnerID != "" && members[a.OwnerID]) {
					if err := f(app, a); err != nil {
						return err
					}
				}
			}
			if len(as) < page {
				break
			}
			after = as[len(as)-1].Name
		}
	}
	return nil
}

// LiftPolicy ends every execution of the tenant's alert policy ref (ID or
// name) that is in force now, and returns how many it ended. A policy
// whose executions cannot be lifted (no --liftable), or with none in
// force, is ErrNotLiftable.
func (s *Service) LiftPolicy(ctx context.Context, actor, tenantID, ref string) (int, error) {
	var n int
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		rec, p, err := storedPolicy(ctx, tx, tenantID, ref)
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
		p.ID, p.Name = rec.ID, rec.Name
		announced, err := s.announceLift(ctx, tx, actor, tenantID, p, now)
		if err != nil {
			return err
		}
		return store.AppendAudit(ctx, tx, tenantID, actor, "policy.lifted", "policy:"+rec.ID,
			map[string]any{"name": rec.Name, "executions": lifted, "announced": announced}, now)
	})
	return n, err
}

// announceLift tells those p notifies that its executions were lifted:
// to webhooks, each account whose state the lift changes, decided afresh
// with the tenant's policies after the lift (a lifted lock announces
// account.unlocked only for an account that is now open — by a grant or
// an unlock schedule, and no other lock — since an account with neither
// stays locked; a lifted unlock announces account.locked for those now
// locked); to owners and admins, a notice of the lift.
func (s *Service) announceLift(ctx context.Context, tx store.Tx, actor, tenantID string, p policy.Policy, now time.Time) (int, error) {
	after := check.New(check.Deps{Policies: check.Policies{Sets: PolicySets{Store: tx, Clock: clock.NewFake(now)}}})
	alert := notify.PolicyAlert{Policy: p.Name, PolicyID: p.ID, Action: string(p.Action), Lifted: true, By: actor, At: now}
	return tell(ctx, tx, tenantID, p, alert, now, s.Notify, func(app store.Application, a store.Account) (notify.Change, bool, error) {
		st, err := tx.CheckState(ctx, app.ID, a.Name)
		if err != nil {
			return notify.Change{}, false, err
		}
		d, err := after.Status(ctx, app, st, now)
		if err != nil {
			return notify.Change{}, false, err
		}
		c := notify.Change{App: app, Account: a.Name, Locked: d.Locked}
		if !d.Locked && st.Grant != nil && st.Grant.Usable(now) {
			c.Until = st.Grant.Until
		}
		return c, d.Locked == (p.Action == policy.Unlock), nil
	})
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
