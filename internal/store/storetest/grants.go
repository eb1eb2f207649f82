package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// consume runs ConsumeGrant in its own Update.
func consume(t *testing.T, s store.Store, grantID string, when time.Time) bool {
	t.Helper()
	return updateOK(t, s, func(tx store.Tx) (bool, error) { return tx.ConsumeGrant(t.Context(), grantID, when) })
}

func testPutGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	a := w.account(t, s, "alice", w.member.ID)
	b := w.account(t, s, "bob", "")

	_, err := s.CurrentGrant(ctx, a.ID)
	wantKind(t, "CurrentGrant of an account never unlocked", err, store.ErrNotFound)
	_, err = s.CurrentGrant(ctx, "no-such-account")
	wantKind(t, "CurrentGrant of an unknown account", err, store.ErrNotFound)

	first := newGrant(a, t0, at(time.Hour), true)
	put(t, s, first)
	same(t, "CurrentGrant", currentGrant(t, s, a.ID), first)

	// A new grant becomes current and revokes the old one at its creation:
	// the old once grant, though not expired, can no longer be consumed.
	second := newGrant(a, at(10*time.Minute), at(20*time.Minute+5), false)
	second.Reason, second.GrantedBy = "", "system"
	put(t, s, second)
	same(t, "CurrentGrant after a second grant", currentGrant(t, s, a.ID), second)
	if consume(t, s, first.ID, at(11*time.Minute)) {
		t.Error("a replaced once grant was consumed")
	}
	same(t, "CurrentGrant after consuming the replaced grant", currentGrant(t, s, a.ID), second)

	// A grant stored already spent or revoked is kept as given.
	third := newGrant(a, at(30*time.Minute), at(40*time.Minute), true)
	third.ConsumedAt, third.RevokedAt = at(31*time.Minute), at(32*time.Minute)
	put(t, s, third)
	same(t, "CurrentGrant after a third grant", currentGrant(t, s, a.ID), third)

	// Grants of different accounts are independent.
	other := newGrant(b, at(time.Minute), at(time.Hour), false)
	put(t, s, other)
	same(t, "CurrentGrant of the other account", currentGrant(t, s, b.ID), other)
	same(t, "CurrentGrant after the other account's grant", currentGrant(t, s, a.ID), third)

	otherTenant := newTenant("other", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateTenant(ctx, otherTenant) })
	putg := func(change func(g *store.Grant)) func(tx store.Tx) error {
		g := newGrant(b, at(time.Hour), at(2*time.Hour), false)
		change(&g)
		return func(tx store.Tx) error { return tx.PutGrant(ctx, g) }
	}
	runErrorCases(t, s, []errorCase{
		{"same ID", putg(func(g *store.Grant) { g.ID = first.ID }), store.ErrConflict},
		{"no ID", putg(func(g *store.Grant) { g.ID = "" }), store.ErrInvalid},
		{"no account", putg(func(g *store.Grant) { g.AccountID = "" }), store.ErrInvalid},
		{"unknown account", putg(func(g *store.Grant) { g.AccountID = "no-such-account" }), store.ErrInvalid},
		{"account of another tenant", putg(func(g *store.Grant) { g.TenantID = otherTenant.ID }), store.ErrInvalid},
		{"no tenant", putg(func(g *store.Grant) { g.TenantID = "" }), store.ErrInvalid},
		{"no until", putg(func(g *store.Grant) { g.Until = time.Time{} }), store.ErrInvalid},
		{"no granted by", putg(func(g *store.Grant) { g.GrantedBy = "" }), store.ErrInvalid},
		{"no created time", putg(func(g *store.Grant) { g.CreatedAt = time.Time{} }), store.ErrInvalid},
	})
	same(t, "CurrentGrant after failed puts", currentGrant(t, s, b.ID), other)
}

