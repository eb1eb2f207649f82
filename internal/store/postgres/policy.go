package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Groups, policies, assignments and alert executions are read and written
// by sqlrow's Reads and Writes. The lock check keeps each tenant's compiled
// policies in memory, so every write here announces cache.Policies for its
// tenant.

// policiesChanged announces, when err is nil, that the tenant's policies
// changed (cache.Policies), and returns err.
func (t *txn) policiesChanged(tenantID string, err error) error {
	if err == nil {
		t.changed(cache.Event{Kind: cache.Policies, TenantID: tenantID})
	}
	return err
}

// CreateGroup implements store.Tx.
func (t *txn) CreateGroup(ctx context.Context, g store.Group) error {
	return t.policiesChanged(g.TenantID, t.Writes.CreateGroup(ctx, g))
}

// UpdateGroup implements store.Tx.
func (t *txn) UpdateGroup(ctx context.Context, g store.Group) error {
	return t.policiesChanged(g.TenantID, t.Writes.UpdateGroup(ctx, g))
}

// DeleteGroup implements store.Tx.
func (t *txn) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return t.policiesChanged(tenantID, t.Writes.DeleteGroup(ctx, tenantID, id))
}

// AddGroupMember implements store.Tx.
func (t *txn) AddGroupMember(ctx context.Context, m store.GroupMember) error {
	return t.policiesChanged(m.TenantID, t.Writes.AddGroupMember(ctx, m))
}

// RemoveGroupMember implements store.Tx.
func (t *txn) RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	return t.policiesChanged(tenantID, t.Writes.RemoveGroupMember(ctx, tenantID, groupID, memberID))
}

// CreatePolicy implements store.Tx.
func (t *txn) CreatePolicy(ctx context.Context, p store.Policy) error {
	return t.policiesChanged(p.TenantID, t.Writes.CreatePolicy(ctx, p))
}

// UpdatePolicy implements store.Tx.
func (t *txn) UpdatePolicy(ctx context.Context, p store.Policy) error {
	return t.policiesChanged(p.TenantID, t.Writes.UpdatePolicy(ctx, p))
}

// DeletePolicy implements store.Tx.
func (t *txn) DeletePolicy(ctx context.Context, tenantID, id string) error {
	return t.policiesChanged(tenantID, t.Writes.DeletePolicy(ctx, tenantID, id))
}

// Assign implements store.Tx.
func (t *txn) Assign(ctx context.Context, a store.Assignment) error {
	return t.policiesChanged(a.TenantID, t.Writes.Assign(ctx, a))
}

// Unassign implements store.Tx.
func (t *txn) Unassign(ctx context.Context, a store.Assignment) error {
	return t.policiesChanged(a.TenantID, t.Writes.Unassign(ctx, a))
}

// CreateExecution implements store.Tx.
func (t *txn) CreateExecution(ctx context.Context, e store.Execution) error {
	return t.policiesChanged(e.TenantID, t.Writes.CreateExecution(ctx, e))
}

// LiftExecution implements store.Tx; only a lift announces.
func (t *txn) LiftExecution(ctx context.Context, tenantID, id, by string, at time.Time) (bool, error) {
	lifted, err := t.Writes.LiftExecution(ctx, tenantID, id, by, at)
	if lifted {
		t.changed(cache.Event{Kind: cache.Policies, TenantID: tenantID})
	}
	return lifted, err
}
