package cache

import (
	"context"
	"errors"
	"slices"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// PolicyLoader builds a tenant's compiled JIT policies (policies,
// assignments, groups, alert executions) from the store.
type PolicyLoader func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error)

// policyEntry is a tenant's compiled policies, or why they do not
// compile (an error wrapping policy.ErrInvalid).
type policyEntry struct {
	set *policy.Set
	err error
}

// PolicySet returns the tenant's compiled policies, from memory when it
// can, like every other answer of the cache: a Policies event for the
// tenant (or All) forgets it. The lock check evaluates it without SQL.
//
// Policies that do not compile (policy.ErrInvalid) are the tenant's
// configuration, not an outage: the failure is kept like an answer until
// the tenant's policies change, so checks do not reload them one by one;
// it is logged once per distinct failure and listed in Stats.
func (c *Cache) PolicySet(ctx context.Context, tenantID string) (*policy.Set, error) {
	fresh := c.fresh(ctx)
	if fresh {
		c.mu.RLock()
		e, ok := c.policies.get(tenantID)
		c.mu.RUnlock()
		if ok {
			c.hits.Add(1)
			return e.set, e.err
		}
	}
	if c.opts.Policies == nil {
		return nil, errors.New("cache: no policy loader (Options.Policies)")
	}
	gen, keep := c.begin(fresh)
	set, err := c.opts.Policies(ctx, c.Store, tenantID)
	invalid := errors.Is(err, policy.ErrInvalid)
	c.heard(tenantID, err, invalid)
	if err != nil && !invalid {
		return nil, err
	}
	if keep {
		if c.keeping(gen) {
			c.policies.put(tenantID, policyEntry{set: set, err: err})
		}
		c.mu.Unlock()
	}
	return set, err
}

// heard logs a tenant's policies that stopped compiling, once per
// distinct failure, and forgets the failure when they compile again.
func (c *Cache) heard(tenantID string, err error, invalid bool) {
	if !invalid {
		if err == nil {
			c.broken.Delete(tenantID)
		}
		return
	}
	msg := err.Error()
	if old, seen := c.broken.Swap(tenantID, msg); seen && old.(string) == msg {
		return
	}
	if c.opts.Log != nil {
		c.opts.Log.Error("a tenant's policies do not compile: its lock checks answer policy_invalid until they are fixed "+
			"(deadbolt policy show, policy disable or delete)", "tenant", tenantID, "err", err)
	}
}

// brokenPolicies lists the tenants whose policies did not compile at
// their last load, for Stats.
func (c *Cache) brokenPolicies() []string {
	var ids []string
	c.broken.Range(func(k, _ any) bool {
		ids = append(ids, k.(string))
		return true
	})
	slices.Sort(ids)
	return ids
}
