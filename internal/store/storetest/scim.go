package storetest

import (
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// testExternalIDs: a member's and a group's SCIM externalIds are kept per
// tenant and kind, replaced, removed, and go with their member or group;
// an ID of another tenant, an unknown kind and an overlong externalId are
// refused.
func testExternalIDs(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	w2 := newWorld(t, s) // another tenant
	g := newGroup(w.tenant.ID, "okta-"+newID(""))
	bob := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	update(t, s, func(tx store.Tx) error {
		if err := tx.CreateGroup(ctx, g); err != nil {
			return err
		}
		return tx.CreateMember(ctx, bob)
	})
	read := func(tenantID, kind string) map[string]string {
		t.Helper()
		got, err := s.ExternalIDs(ctx, tenantID, kind)
		must(t, "ExternalIDs", err)
		return got
	}
	put := func(x store.ExternalID) {
		t.Helper()
		update(t, s, func(tx store.Tx) error { return tx.PutExternalID(ctx, x) })
	}
	same(t, "before any", read(w.tenant.ID, store.ExternalMember), map[string]string{})

	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: w.member.ID, ExternalID: "e-1"})
	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: bob.ID, ExternalID: "e-1"}) // shared: allowed
	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalGroup, ID: g.ID, ExternalID: "g-1"})
	put(store.ExternalID{TenantID: w2.tenant.ID, Kind: store.ExternalMember, ID: w2.member.ID, ExternalID: "other"})
	same(t, "members", read(w.tenant.ID, store.ExternalMember), map[string]string{w.member.ID: "e-1", bob.ID: "e-1"})
	same(t, "groups", read(w.tenant.ID, store.ExternalGroup), map[string]string{g.ID: "g-1"})
	same(t, "other tenant's members", read(w2.tenant.ID, store.ExternalMember), map[string]string{w2.member.ID: "other"})
	same(t, "other tenant's groups", read(w2.tenant.ID, store.ExternalGroup), map[string]string{})

	// Replacing, then removing (twice: the second changes nothing).
	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: bob.ID, ExternalID: "e-2"})
	same(t, "replaced", read(w.tenant.ID, store.ExternalMember), map[string]string{w.member.ID: "e-1", bob.ID: "e-2"})
	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: bob.ID})
	put(store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: bob.ID})
	same(t, "removed", read(w.tenant.ID, store.ExternalMember), map[string]string{w.member.ID: "e-1"})

	runErrorCases(t, s, []errorCase{
		{"member of another tenant", func(tx store.Tx) error {
			return tx.PutExternalID(ctx, store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: w2.member.ID, ExternalID: "x"})
		}, store.ErrInvalid},
		{"no such group", func(tx store.Tx) error {
			return tx.PutExternalID(ctx, store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalGroup, ID: "nope", ExternalID: "x"})
		}, store.ErrInvalid},
		{"unknown kind", func(tx store.Tx) error {
			return tx.PutExternalID(ctx, store.ExternalID{TenantID: w.tenant.ID, Kind: "account", ID: w.member.ID, ExternalID: "x"})
		}, store.ErrInvalid},
		{"too long", func(tx store.Tx) error {
			return tx.PutExternalID(ctx, store.ExternalID{TenantID: w.tenant.ID, Kind: store.ExternalMember, ID: w.member.ID,
				ExternalID: strings.Repeat("x", valid.MaxExternalID+1)})
		}, store.ErrInvalid},
	})
	if _, err := s.ExternalIDs(ctx, w.tenant.ID, "account"); err == nil {
		t.Error("ExternalIDs of an unknown kind: no error")
	}
	same(t, "after the refusals", read(w.tenant.ID, store.ExternalMember), map[string]string{w.member.ID: "e-1"})

	// Deleting the member or group deletes its externalId.
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteGroup(ctx, w.tenant.ID, g.ID); err != nil {
			return err
		}
		return tx.DeleteMember(ctx, w.member.ID)
	})
	same(t, "after deleting the member", read(w.tenant.ID, store.ExternalMember), map[string]string{})
	same(t, "after deleting the group", read(w.tenant.ID, store.ExternalGroup), map[string]string{})
}

// testUpdateGroup: a group is renamed (its members stay), a name another
// group of the tenant has is refused, and a group of another tenant is
// not found.
func testUpdateGroup(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	w2 := newWorld(t, s)
	a, b := newGroup(w.tenant.ID, "a-"+newID("")), newGroup(w.tenant.ID, "b-"+newID(""))
	update(t, s, func(tx store.Tx) error {
		for _, g := range []store.Group{a, b} {
			if err := tx.CreateGroup(ctx, g); err != nil {
				return err
			}
		}
		return tx.AddGroupMember(ctx, store.GroupMember{GroupID: a.ID, MemberID: w.member.ID, TenantID: w.tenant.ID, CreatedAt: t0})
	})
	renamed := a
	renamed.Name, renamed.Description = "renamed "+newID(""), "new description"
	update(t, s, func(tx store.Tx) error { return tx.UpdateGroup(ctx, renamed) })
	gives(t, "renamed group", renamed)(s.Group(ctx, w.tenant.ID, a.ID))
	gives(t, "by its new name", renamed)(s.GroupByName(ctx, w.tenant.ID, renamed.Name))
	ms, err := s.GroupMembers(ctx, w.tenant.ID)
	must(t, "GroupMembers", err)
	if len(ms) != 1 || ms[0].GroupID != a.ID {
		t.Errorf("memberships after renaming: %+v", ms)
	}

	taken := renamed
	taken.Name = b.Name
	elsewhere := b
	elsewhere.TenantID, elsewhere.Name = w2.tenant.ID, "moved"
	runErrorCases(t, s, []errorCase{
		{"another group's name", func(tx store.Tx) error { return tx.UpdateGroup(ctx, taken) }, store.ErrConflict},
		{"group of another tenant", func(tx store.Tx) error { return tx.UpdateGroup(ctx, elsewhere) }, store.ErrNotFound},
		{"no name", func(tx store.Tx) error { g := renamed; g.Name = ""; return tx.UpdateGroup(ctx, g) }, store.ErrInvalid},
	})
	got, _ := s.Group(ctx, w.tenant.ID, b.ID)
	same(t, "the other group after the refusals", got, b)
}
