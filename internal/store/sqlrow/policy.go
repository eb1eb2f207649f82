package sqlrow

import (
	"context"
	"encoding/json"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The columns of the groups and policies tables, in the order their scan
// functions read them and their INSERTs list them.
const (
	GroupCols       = `id, tenant_id, name, description, created_at`
	GroupMemberCols = `group_id, member_id, tenant_id, created_at`
	PolicyCols      = `id, tenant_id, name, enabled, document, created_at, updated_at`
	// AssignmentCols reads the two targets an assignment does not name,
	// NULL, as "".
	AssignmentCols = `policy_id, tenant_id, coalesce(app_id, ''), coalesce(group_id, ''), coalesce(member_id, ''), created_at`
	ExecutionCols  = `id, tenant_id, policy_id, at, until, lifted_at, executed_by, reason, lifted_by`
)

// ScanGroup reads GroupCols.
func (d *Dialect) ScanGroup(r Row) (g store.Group, err error) {
	var created int64
	err = r.Scan(&g.ID, &g.TenantID, &g.Name, &g.Description, &created)
	g.CreatedAt = valid.FromNanos(created)
	return g, err
}

// ScanGroupMember reads GroupMemberCols.
func (d *Dialect) ScanGroupMember(r Row) (m store.GroupMember, err error) {
	var created int64
	err = r.Scan(&m.GroupID, &m.MemberID, &m.TenantID, &created)
	m.CreatedAt = valid.FromNanos(created)
	return m, err
}

// ScanPolicy reads PolicyCols.
func (d *Dialect) ScanPolicy(r Row) (p store.Policy, err error) {
	var created, updated int64
	var doc string
	err = r.Scan(&p.ID, &p.TenantID, &p.Name, &p.Enabled, &doc, &created, &updated)
	p.Document = json.RawMessage(doc)
	p.CreatedAt, p.UpdatedAt = valid.FromNanos(created), valid.FromNanos(updated)
	return p, err
}

// ScanAssignment reads AssignmentCols.
func (d *Dialect) ScanAssignment(r Row) (a store.Assignment, err error) {
	var created int64
	err = r.Scan(&a.PolicyID, &a.TenantID, &a.AppID, &a.GroupID, &a.MemberID, &created)
	a.CreatedAt = valid.FromNanos(created)
	return a, err
}

// ScanExecution reads ExecutionCols.
func (d *Dialect) ScanExecution(r Row) (e store.Execution, err error) {
	var at, until, lifted int64
	err = r.Scan(&e.ID, &e.TenantID, &e.PolicyID, &at, &until, &lifted, &e.ExecutedBy, &e.Reason, &e.LiftedBy)
	e.At, e.Until, e.LiftedAt = valid.FromNanos(at), valid.FromNanos(until), valid.FromNanos(lifted)
	return e, err
}

// AssignmentTarget is the column of the target an assignment names:
// app_id, group_id or member_id.
func AssignmentTarget(a store.Assignment) string {
	switch {
	case a.AppID != "":
		return "app_id"
	case a.GroupID != "":
		return "group_id"
	default:
		return "member_id"
	}
}

// Groups, policies, assignments and alert executions change at the rate
// of administrators, and are read whole per tenant, so they are plain
// queries. Every query names the tenant, and every write that changes
// something tells Writes.PoliciesChanged.

// Group implements store.Reader.
func (r Reads) Group(ctx context.Context, tenantID, id string) (store.Group, error) {
	return One(ctx, r.D, r.Q, "get group", r.D.ScanGroup,
		`SELECT `+GroupCols+` FROM member_groups WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// GroupByName implements store.Reader.
func (r Reads) GroupByName(ctx context.Context, tenantID, name string) (store.Group, error) {
	return One(ctx, r.D, r.Q, "get group by name", r.D.ScanGroup,
		`SELECT `+GroupCols+` FROM member_groups WHERE tenant_id = $1 AND name = $2`, tenantID, name)
}

// Groups implements store.Reader.
func (r Reads) Groups(ctx context.Context, tenantID string) ([]store.Group, error) {
	return List(ctx, r.D, r.Q, "list groups", r.D.ScanGroup,
		`SELECT `+GroupCols+` FROM member_groups WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// GroupMembers implements store.Reader.
func (r Reads) GroupMembers(ctx context.Context, tenantID string) ([]store.GroupMember, error) {
	return List(ctx, r.D, r.Q, "list group members", r.D.ScanGroupMember,
		`SELECT `+GroupMemberCols+` FROM group_members WHERE tenant_id = $1 ORDER BY group_id, member_id`, tenantID)
}

// Policy implements store.Reader.
func (r Reads) Policy(ctx context.Context, tenantID, id string) (store.Policy, error) {
	return One(ctx, r.D, r.Q, "get policy", r.D.ScanPolicy,
		`SELECT `+PolicyCols+` FROM policies WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// Policies implements store.Reader.
func (r Reads) Policies(ctx context.Context, tenantID string) ([]store.Policy, error) {
	return List(ctx, r.D, r.Q, "list policies", r.D.ScanPolicy,
		`SELECT `+PolicyCols+` FROM policies WHERE tenant_id = $1 ORDER BY name`, tenantID)
}

// Assignments implements store.Reader.
func (r Reads) Assignments(ctx context.Context, tenantID string) ([]store.Assignment, error) {
	return List(ctx, r.D, r.Q, "list assignments", r.D.ScanAssignment,
		`SELECT `+AssignmentCols+` FROM policy_assignments WHERE tenant_id = $1 ORDER BY policy_id, created_at,
		 coalesce(app_id, ''), coalesce(group_id, ''), coalesce(member_id, '')`, tenantID)
}

// Executions implements store.Reader.
func (r Reads) Executions(ctx context.Context, tenantID string, since time.Time) ([]store.Execution, error) {
	const op = "list executions"
	n, err := valid.Now(since)
	if err != nil {
		return nil, r.D.Wrap(op, err)
	}
	return List(ctx, r.D, r.Q, op, r.D.ScanExecution,
		`SELECT `+ExecutionCols+` FROM policy_executions WHERE tenant_id = $1
		 AND (until = 0 OR until > $2) AND (lifted_at = 0 OR lifted_at > $2) ORDER BY at, id`, tenantID, n)
}

// policiesChanged tells PoliciesChanged, when err is nil and it is set,
// that the tenant's policies changed, and returns err.
func (w Writes) policiesChanged(tenantID string, err error) error {
	if err == nil && w.PoliciesChanged != nil {
		w.PoliciesChanged(tenantID)
	}
	return err
}

// CreateGroup implements store.Tx.
func (w Writes) CreateGroup(ctx context.Context, g store.Group) error {
	return w.policiesChanged(g.TenantID, w.D.Put(ctx, w.DB, "create group", valid.Group(g), valid.Conflict("member_groups", []string{"name"}),
		`INSERT INTO member_groups (`+GroupCols+`) VALUES ($1, $2, $3, $4, $5)`,
		g.ID, g.TenantID, g.Name, g.Description, valid.Nanos(g.CreatedAt)))
}

// UpdateGroup implements store.Tx.
func (w Writes) UpdateGroup(ctx context.Context, g store.Group) error {
	return w.policiesChanged(g.TenantID, w.D.Change(ctx, w.DB, "update group", valid.Group(g),
		`UPDATE member_groups SET name = $1, description = $2 WHERE tenant_id = $3 AND id = $4`,
		g.Name, g.Description, g.TenantID, g.ID))
}

// DeleteGroup implements store.Tx; memberships and assignments go with it
// (ON DELETE CASCADE).
func (w Writes) DeleteGroup(ctx context.Context, tenantID, id string) error {
	return w.policiesChanged(tenantID, w.D.Change(ctx, w.DB, "delete group", nil,
		`DELETE FROM member_groups WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
}

// AddGroupMember implements store.Tx.
func (w Writes) AddGroupMember(ctx context.Context, m store.GroupMember) error {
	return w.policiesChanged(m.TenantID, w.D.Put(ctx, w.DB, "add group member", valid.GroupMember(m), valid.Conflict("group_members", []string{"member_id"}),
		`INSERT INTO group_members (`+GroupMemberCols+`) VALUES ($1, $2, $3, $4)`,
		m.GroupID, m.MemberID, m.TenantID, valid.Nanos(m.CreatedAt)))
}

// RemoveGroupMember implements store.Tx.
func (w Writes) RemoveGroupMember(ctx context.Context, tenantID, groupID, memberID string) error {
	return w.policiesChanged(tenantID, w.D.Change(ctx, w.DB, "remove group member", nil,
		`DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND member_id = $3`,
		tenantID, groupID, memberID))
}

// CreatePolicy implements store.Tx.
func (w Writes) CreatePolicy(ctx context.Context, p store.Policy) error {
	return w.policiesChanged(p.TenantID, w.D.Put(ctx, w.DB, "create policy", valid.Policy(p, true), valid.Conflict("policies", []string{"name"}),
		`INSERT INTO policies (`+PolicyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		p.ID, p.TenantID, p.Name, p.Enabled, string(p.Document), valid.Nanos(p.CreatedAt), valid.Nanos(p.UpdatedAt)))
}

// UpdatePolicy implements store.Tx.
func (w Writes) UpdatePolicy(ctx context.Context, p store.Policy) error {
	return w.policiesChanged(p.TenantID, w.D.Change(ctx, w.DB, "update policy", valid.Policy(p, false),
		`UPDATE policies SET name = $1, enabled = $2, document = $3, updated_at = $4 WHERE tenant_id = $5 AND id = $6`,
		p.Name, p.Enabled, string(p.Document), valid.Nanos(p.UpdatedAt), p.TenantID, p.ID))
}

// DeletePolicy implements store.Tx; assignments and executions go with it
// (ON DELETE CASCADE).
func (w Writes) DeletePolicy(ctx context.Context, tenantID, id string) error {
	return w.policiesChanged(tenantID, w.D.Change(ctx, w.DB, "delete policy", nil,
		`DELETE FROM policies WHERE tenant_id = $1 AND id = $2`,
		tenantID, id))
}

// Assign implements store.Tx.
func (w Writes) Assign(ctx context.Context, a store.Assignment) error {
	return w.policiesChanged(a.TenantID, w.D.Put(ctx, w.DB, "assign policy", valid.Assignment(a), valid.Conflict("policy_assignments", []string{AssignmentTarget(a)}),
		`INSERT INTO policy_assignments (policy_id, tenant_id, app_id, group_id, member_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		a.PolicyID, a.TenantID, Nullable(a.AppID), Nullable(a.GroupID), Nullable(a.MemberID), valid.Nanos(a.CreatedAt)))
}

// Unassign implements store.Tx.
func (w Writes) Unassign(ctx context.Context, a store.Assignment) error {
	return w.policiesChanged(a.TenantID, w.D.Change(ctx, w.DB, "unassign policy", valid.Assignment(a),
		`DELETE FROM policy_assignments WHERE tenant_id = $1 AND policy_id = $2
		AND coalesce(app_id, '') = $3 AND coalesce(group_id, '') = $4 AND coalesce(member_id, '') = $5`,
		a.TenantID, a.PolicyID, a.AppID, a.GroupID, a.MemberID))
}

// CreateExecution implements store.Tx.
func (w Writes) CreateExecution(ctx context.Context, e store.Execution) error {
	return w.policiesChanged(e.TenantID, w.D.Put(ctx, w.DB, "create execution", valid.Execution(e), valid.Conflict("policy_executions", nil),
		`INSERT INTO policy_executions (`+ExecutionCols+`) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, '')`,
		e.ID, e.TenantID, e.PolicyID, valid.Nanos(e.At), valid.Nanos(e.Until), e.ExecutedBy, e.Reason))
}

// LiftExecution implements store.Tx with one conditional UPDATE; when it
// lifts nothing, a read tells a missing execution (store.ErrNotFound) from
// one lifted or ended already.
func (w Writes) LiftExecution(ctx context.Context, tenantID, id, by string, at time.Time) (bool, error) {
	const op = "lift execution"
	n, err := valid.Stamp("execution id", id, "lifted at", at)
	if err != nil {
		return false, w.D.Wrap(op, err)
	}
	changed, err := w.DB.Exec(ctx, op, `UPDATE policy_executions SET lifted_at = $1, lifted_by = $2
		WHERE tenant_id = $3 AND id = $4 AND lifted_at = 0 AND (until = 0 OR until > $1)`, n, by, tenantID, id)
	if err != nil || changed == 1 {
		return changed == 1, w.policiesChanged(tenantID, err)
	}
	_, err = One(ctx, w.D, w.DB, op, w.D.ScanExecution,
		`SELECT `+ExecutionCols+` FROM policy_executions WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	return false, err
}
