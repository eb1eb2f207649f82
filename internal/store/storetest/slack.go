package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testSlackLinks: a member links one Slack user, a Slack user is one
// member's in a tenant but may be linked in another tenant, and a link is
// found only within its tenant.
func testSlackLinks(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newMember(w.tenant.ID, newID("bob")+"@example.com", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateMember(ctx, other) })
	w2 := newWorld(t, s) // another tenant

	if _, err := s.SlackLink(ctx, w.member.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SlackLink before linking: %v, want ErrNotFound", err)
	}
	a := store.SlackLink{MemberID: w.member.ID, TenantID: w.tenant.ID, TeamID: "T1", UserID: "U1", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.PutSlackLink(ctx, a) })
	gives(t, "SlackLink", a)(s.SlackLink(ctx, w.member.ID))
	got, err := s.SlackMember(ctx, w.tenant.ID, "T1", "U1")
	must(t, "SlackMember", err)
	same(t, "SlackMember", got, a)
	for _, c := range []struct{ tenant, team, user string }{{w2.tenant.ID, "T1", "U1"}, {w.tenant.ID, "T2", "U1"}, {w.tenant.ID, "T1", "U2"}} {
		if _, err := s.SlackMember(ctx, c.tenant, c.team, c.user); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SlackMember(%v): %v, want ErrNotFound", c, err)
		}
	}

	// Another member of the tenant cannot take the Slack user; a member
	// of another tenant may link it there.
	runErrorCases(t, s, []errorCase{
		{"another member's Slack user", func(tx store.Tx) error {
			return tx.PutSlackLink(ctx, store.SlackLink{MemberID: other.ID, TenantID: w.tenant.ID, TeamID: "T1", UserID: "U1", CreatedAt: t0})
		}, store.ErrConflict},
		{"no user", func(tx store.Tx) error {
			return tx.PutSlackLink(ctx, store.SlackLink{MemberID: other.ID, TenantID: w.tenant.ID, TeamID: "T1", CreatedAt: t0})
		}, store.ErrInvalid},
	})
	// A pending link is stored as pending; confirming it (the same link
	// with ConfirmedAt) is read back confirmed.
	if got.Confirmed() {
		t.Fatalf("a link stored without ConfirmedAt reads confirmed: %+v", got)
	}
	confirmed := a
	confirmed.ConfirmedAt = at(30 * time.Second)
	update(t, s, func(tx store.Tx) error { return tx.PutSlackLink(ctx, confirmed) })
	got, err = s.SlackMember(ctx, w.tenant.ID, "T1", "U1")
	must(t, "SlackMember after confirming", err)
	same(t, "confirmed link", got, confirmed)
	if !got.Confirmed() {
		t.Fatalf("a confirmed link reads pending: %+v", got)
	}

	b := store.SlackLink{MemberID: w2.member.ID, TenantID: w2.tenant.ID, TeamID: "T1", UserID: "U1", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.PutSlackLink(ctx, b) })

	// Linking again replaces the member's link.
	again := a
	again.UserID, again.CreatedAt = "U9", at(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.PutSlackLink(ctx, again) })
	got, _ = s.SlackLink(ctx, w.member.ID)
	same(t, "after linking again", got, again)
	if _, err := s.SlackMember(ctx, w.tenant.ID, "T1", "U1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the old Slack user still maps: %v", err)
	}

	var removed bool
	update(t, s, func(tx store.Tx) error {
		var err error
		removed, err = tx.DeleteSlackLink(ctx, w.member.ID)
		return err
	})
	if !removed {
		t.Fatal("DeleteSlackLink reported no link")
	}
	update(t, s, func(tx store.Tx) error {
		var err error
		removed, err = tx.DeleteSlackLink(ctx, w.member.ID)
		return err
	})
	if removed {
		t.Fatal("DeleteSlackLink twice reported a link")
	}
	// A member with a link can be deleted.
	update(t, s, func(tx store.Tx) error { return tx.PutSlackLink(ctx, a) })
	update(t, s, func(tx store.Tx) error { return tx.DeleteMember(ctx, w.member.ID) })
	if _, err := s.SlackLink(ctx, w.member.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SlackLink after deleting the member: %v", err)
	}
}
