package admin

import (
	"context"
	"slices"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Event is something that happened to a protected account that alert
// policies may run on: a blocked sign-in, or an unlock refused outside an
// allow_unlock window.
type Event struct {
	Trigger policy.Trigger
	// At is when it happened; a policy created or changed after it does
	// not answer it.
	At      time.Time
	Account policy.Account
	// Reason is written on the executions it makes, for the audit and the
	// notices.
	Reason string
}

// Reactor runs a tenant's alert policies on events, inside one
// transaction: it reads the tenant's policies and executions once, and
// keeps the executions it makes, so that a batch of events (a flood of
// blocked sign-ins) costs a few reads and executes each policy once.
type Reactor struct {
	tx       store.Tx
	actor    string
	tenantID string
	now      time.Time
	notifyOn []string
	set      *policy.Set
	policies map[string]policy.Policy
	changed  map[string]time.Time // policy ID → when it was last created or changed
	// execs are the tenant's executions in force at or begun after
	// execsSince (the earliest event seen), with those it made; read at
	// the first event.
	execs      []store.Execution
	execsSince time.Time
	execsRead  bool
}

// NewReactor reads, inside tx, the tenant's policies; its executions are
// made at now by actor, and their notices go on notifyOn (nil: email and
// push).
func NewReactor(ctx context.Context, tx store.Tx, actor, tenantID string, now time.Time, notifyOn []string) (*Reactor, error) {
	pt, err := PolicyTenant(ctx, tx, tenantID, now)
	if err != nil {
		return nil, err
	}
	set, err := policy.NewSet(pt, nil)
	if err != nil {
		return nil, err
	}
	recs, err := tx.Policies(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	r := &Reactor{tx: tx, actor: actor, tenantID: tenantID, now: now, notifyOn: notifyOn, set: set,
		policies: map[string]policy.Policy{}, changed: map[string]time.Time{}}
	for _, p := range pt.Policies {
		r.policies[p.ID] = p
	}
	for _, rec := range recs {
		r.changed[rec.ID] = rec.UpdatedAt
	}
	return r, nil
}

// Reacts reports whether some enabled alert policy of the tenant runs on
// event t.
func (r *Reactor) Reacts(t policy.Trigger) bool { return r.set.Reacts(t) }

// Since is when the longest-standing enabled policy that runs on event t
// was created or last changed: events before it are answered by none.
func (r *Reactor) Since(t policy.Trigger) time.Time {
	var since time.Time
	for id, p := range r.policies {
		if c := r.changed[id]; p.TriggeredBy(t) && (since.IsZero() || c.Before(since)) {
			since = c
		}
	}
	return since
}

// React executes every enabled alert policy that reaches ev's account and
// runs on its trigger, and returns the executions made. A policy does not
// answer an event that happened before it was created or last changed
// (enabling it, for one), nor one it has answered already: one of its
// executions is in force at ev.At or began after it. So an event read
// twice executes nothing the second time, and while an execution lasts a
// flood of events (the locked accounts' own sign-ins, for a lock) does not
// execute the policy again; the next event after it ends does.
func (r *Reactor) React(ctx context.Context, ev Event) ([]store.Execution, error) {
	if !r.execsRead || ev.At.Before(r.execsSince) {
		execs, err := r.tx.Executions(ctx, r.tenantID, ev.At)
		if err != nil {
			return nil, err
		}
		r.execs, r.execsSince, r.execsRead = execs, ev.At, true
	}
	var out []store.Execution
	for _, id := range r.set.Triggered(ev.Account, ev.Trigger) {
		if ev.At.Before(r.changed[id]) || r.answered(id, ev.At) {
			continue
		}
		e, err := executeTx(ctx, r.tx, r.actor, r.tenantID, r.policies[id], ev.Trigger, ev.Reason, r.now, r.notifyOn)
		if err != nil {
			return out, err
		}
		r.execs = append(r.execs, e)
		out = append(out, e)
	}
	return out, nil
}

// answered reports whether policy id has an execution in force at t or
// begun after it.
func (r *Reactor) answered(id string, t time.Time) bool {
	return slices.ContainsFunc(r.execs, func(e store.Execution) bool {
		if e.PolicyID != id {
			return false
		}
		ended := (!e.Until.IsZero() && !t.Before(e.Until)) || (!e.LiftedAt.IsZero() && !t.Before(e.LiftedAt))
		return !e.At.Before(t) || !ended
	})
}
