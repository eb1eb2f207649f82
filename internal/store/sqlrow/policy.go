package sqlrow

import (
	"encoding/json"

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

// UpdateGroup is the statement of store.PolicyTx.UpdateGroup, the same in
// both databases but for its placeholders: name, description, tenant, id.
func (d *Dialect) UpdateGroup() string {
	p := d.Param
	return `UPDATE member_groups SET name = ` + p(1) + `, description = ` + p(2) + ` WHERE tenant_id = ` + p(3) + ` AND id = ` + p(4)
}
