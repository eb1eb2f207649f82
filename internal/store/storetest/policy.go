package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func newGroup(tenantID, name string) store.Group {
	return store.Group{ID: newID("group"), TenantID: tenantID, Name: name, Description: "the " + name + " team", CreatedAt: t0}
}

func newPolicy(tenantID, name string) store.Policy {
	return store.Policy{ID: newID("policy"), TenantID: tenantID, Name: name, Enabled: true,
		Document:  json.RawMessage(`{"type":"scheduled","action":"unlock","schedule":{"zone":"Europe/Lisbon","every":"weekdays","from":"09:00","to":"17:00","start":"2026-12-01"}}`),
		CreatedAt: t0, UpdatedAt: t0}
}

// testGroups: groups and memberships are scoped by tenant, names are
// unique per tenant, and deleting a group or a member takes the
// memberships with it.
func testGroups(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	finance, ops := newGroup(w.tenant.ID, "finance"), newGroup(w.tenant.ID, "ops")
	bob := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateGroup", tx.CreateGroup(t.Context(), ops))
		must(t, "CreateGroup", tx.CreateGroup(t.Context(), finance))
		must(t, "CreateMember", tx.CreateMember(t.Context(), bob))
		must(t, "AddGroupMember", tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: w.member.ID, TenantID: w.tenant.ID, CreatedAt: t0}))
		return tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: bob.ID, TenantID: w.tenant.ID, CreatedAt: at(time.Second)})
	})
	gives(t, "Group", finance)(s.Group(t.Context(), w.tenant.ID, finance.ID))
	gives(t, "GroupByName", ops)(s.GroupByName(t.Context(), w.tenant.ID, "ops"))
	gives(t, "Groups", []store.Group{finance, ops})(s.Groups(t.Context(), w.tenant.ID))

	// Another tenant sees none of it.
	_, err := s.Group(t.Context(), other.tenant.ID, finance.ID)
	wantKind(t, "Group of another tenant", err, store.ErrNotFound)
	_, err = s.GroupByName(t.Context(), other.tenant.ID, "finance")
	wantKind(t, "GroupByName of another tenant", err, store.ErrNotFound)
	empty(t, "Groups of another tenant")(s.Groups(t.Context(), other.tenant.ID))
	empty(t, "GroupMembers of another tenant")(s.GroupMembers(t.Context(), other.tenant.ID))

	members, err := s.GroupMembers(t.Context(), w.tenant.ID)
	must(t, "GroupMembers", err)
	if len(members) != 2 || members[0].GroupID != finance.ID || members[1].GroupID != finance.ID {
		t.Fatalf("GroupMembers = %+v", members)
	}

	runErrorCases(t, s, []errorCase{
		{"same name", func(tx store.Tx) error { return tx.CreateGroup(t.Context(), newGroup(w.tenant.ID, "finance")) }, store.ErrConflict},
		{"no name", func(tx store.Tx) error { return tx.CreateGroup(t.Context(), newGroup(w.tenant.ID, "")) }, store.ErrInvalid},
		{"member twice", func(tx store.Tx) error {
			return tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: bob.ID, TenantID: w.tenant.ID, CreatedAt: t0})
		}, store.ErrConflict},
		{"member of another tenant", func(tx store.Tx) error {
			return tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: other.member.ID, TenantID: w.tenant.ID, CreatedAt: t0})
		}, store.ErrInvalid},
		{"group of another tenant", func(tx store.Tx) error {
			return tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: other.member.ID, TenantID: other.tenant.ID, CreatedAt: t0})
		}, store.ErrInvalid},
		{"remove non-member", func(tx store.Tx) error {
			return tx.RemoveGroupMember(t.Context(), w.tenant.ID, ops.ID, bob.ID)
		}, store.ErrNotFound},
		{"remove through another tenant", func(tx store.Tx) error {
			return tx.RemoveGroupMember(t.Context(), other.tenant.ID, finance.ID, bob.ID)
		}, store.ErrNotFound},
		{"delete through another tenant", func(tx store.Tx) error { return tx.DeleteGroup(t.Context(), other.tenant.ID, finance.ID) }, store.ErrNotFound},
	})
	// The same name in another tenant is fine.
	update(t, s, func(tx store.Tx) error { return tx.CreateGroup(t.Context(), newGroup(other.tenant.ID, "finance")) })

	update(t, s, func(tx store.Tx) error {
		return tx.RemoveGroupMember(t.Context(), w.tenant.ID, finance.ID, w.member.ID)
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteMember(t.Context(), bob.ID) })
	empty(t, "GroupMembers after removing both")(s.GroupMembers(t.Context(), w.tenant.ID))
	update(t, s, func(tx store.Tx) error {
		must(t, "AddGroupMember", tx.AddGroupMember(t.Context(), store.GroupMember{GroupID: finance.ID, MemberID: w.member.ID, TenantID: w.tenant.ID, CreatedAt: t0}))
		return tx.DeleteGroup(t.Context(), w.tenant.ID, finance.ID)
	})
	_, err = s.Group(t.Context(), w.tenant.ID, finance.ID)
	wantKind(t, "deleted group", err, store.ErrNotFound)
	empty(t, "GroupMembers after DeleteGroup")(s.GroupMembers(t.Context(), w.tenant.ID))
}

