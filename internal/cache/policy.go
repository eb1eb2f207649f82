package cache

import (
	"context"
	"errors"

	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// PolicyLoader builds a tenant's compiled JIT policies (policies,
// assignments, groups, alert executions) from the store.
type PolicyLoader func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error)

// PolicySet returns the tenant's compiled policies, from memory when it
// can, like every other answer of the cache: a Policies event for the
// tenant (or All) forgets it. The lock check evaluates it without SQL.
func (c *Cache) PolicySet(ctx context.Context, tenantID string) (*policy.Set, error) {
	fresh := c.fresh(ctx)
	if fresh {
		c.mu.RLock()
		set, ok := c.policies.get(tenantID)
		c.mu.RUnlock()
		if ok {
			c.hits.Add(1)
			return set, nil
		}
	}
	if c.opts.Policies == nil {
		return nil, errors.New("cache: no policy loader (Options.Policies)")
	}
	gen, keep := c.begin(fresh)
	set, err := c.opts.Policies(ctx, c.Store, tenantID)
	if err != nil {
		return nil, err
	}
	if keep {
		if c.keeping(gen) {
			c.policies.put(tenantID, set)
		}
		c.mu.Unlock()
	}
	return set, nil
}
