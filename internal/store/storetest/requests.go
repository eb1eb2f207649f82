package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// testRequestPages: RequestsOfTenant picks requests by state (a pending
// request that ran out counts as expired, not open), lists them newest
// ID first, pages by ID, and never shows another tenant's.
func testRequestPages(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	other := newWorld(t, s)
	a1, a2 := w.account(t, s, "a1", w.member.ID), w.account(t, s, "a2", w.member.ID)
	a3, a4 := w.account(t, s, "a3", w.member.ID), w.account(t, s, "a4", w.member.ID)
	prefix := newID("rq")
	id := func(n string) string { return prefix + "-" + n }
	ask := func(n string, a store.Account, when time.Time) {
		t.Helper()
		q := newRequest(a, when, "203.0.113.7")
		q.ID = id(n)
		if _, created := raise(t, s, q); !created {
			t.Fatalf("request %s not created", n)
		}
	}
	ask("1", a1, t0)
	decide(t, s, id("1"), store.RequestApproved, "g1", at(time.Minute))
	ask("2", a1, at(2*time.Minute))
	decide(t, s, id("2"), store.RequestDenied, "", at(2*time.Minute))
	ask("3", a2, t0) // pending, runs out at +5m
	ask("4", a3, t0)
	decide(t, s, id("4"), store.RequestExpired, "", at(6*time.Minute))
	ask("5", a4, at(8*time.Minute)) // open until +13m
	oq := newRequest(other.account(t, s, "o1", other.member.ID), at(8*time.Minute), "203.0.113.9")
	raise(t, s, oq)

	now := at(10 * time.Minute)
	ids := func(state, before string, limit int) []string {
		t.Helper()
		qs, err := s.RequestsOfTenant(ctx, w.tenant.ID, store.RequestFilter{State: state, Now: now, Before: before}, limit)
		must(t, "RequestsOfTenant "+state, err)
		out := []string{}
		for _, q := range qs {
			if q.TenantID != w.tenant.ID {
				t.Fatalf("another tenant's request %s listed", q.ID)
			}
			out = append(out, q.ID[len(prefix)+1:])
		}
		return out
	}
	for _, tc := range []struct {
		state string
		want  []string
	}{
		{"", []string{"5", "4", "3", "2", "1"}},
		{store.RequestOpen, []string{"5"}},
		{store.RequestExpired, []string{"4", "3"}},
		{store.RequestApproved, []string{"1"}},
		{store.RequestDenied, []string{"2"}},
	} {
		if got := ids(tc.state, "", 100); !slices.Equal(got, tc.want) {
			t.Errorf("state %q: %v, want %v", tc.state, got, tc.want)
		}
	}
	// Pages of two, each after the last ID of the one before.
	var all []string
	before := ""
	for range 4 {
		page := ids("", before, 2)
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
		before = id(page[len(page)-1])
	}
	same(t, "pages", all, []string{"5", "4", "3", "2", "1"})
	if got := ids(store.RequestExpired, id("4"), 10); !slices.Equal(got, []string{"3"}) {
		t.Errorf("expired after 4: %v", got)
	}
	for _, f := range []store.RequestFilter{{State: "pending", Now: now}, {State: "open"}} {
		_, err := s.RequestsOfTenant(ctx, w.tenant.ID, f, 10)
		wantKind(t, "RequestsOfTenant "+f.State, err, store.ErrInvalid)
	}
	_, err := s.RequestsOfTenant(ctx, w.tenant.ID, store.RequestFilter{Now: now}, 0)
	wantKind(t, "RequestsOfTenant limit 0", err, store.ErrInvalid)
}