// testPolicies: policies keep their document as given, are scoped by
// tenant, and take their assignments and executions with them.
func testPolicies(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	hours, freeze := newPolicy(w.tenant.ID, "office hours"), newPolicy(w.tenant.ID, "freeze")
	freeze.Enabled = false
	finance := newGroup(w.tenant.ID, "finance")
	update(t, s, func(tx store.Tx) error {
		must(t, "CreateGroup", tx.CreateGroup(t.Context(), finance))
		must(t, "CreatePolicy", tx.CreatePolicy(t.Context(), hours))
		return tx.CreatePolicy(t.Context(), freeze)
	})
	gives(t, "Policy", hours)(s.Policy(t.Context(), w.tenant.ID, hours.ID))
	gives(t, "Policies", []store.Policy{freeze, hours})(s.Policies(t.Context(), w.tenant.ID))
	_, err := s.Policy(t.Context(), other.tenant.ID, hours.ID)
	wantKind(t, "Policy of another tenant", err, store.ErrNotFound)
	empty(t, "Policies of another tenant")(s.Policies(t.Context(), other.tenant.ID))

	changed := hours
	changed.Name, changed.Enabled, changed.UpdatedAt = "business hours", false, at(time.Hour)
	changed.Document = json.RawMessage(`{"type":"context","action":"lock","context":{"allow_cidrs":["10.0.0.0/8"]}}`)
	update(t, s, func(tx store.Tx) error { return tx.UpdatePolicy(t.Context(), changed) })
	gives(t, "Policy after update", changed)(s.Policy(t.Context(), w.tenant.ID, hours.ID))

	byApp := store.Assignment{PolicyID: hours.ID, TenantID: w.tenant.ID, AppID: w.app.ID, CreatedAt: t0}
	byGroup := store.Assignment{PolicyID: hours.ID, TenantID: w.tenant.ID, GroupID: finance.ID, CreatedAt: at(time.Second)}
	byMember := store.Assignment{PolicyID: hours.ID, TenantID: w.tenant.ID, MemberID: w.member.ID, CreatedAt: at(2 * time.Second)}
	update(t, s, func(tx store.Tx) error {
		for _, a := range []store.Assignment{byApp, byGroup, byMember} {
			must(t, "Assign", tx.Assign(t.Context(), a))
		}
		return nil
	})
	as, err := s.Assignments(t.Context(), w.tenant.ID)
	must(t, "Assignments", err)
	same(t, "Assignments", as, []store.Assignment{byApp, byGroup, byMember})
	empty(t, "Assignments of another tenant")(s.Assignments(t.Context(), other.tenant.ID))

	doc := newPolicy(w.tenant.ID, "other")
	doc.Document = json.RawMessage(`[1]`)
	runErrorCases(t, s, []errorCase{
		{"same name", func(tx store.Tx) error { return tx.CreatePolicy(t.Context(), newPolicy(w.tenant.ID, "freeze")) }, store.ErrConflict},
		{"not a JSON object", func(tx store.Tx) error { return tx.CreatePolicy(t.Context(), doc) }, store.ErrInvalid},
		{"update through another tenant", func(tx store.Tx) error {
			c := changed
			c.TenantID = other.tenant.ID
			return tx.UpdatePolicy(t.Context(), c)
		}, store.ErrNotFound},
		{"rename onto another", func(tx store.Tx) error {
			c := changed
			c.Name = "freeze"
			return tx.UpdatePolicy(t.Context(), c)
		}, store.ErrConflict},
		{"assign twice", func(tx store.Tx) error { return tx.Assign(t.Context(), byGroup) }, store.ErrConflict},
		{"assign to two targets", func(tx store.Tx) error {
			a := byApp
			a.MemberID = w.member.ID
			return tx.Assign(t.Context(), a)
		}, store.ErrInvalid},
		{"assign another tenant's app", func(tx store.Tx) error {
			return tx.Assign(t.Context(), store.Assignment{PolicyID: freeze.ID, TenantID: w.tenant.ID, AppID: other.app.ID, CreatedAt: t0})
		}, store.ErrInvalid},
		{"assign another tenant's policy", func(tx store.Tx) error {
			return tx.Assign(t.Context(), store.Assignment{PolicyID: freeze.ID, TenantID: other.tenant.ID, AppID: other.app.ID, CreatedAt: t0})
		}, store.ErrInvalid},
		{"unassign what is not", func(tx store.Tx) error {
			return tx.Unassign(t.Context(), store.Assignment{PolicyID: freeze.ID, TenantID: w.tenant.ID, AppID: w.app.ID})
		}, store.ErrNotFound},
		{"delete through another tenant", func(tx store.Tx) error { return tx.DeletePolicy(t.Context(), other.tenant.ID, hours.ID) }, store.ErrNotFound},
	})

	update(t, s, func(tx store.Tx) error { return tx.Unassign(t.Context(), byApp) })
	// Deleting the group takes its assignment with it.
	update(t, s, func(tx store.Tx) error { return tx.DeleteGroup(t.Context(), w.tenant.ID, finance.ID) })
	as, err = s.Assignments(t.Context(), w.tenant.ID)
	must(t, "Assignments after unassign", err)
	same(t, "Assignments after unassign", as, []store.Assignment{byMember})

	update(t, s, func(tx store.Tx) error { return tx.DeletePolicy(t.Context(), w.tenant.ID, hours.ID) })
	_, err = s.Policy(t.Context(), w.tenant.ID, hours.ID)
	wantKind(t, "deleted policy", err, store.ErrNotFound)
	empty(t, "Assignments after DeletePolicy")(s.Assignments(t.Context(), w.tenant.ID))
}

