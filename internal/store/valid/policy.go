package valid

import (
	"encoding/json"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Group checks a group for CreateGroup.
func Group(g store.Group) error {
	var r Rules
	r.Need("group id", g.ID, "tenant id", g.TenantID, "group name", g.Name)
	r.Time("created at", g.CreatedAt, true)
	return r.Err()
}

// GroupMember checks a membership for AddGroupMember.
func GroupMember(m store.GroupMember) error {
	var r Rules
	r.Need("group id", m.GroupID, "member id", m.MemberID, "tenant id", m.TenantID)
	r.Time("created at", m.CreatedAt, true)
	return r.Err()
}

// Policy checks a policy for CreatePolicy, and for UpdatePolicy when not
// creating (CreatedAt is not written then). The document must be a JSON
// object; what it says is package policy's to check.
func Policy(p store.Policy, creating bool) error {
	var r Rules
	r.Need("policy id", p.ID, "tenant id", p.TenantID, "policy name", p.Name)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(p.Document, &doc); err != nil || doc == nil {
		r.Fail("policy document is not a JSON object")
	}
	r.Time("created at", p.CreatedAt, creating)
	r.Time("updated at", p.UpdatedAt, !creating)
	return r.Err()
}

// Assignment checks an assignment for Assign and Unassign: a policy, its
// tenant, and exactly one target.
func Assignment(a store.Assignment) error {
	var r Rules
	r.Need("policy id", a.PolicyID, "tenant id", a.TenantID)
	n := 0
	for _, id := range []string{a.AppID, a.GroupID, a.MemberID} {
		if id != "" {
			n++
		}
	}
	if n != 1 {
		r.Fail("an assignment names exactly one application, group or member, not %d", n)
	}
	r.Time("created at", a.CreatedAt, false)
	return r.Err()
}

// Execution checks an execution for CreateExecution.
func Execution(e store.Execution) error {
	var r Rules
	r.Need("execution id", e.ID, "tenant id", e.TenantID, "policy id", e.PolicyID, "executed by", e.ExecutedBy)
	r.Time("at", e.At, true)
	r.Time("until", e.Until, false)
	if !e.Until.IsZero() && !e.Until.After(e.At) {
		r.Fail("until is not after at")
	}
	if !e.LiftedAt.IsZero() {
		r.Fail("a new execution is not lifted")
	}
	return r.Err()
}