func testRevokeCurrentGrant(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	revoke := func(accountID string, when time.Time) bool {
		t.Helper()
		return updateOK(t, s, func(tx store.Tx) (bool, error) { return tx.RevokeCurrentGrant(ctx, accountID, when) })
	}

	usable := w.account(t, s, "usable", "")
	g := newGrant(usable, t0, at(time.Hour), false)
	put(t, s, g)
	if !revoke(usable.ID, at(time.Minute)) {
		t.Error("RevokeCurrentGrant of a usable grant reported false")
	}
	g.RevokedAt = at(time.Minute)
	same(t, "grant after revoking", currentGrant(t, s, usable.ID), g)
	if revoke(usable.ID, at(2*time.Minute)) {
		t.Error("RevokeCurrentGrant of a revoked grant reported true")
	}
	same(t, "grant after revoking twice", currentGrant(t, s, usable.ID), g)

	expired := w.account(t, s, "expired", "")
	g = newGrant(expired, t0, at(time.Minute), false)
	put(t, s, g)
	if revoke(expired.ID, at(time.Minute)) {
		t.Error("RevokeCurrentGrant of a grant expired at that very time reported true")
	}
	same(t, "expired grant after RevokeCurrentGrant", currentGrant(t, s, expired.ID), g)

	spent := w.account(t, s, "spent", "")
	g = newGrant(spent, t0, at(time.Hour), true)
	put(t, s, g)
	if !consume(t, s, g.ID, at(time.Second)) {
		t.Fatal("ConsumeGrant of a fresh once grant reported false")
	}
	g.ConsumedAt = at(time.Second)
	if revoke(spent.ID, at(time.Minute)) {
		t.Error("RevokeCurrentGrant of a consumed grant reported true")
	}
	same(t, "consumed grant after RevokeCurrentGrant", currentGrant(t, s, spent.ID), g)

	never := w.account(t, s, "never", "")
	if revoke(never.ID, t0) {
		t.Error("RevokeCurrentGrant of an account without grants reported true")
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeCurrentGrant(ctx, "no-such-account", t0)
		return err
	})
	wantKind(t, "RevokeCurrentGrant of an unknown account", err, store.ErrNotFound)
}

func testRevokeGrantsOfOwner(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	bob := newMember(w.tenant.ID, "bob@example.com", t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateMember(ctx, bob) })

	type acct struct {
		a     store.Account
		g     store.Grant
		fresh bool // usable at revocation time, and owned by w.member
	}
	var accts []*acct
	add := func(name, owner string, until time.Duration, fresh bool) *acct {
		a := w.account(t, s, name, owner)
		g := newGrant(a, t0, at(until), false)
		put(t, s, g)
		x := &acct{a, g, fresh}
		accts = append(accts, x)
		return x
	}
	add("one", w.member.ID, time.Hour, true)
	add("two", w.member.ID, 2*time.Hour, true)
	add("expired", w.member.ID, time.Minute, false)
	add("bobs", bob.ID, time.Hour, false)
	noGrant := w.account(t, s, "no-grant", w.member.ID)

	when := at(10 * time.Minute)
	var n int
	update(t, s, func(tx store.Tx) (err error) {
		n, err = tx.RevokeGrantsOfOwner(ctx, w.member.ID, when)
		return err
	})
	if n != 2 {
		t.Errorf("RevokeGrantsOfOwner revoked %d grants, want 2", n)
	}
	for _, x := range accts {
		want := x.g
		if x.fresh {
			want.RevokedAt = when
		}
		same(t, "grant of "+x.a.Name, currentGrant(t, s, x.a.ID), want)
	}
	_, err := s.CurrentGrant(ctx, noGrant.ID)
	wantKind(t, "CurrentGrant of an owned account without grants", err, store.ErrNotFound)

	update(t, s, func(tx store.Tx) (err error) {
		n, err = tx.RevokeGrantsOfOwner(ctx, w.member.ID, at(11*time.Minute))
		return err
	})
	if n != 0 {
		t.Errorf("RevokeGrantsOfOwner again revoked %d grants, want 0", n)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeGrantsOfOwner(ctx, "no-such-member", t0)
		return err
	})
	wantKind(t, "RevokeGrantsOfOwner of an unknown member", err, store.ErrNotFound)
}