// testExecutions: executions are listed while in force, lifted once, and
// scoped by tenant.
func testExecutions(t *testing.T, s store.Store) {
	w, other := newWorld(t, s), newWorld(t, s)
	alert := newPolicy(w.tenant.ID, "incident")
	alert.Document = json.RawMessage(`{"type":"alert","action":"lock","alert":{"on":["execute"],"for":86400000000000}}`)
	day := store.Execution{ID: newID("exec"), TenantID: w.tenant.ID, PolicyID: alert.ID, At: t0, Until: at(24 * time.Hour), ExecutedBy: "siem", Reason: "incident 42"}
	open := store.Execution{ID: newID("exec"), TenantID: w.tenant.ID, PolicyID: alert.ID, At: at(time.Hour), ExecutedBy: "operator"}
	update(t, s, func(tx store.Tx) error {
		must(t, "CreatePolicy", tx.CreatePolicy(t.Context(), alert))
		must(t, "CreateExecution", tx.CreateExecution(t.Context(), day))
		return tx.CreateExecution(t.Context(), open)
	})
	list := func(since time.Time) []store.Execution {
		t.Helper()
		es, err := s.Executions(t.Context(), w.tenant.ID, since)
		must(t, "Executions", err)
		return es
	}
	same(t, "Executions at t0", list(t0), []store.Execution{day, open})
	same(t, "Executions after the day", list(at(25*time.Hour)), []store.Execution{open})
	empty(t, "Executions of another tenant")(s.Executions(t.Context(), other.tenant.ID, t0))

	lift := func(tenantID, id string, when time.Time) (bool, error) {
		return tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) {
			return tx.LiftExecution(t.Context(), tenantID, id, "operator", when)
		})
	}
	_, err := lift(other.tenant.ID, open.ID, at(2*time.Hour))
	wantKind(t, "lift through another tenant", err, store.ErrNotFound)
	if ok, err := lift(w.tenant.ID, day.ID, at(25*time.Hour)); err != nil || ok {
		t.Fatalf("lift of an ended execution = %v, %v; want false", ok, err)
	}
	n := race(t, "LiftExecution", 4, func(int) (bool, error) { return lift(w.tenant.ID, open.ID, at(2*time.Hour)) })
	if n != 1 {
		t.Fatalf("%d concurrent lifts succeeded, want 1", n)
	}
	lifted := open
	lifted.LiftedAt, lifted.LiftedBy = at(2*time.Hour), "operator"
	same(t, "Executions at t0 after lifting", list(t0), []store.Execution{day, lifted})
	same(t, "Executions after the lift", list(at(3*time.Hour)), []store.Execution{day})

	runErrorCases(t, s, []errorCase{
		{"policy of another tenant", func(tx store.Tx) error {
			e := day
			e.ID, e.TenantID = newID("exec"), other.tenant.ID
			return tx.CreateExecution(t.Context(), e)
		}, store.ErrInvalid},
		{"ends before it starts", func(tx store.Tx) error {
			e := day
			e.ID, e.Until = newID("exec"), t0
			return tx.CreateExecution(t.Context(), e)
		}, store.ErrInvalid},
	})
	update(t, s, func(tx store.Tx) error { return tx.DeletePolicy(t.Context(), w.tenant.ID, alert.ID) })
	same(t, "Executions after DeletePolicy", list(t0), []store.Execution{})
}
