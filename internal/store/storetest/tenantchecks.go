package storetest

import (
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testTenantChecks: a tenant's answers of a period (the locked ones only,
// when asked), of all its applications, oldest first and paged by
// position; other tenants' records and records outside the period are left
// out.
func testTenantChecks(t *testing.T, s store.Store) {
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

	got := checkPages(t, "TenantChecks", func(pos store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error) {
		return s.TenantChecks(ctx, w.tenant.ID, true, since, until, pos, 2)
	})
	same(t, "TenantChecks locked only, two a page", got, want)
	update(t, s, func(tx store.Tx) error {
		all, _, err := tx.TenantChecks(ctx, w.tenant.ID, true, since, until, store.CheckPosition{}, 100)
		same(t, "TenantChecks locked only in a Tx", all, want)
		return err
	})
	every := []store.CheckRecord{atSince, open, twin1, twin2, inside, lastIn}
	got = checkPages(t, "TenantChecks", func(pos store.CheckPosition) ([]store.CheckRecord, store.CheckPosition, error) {
		return s.TenantChecks(ctx, w.tenant.ID, false, since, until, pos, 2)
	})
	same(t, "TenantChecks, every answer, two a page", got, every)
	update(t, s, func(tx store.Tx) error {
		all, _, err := tx.TenantChecks(ctx, w.tenant.ID, false, since, until, store.CheckPosition{}, 100)
		same(t, "TenantChecks, every answer, in a Tx", all, every)
		return err
	})
	_, _, err := s.TenantChecks(ctx, w.tenant.ID, false, since, until, store.CheckPosition{}, 0)
	wantKind(t, "TenantChecks with limit 0", err, store.ErrInvalid)
}