func testConsumeGrant(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	tests := []struct {
		name    string
		prepare func(g *store.Grant)
		at      time.Time
		want    bool
	}{
		{"usable", func(g *store.Grant) {}, at(time.Minute), true},
		{"just before until", func(g *store.Grant) {}, at(time.Hour - 1), true},
		{"at until", func(g *store.Grant) {}, at(time.Hour), false},
		{"expired", func(g *store.Grant) {}, at(2 * time.Hour), false},
		{"revoked", func(g *store.Grant) { g.RevokedAt = at(time.Second) }, at(time.Minute), false},
		{"consumed", func(g *store.Grant) { g.ConsumedAt = at(time.Second) }, at(time.Minute), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := w.account(t, s, newID(tc.name), "")
			g := newGrant(a, t0, at(time.Hour), true)
			tc.prepare(&g)
			put(t, s, g)
			if got := consume(t, s, g.ID, tc.at); got != tc.want {
				t.Fatalf("ConsumeGrant = %v, want %v", got, tc.want)
			}
			if tc.want {
				g.ConsumedAt = tc.at
				if consume(t, s, g.ID, tc.at) {
					t.Error("a consumed grant was consumed again")
				}
			}
			same(t, "grant after ConsumeGrant", currentGrant(t, s, a.ID), g)
		})
	}

	t.Run("unknown grant", func(t *testing.T) {
		ok, err := tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) {
			return tx.ConsumeGrant(t.Context(), "no-such-grant", t0)
		})
		if ok || err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ConsumeGrant of an unknown grant = %v, %v; want false", ok, err)
		}
	})
}

func testConsumeGrantConcurrent(t *testing.T, s store.Store) {
	w := newWorld(t, s)
	const grants, racers = 4, 32
	for i := range grants {
		a := w.account(t, s, newID("racer"), "")
		g := newGrant(a, t0, at(time.Hour), true)
		put(t, s, g)

		wins := race(t, fmt.Sprintf("grant %d: ConsumeGrant", i), racers, func(int) (bool, error) {
			return tryUpdate(t.Context(), s, func(tx store.Tx) (bool, error) { return tx.ConsumeGrant(t.Context(), g.ID, at(time.Minute)) })
		})
		if wins != 1 {
			t.Errorf("grant %d: %d of %d concurrent ConsumeGrant calls reported true, want exactly 1", i, wins, racers)
		}
		g.ConsumedAt = at(time.Minute)
		same(t, "grant after the race", currentGrant(t, s, a.ID), g)
	}
}

func testCheckState(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	lockAll := w.member
	lockAll.LockAll, lockAll.UpdatedAt = true, at(time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateMember(ctx, lockAll) })

	bare := w.account(t, s, "bare", "")
	withGrant := w.account(t, s, "with-grant", "")
	g := newGrant(withGrant, t0, at(time.Hour), true)
	put(t, s, g)
	owned := w.account(t, s, "owned", lockAll.ID)
	both := w.account(t, s, "both", lockAll.ID)
	spent := newGrant(both, t0, at(time.Hour), true)
	put(t, s, spent)
	if !consume(t, s, spent.ID, at(time.Second)) {
		t.Fatal("ConsumeGrant of a fresh once grant reported false")
	}
	spent.ConsumedAt = at(time.Second)

	tests := []struct {
		name        string
		app, target string
		want        store.CheckState
	}{
		{"unknown account", w.app.ID, "nobody", store.CheckState{}},
		{"unknown application", "no-such-app", "bare", store.CheckState{}},
		{"no grant, no owner", w.app.ID, "bare", store.CheckState{Found: true, Account: bare}},
		{"with grant", w.app.ID, "with-grant", store.CheckState{Found: true, Account: withGrant, Grant: &g}},
		{"owner with LockAll", w.app.ID, "owned", store.CheckState{Found: true, Account: owned, Owner: &lockAll}},
		{"spent grant and owner", w.app.ID, "both", store.CheckState{Found: true, Account: both, Grant: &spent, Owner: &lockAll}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.CheckState(t.Context(), tc.app, tc.target)
			must(t, "CheckState", err)
			same(t, "CheckState", got, tc.want)

			// The same read inside a transaction.
			update(t, s, func(tx store.Tx) error {
				got, err := tx.CheckState(t.Context(), tc.app, tc.target)
				same(t, "CheckState in a transaction", got, tc.want)
				return err
			})
		})
	}
}
