package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Groups, policies, assignments and alert executions change at the rate
// of administrators, and are read whole per tenant, so they are plain
// queries. Every query names the tenant.

// Group implements store.Reader.
func (r reads) Group(ctx context.Context, tenantID, id string) (store.Group, error) {
	return one(ctx, r.querier(), "get group", dialect.ScanGroup,
		`SELECT `+sqlrow.GroupCols+` FROM member_groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// GroupByName implements store.Reader.
func (r reads) GroupByName(ctx context.Context, tenantID, name string) (store.Group, error) {
	return one(ctx, r.querier(), "get group by name", dialect.ScanGroup,
		`SELECT `+sqlrow.GroupCols+` FROM member_groups WHERE tenant_id = ? AND name = ?`, tenantID, name)
}

// Groups implements store.Reader.
func (r reads) Groups(ctx context.Context, tenantID string) ([]store.Group, error) {
	return list(ctx, r.querier(), "list groups", dialect.ScanGroup,
		`SELECT `+sqlrow.GroupCols+` FROM member_groups WHERE tenant_id = ? ORDER BY name`, tenantID)
}

// GroupMembers implements store.Reader.
func (r reads) GroupMembers(ctx context.Context, tenantID string) ([]store.GroupMember, error) {
	return list(ctx, r.querier(), "list group members", dialect.ScanGroupMember,
		`SELECT `+sqlrow.GroupMemberCols+` FROM group_members WHERE tenant_id = ? ORDER BY group_id, member_id`, tenantID)
}

// Policy implements store.Reader.
func (r reads) Policy(ctx context.Context, tenantID, id string) (store.Policy, error) {
	return one(ctx, r.querier(), "get policy", dialect.ScanPolicy,
		`SELECT `+sqlrow.PolicyCols+` FROM policies WHERE tenant_id = ? AND id = ?`, tenantID, id)
}

// Policies implements store.Reader.
func (r reads) Policies(ctx context.Context, tenantID string) ([]store.Policy, error) {
	return list(ctx, r.querier(), "list policies", dialect.ScanPolicy,
		`SELECT `+sqlrow.PolicyCols+` FROM policies WHERE tenant_id = ? ORDER BY name`, tenantID)
}

// Assignments implements store.Reader.
func (r reads) Assignments(ctx context.Context, tenantID string) ([]store.Assignment, error) {
	return list(ctx, r.querier(), "list assignments", dialect.ScanAssignment,
		`SELECT `+sqlrow.AssignmentCols+` FROM policy_assignments WHERE tenant_id = ? ORDER BY policy_id, created_at,
		 coalesce(app_id, ''), coalesce(group_id, ''), coalesce(member_id, '')`, tenantID)
}

// Executions implements store.Reader.
func (r reads) Executions(ctx context.Context, tenantID string, since time.Time) ([]store.Execution, error) {
	const op = "list executions"
	n, err := valid.Now(since)
	if err != nil {
		return nil, wrap(op, err)
	}
	return list(ctx, r.querier(), op, dialect.ScanExecution,
		`SELECT `+sqlrow.ExecutionCols+` FROM policy_executions WHERE tenant_id = ?
		 AND (until = 0 OR until > ?) AND (lifted_at = 0 OR lifted_at > ?) ORDER BY at, id`, tenantID, n, n)
}

// CreateGroup implements store.Tx.
func (t *txn) CreateGroup(ctx context.Context, g store.Group) error {
	return dialect.Put(ctx, rowDB{t.tx}, "create group", valid.Group(g), valid.Conflict("member_groups", []string{"name"}),
		`INSERT INTO member_groups (`+sqlrow.GroupCols+`) VALUES (?, ?, ?, ?, ?)`,
		g.ID, g.TenantID, g.Name, g.Description, valid.Nanos(g.CreatedAt))
}

// UpdateGroup implements store.Tx with sqlrow's statement.
func (t *txn) UpdateGroup(ctx context.Context, g store.Group) error {
	return dialect.Change(ctx, rowDB{t.tx}, "update group", valid.Group(g),
		dialect.UpdateGroup(),
		g.Name, g.Description, g.TenantID, g.ID)
}

// DeleteGroup implements store.Tx; memberships and assignments go with it
// (ON DELETE CASCADE).
func (t *txn) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return dialect.Change(ctx, rowDB{t.tx}, "delete group", nil,
		`DELETE FROM member_groups WHERE tenant_id = ? AND id = ?`,
		tenantID, id)
}

// AddGroupMember implements store.Tx.
func (t *txn) AddGroupMember(ctx context.Context, m store.GroupMember) error {
	return dialect.Put(ctx, rowDB{t.tx}, "add group member", valid.GroupMember(m), valid.Conflict("group_members", []string{"member_id"}),
		`INSERT INTO group_members (`+sqlrow.GroupMemberCols+`) VALUES (?, ?, ?, ?)`,
		m.GroupID, m.MemberID, m.TenantID, valid.Nanos(m.CreatedAt))
}

// RemoveGroupMember implements store.Tx.
func (t *txn) RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	return dialect.Change(ctx, rowDB{t.tx}, "remove group member", nil,
		`DELETE FROM group_members WHERE tenant_id = ? AND group_id = ? AND member_id = ?`,
		tenantID, groupID, memberID)
}

// CreatePolicy implements store.Tx.
func (t *txn) CreatePolicy(ctx context.Context, p store.Policy) error {
	return dialect.Put(ctx, rowDB{t.tx}, "create policy", valid.Policy(p, true), valid.Conflict("policies", []string{"name"}),
		`INSERT INTO policies (`+sqlrow.PolicyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.TenantID, p.Name, p.Enabled, string(p.Document), valid.Nanos(p.CreatedAt), valid.Nanos(p.UpdatedAt))
}

// UpdatePolicy implements store.Tx.
func (t *txn) UpdatePolicy(ctx context.Context, p store.Policy) error {
	return dialect.Change(ctx, rowDB{t.tx}, "update policy", valid.Policy(p, false),
		`UPDATE policies SET name = ?, enabled = ?, document = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`,
		p.Name, p.Enabled, string(p.Document), valid.Nanos(p.UpdatedAt), p.TenantID, p.ID)
}

// DeletePolicy implements store.Tx; assignments and executions go with it
// (ON DELETE CASCADE).
func (t *txn) DeletePolicy(ctx context.Context, tenantID, id string) error {
	return dialect.Change(ctx, rowDB{t.tx}, "delete policy", nil,
		`DELETE FROM policies WHERE tenant_id = ? AND id = ?`,
		tenantID, id)
}

// Assign implements store.Tx.
func (t *txn) Assign(ctx context.Context, a store.Assignment) error {
	return dialect.Put(ctx, rowDB{t.tx}, "assign policy", valid.Assignment(a), valid.Conflict("policy_assignments", []string{sqlrow.AssignmentTarget(a)}),
		`INSERT INTO policy_assignments (policy_id, tenant_id, app_id, group_id, member_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		a.PolicyID, a.TenantID, nullable(a.AppID), nullable(a.GroupID), nullable(a.MemberID), valid.Nanos(a.CreatedAt))
}

// Unassign implements store.Tx.
func (t *txn) Unassign(ctx context.Context, a store.Assignment) error {
	return dialect.Change(ctx, rowDB{t.tx}, "unassign policy", valid.Assignment(a),
		`DELETE FROM policy_assignments WHERE tenant_id = ? AND policy_id = ?
		AND coalesce(app_id, '') = ? AND coalesce(group_id, '') = ? AND coalesce(member_id, '') = ?`,
		a.TenantID, a.PolicyID, a.AppID, a.GroupID, a.MemberID)
}

// CreateExecution implements store.Tx.
func (t *txn) CreateExecution(ctx context.Context, e store.Execution) error {
	return dialect.Put(ctx, rowDB{t.tx}, "create execution", valid.Execution(e), valid.Conflict("policy_executions", nil),
		`INSERT INTO policy_executions (`+sqlrow.ExecutionCols+`) VALUES (?, ?, ?, ?, ?, 0, ?, ?, '')`,
		e.ID, e.TenantID, e.PolicyID, valid.Nanos(e.At), valid.Nanos(e.Until), e.ExecutedBy, e.Reason)
}

// LiftExecution implements store.Tx with one conditional UPDATE.
func (t *txn) LiftExecution(ctx context.Context, tenantID, id, by string, at time.Time) (bool, error) {
	const op = "lift execution"
	n, err := valid.Stamp("execution id", id, "lifted at", at)
	if err != nil {
		return false, wrap(op, err)
	}
	changed, err := t.exec(ctx, op, `UPDATE policy_executions SET lifted_at = ?, lifted_by = ?
		WHERE tenant_id = ? AND id = ? AND lifted_at = 0 AND (until = 0 OR until > ?)`, n, by, tenantID, id, n)
	if err != nil || changed == 1 {
		return changed == 1, err
	}
	_, err = one(ctx, t.tx, op, dialect.ScanExecution,
		`SELECT `+sqlrow.ExecutionCols+` FROM policy_executions WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return false, err
}
