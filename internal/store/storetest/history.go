package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

func testGrantsBetween(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	since, until := at(time.Hour), at(3*time.Hour)
	grant := func(name string, created, end time.Time, change func(g *store.Grant)) store.Grant {
		g := newGrant(w.account(t, s, name, ""), created, end, false)
		if change != nil {
			change(&g)
		}
		put(t, s, g)
		return g
	}
	grant("ended-at-since", t0, since, nil)
	grant("made-at-until", until, at(4*time.Hour), nil)
	grant("used-before", t0, at(2*time.Hour), func(g *store.Grant) { g.Once, g.ConsumedAt = true, since })
	grant("revoked-before", t0, at(2*time.Hour), func(g *store.Grant) { g.RevokedAt = at(30 * time.Minute) })
	across := grant("across", t0, at(5*time.Hour), nil)
	revoked := grant("revoked-inside", at(30*time.Minute), at(2*time.Hour), func(g *store.Grant) { g.RevokedAt = since.Add(1) })
	used := grant("used-inside", at(2*time.Hour), at(2*time.Hour+time.Minute), func(g *store.Grant) { g.Once, g.ConsumedAt = true, at(2*time.Hour+1) })
	twin := grant("twin", at(2*time.Hour), at(10*time.Hour), nil)
	last := grant("last", until.Add(-1), until, nil)
	first, second := used, twin
	if second.ID < first.ID {
		first, second = second, first
	}
	want := []store.Grant{across, revoked, first, second, last}

	other := newWorld(t, s)
	g := newGrant(other.account(t, s, "elsewhere", ""), since, until, false)
	put(t, s, g)

	var got []store.Grant
	after := store.Grant{}
	for range 10 {
		page, err := s.GrantsBetween(ctx, w.tenant.ID, since, until, after, 2)
		must(t, "GrantsBetween", err)
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1]
	}
	same(t, "GrantsBetween, two a page", got, want)
	gives(t, "GrantsBetween, one page", want)(s.GrantsBetween(ctx, w.tenant.ID, since, until, store.Grant{}, 100))
	_, err := s.GrantsBetween(ctx, w.tenant.ID, since, until, store.Grant{}, 0)
	wantKind(t, "GrantsBetween with limit 0", err, store.ErrInvalid)
}

func testChecksBetween(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newWorld(t, s)
	kid := keysOf(t, s, w, 1)[0].KID
	since, until := at(time.Minute), at(time.Hour)
	before := newCheck(w, kid, "alice", since.Add(-1), true)
	atSince := newCheck(w, kid, "alice", since, true)
	twin1 := newCheck(w, kid, "bob", at(2*time.Minute), false)
	twin2 := newCheck(w, kid, "alice", at(2*time.Minute), true)
	inside := newCheck(w, kid, "carol", at(30*time.Minute), true)
	lastIn := newCheck(w, kid, "alice", until.Add(-1), false)
	atUntil := newCheck(w, kid, "alice", until, true)
	elsewhere := newCheck(other, kid, "alice", at(10*time.Minute), true)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{inside, twin1, twin2, before, atUntil}))
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{lastIn, atSince, elsewhere}))
	want := []store.CheckRecord{atSince, twin1, twin2, inside, lastIn}

	got := checkPages(t, "ChecksBetween", func(pos store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error) {
		return s.ChecksBetween(ctx, w.app.ID, since, until, pos, 2)
	})
	same(t, "ChecksBetween, two a page", got, want)
	update(t, s, func(tx store.Tx) error {
		all, _, err := tx.ChecksBetween(ctx, w.app.ID, since, until, store.CheckPosition{}, 100)
		same(t, "ChecksBetween in a Tx", all, want)
		return err
	})
	_, _, err := s.ChecksBetween(ctx, w.app.ID, since, until, store.CheckPosition{}, 0)
	wantKind(t, "ChecksBetween with limit 0", err, store.ErrInvalid)
}

// checkPages reads every page that read gives, from the first position
// on, and checks that an empty page keeps the position it was given.
func checkPages(t *testing.T, what string, read func(store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error)) []store.CheckRecord {
	t.Helper()
	var got []store.CheckRecord
	var pos store.CheckPosition
	for range 10 {
		page, next, err := read(pos)
		must(t, what, err)
		got = append(got, page...)
		if len(page) == 0 {
			same(t, what+": position after an empty page", next, pos)
			break
		}
		pos = next
	}
	return got
}
