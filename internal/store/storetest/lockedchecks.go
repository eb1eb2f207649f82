package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testLockedChecks: a tenant's locked answers of a period, of all its
// applications, oldest first and paged by position; open answers, other
// tenants' records and records outside the period are left out.
func testLockedChecks(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	second := w
	second.app = newApp(w.tenant.ID, t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateApplication(ctx, second.app) })
	other := newWorld(t, s)
	kid := keysOf(t, s, w, 1)[0].KID
	since, until := at(time.Minute), at(time.Hour)
	before := newCheck(w, kid, "alice", since.Add(-1), true)
	atSince := newCheck(w, kid, "alice", since, true)
	open := newCheck(w, kid, "bob", at(2*time.Minute), false)
	twin1 := newCheck(w, kid, "bob", at(3*time.Minute), true)
	twin2 := newCheck(second, kid, "alice", at(3*time.Minute), true)
	inside := newCheck(second, kid, "carol", at(30*time.Minute), true)
	lastIn := newCheck(w, kid, "alice", until.Add(-1), true)
	atUntil := newCheck(w, kid, "alice", until, true)
	elsewhere := newCheck(other, kid, "alice", at(10*time.Minute), true)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{inside, open, twin1, twin2, before, atUntil}))
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{lastIn, atSince, elsewhere}))
	want := []store.CheckRecord{atSince, twin1, twin2, inside, lastIn}

	got := checkPages(t, "LockedChecks", func(pos store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error) {
		return s.LockedChecks(ctx, w.tenant.ID, since, until, pos, 2)
	})
	same(t, "LockedChecks, two a page", got, want)
	update(t, s, func(tx store.Tx) error {
		all, _, err := tx.LockedChecks(ctx, w.tenant.ID, since, until, store.CheckPosition{}, 100)
		same(t, "LockedChecks in a Tx", all, want)
		return err
	})
	_, _, err := s.LockedChecks(ctx, w.tenant.ID, since, until, store.CheckPosition{}, 0)
	wantKind(t, "LockedChecks with limit 0", err, store.ErrInvalid)
}
