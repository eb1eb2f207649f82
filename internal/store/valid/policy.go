package valid

import "github.com/deadbolt-dev/deadbolt/internal/store"

// Group checks a group for CreateGroup.
func Group(g store.Group) error {
	var r Rules
	return r.Need("group id", g.ID, "tenant id", g.TenantID, "group name", g.Name).At("created at", g.CreatedAt, true).Err()
}

// GroupMember checks a membership for AddGroupMember.
func GroupMember(m store.GroupMember) error {
	var r Rules
	return r.Need("group id", m.GroupID, "member id", m.MemberID, "tenant id", m.TenantID).At("created at", m.CreatedAt, true).Err()
}

// Policy checks a policy for CreatePolicy, and for UpdatePolicy when not
// creating (CreatedAt is not written then). The document must be a JSON
// object; what it says is package policy's to check.
func Policy(p store.Policy, creating bool) error {
	var r Rules
	return r.Need("policy id", p.ID, "tenant id", p.TenantID, "policy name", p.Name).Object("policy document", p.Document).
		At("created at", p.CreatedAt, creating).At("updated at", p.UpdatedAt, !creating).Err()
}

// Assignment checks an assignment for Assign and Unassign: a policy, its
// tenant, and exactly one target.
func Assignment(a store.Assignment) error {
	var r Rules
	n := 0
	for _, id := range []string{a.AppID, a.GroupID, a.MemberID} {
		if id != "" {
			n++
		}
	}
	return r.Need("policy id", a.PolicyID, "tenant id", a.TenantID).
		Require(n == 1, "an assignment names exactly one application, group or member, not %d", n).
		At("created at", a.CreatedAt, false).Err()
}

// Execution checks an execution for CreateExecution.
func Execution(e store.Execution) error {
	var r Rules
	return r.Need("execution id", e.ID, "tenant id", e.TenantID, "policy id", e.PolicyID, "executed by", e.ExecutedBy).
		At("at", e.At, true).At("until", e.Until, false).
		Require(e.Until.IsZero() || e.Until.After(e.At), "until is not after at").
		Require(e.LiftedAt.IsZero(), "a new execution is not lifted").Err()
}
