package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// counting is a real store that counts the lock check's reads and can run
// a hook in the middle of CheckState, to stage a race.
type counting struct {
	store.Store
	reads  atomic.Int32
	during func()
}

func (c *counting) ApplicationByIssuer(ctx context.Context, iss string) (store.Application, error) {
	c.reads.Add(1)
	return c.Store.ApplicationByIssuer(ctx, iss)
}

func (c *counting) SigningKeys(ctx context.Context, appID string) ([]store.SigningKey, error) {
	c.reads.Add(1)
	return c.Store.SigningKeys(ctx, appID)
}

func (c *counting) Passkeys(ctx context.Context, memberID string) ([]store.Passkey, error) {
	c.reads.Add(1)
	return c.Store.Passkeys(ctx, memberID)
}

func (c *counting) CheckState(ctx context.Context, appID, name string) (store.CheckState, error) {
	c.reads.Add(1)
	st, err := c.Store.CheckState(ctx, appID, name)
	if c.during != nil {
		c.during()
	}
	return st, err
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type world struct {
	s    *counting
	app  store.Application
	acct store.Account
	m    store.Member
}

// newWorld opens a real SQLite store with a tenant, an application, a
// member and an account the member owns.
func newWorld(t *testing.T) world {
	t.Helper()
	db := backends.SQLite(t)
	w := world{s: &counting{Store: db}}
	tn := store.Tenant{ID: "t1", Name: "acme", CreatedAt: t0}
	w.app = store.Application{ID: "a1", TenantID: "t1", Name: "Wiki", Issuer: "https://wiki", Unenrolled: store.UnenrolledDeny,
		FailMode: store.FailClosed, Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: t0}
	w.m = store.Member{ID: "m1", TenantID: "t1", Email: "a@x", Role: store.RoleMember, CreatedAt: t0}
	w.acct = store.Account{ID: "ac1", TenantID: "t1", AppID: "a1", Name: "alice", OwnerID: "m1", CreatedAt: t0}
	must(t, db.Update(t.Context(), func(tx store.Tx) error {
		return errors.Join(tx.CreateTenant(t.Context(), tn), tx.CreateApplication(t.Context(), w.app),
			tx.CreateMember(t.Context(), w.m), tx.CreateAccount(t.Context(), w.acct))
	}))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w world) grant(t *testing.T, id string) {
	t.Helper()
	must(t, w.s.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutGrant(t.Context(), store.Grant{ID: id, TenantID: "t1", AccountID: "ac1", Until: t0.Add(time.Hour),
			GrantedBy: "test", CreatedAt: t0})
	}))
}

func state(t *testing.T, c *cache.Cache) store.CheckState {
	t.Helper()
	st, err := c.CheckState(t.Context(), "a1", "alice")
	must(t, err)
	return st
}

func TestNotLiveGoesToStore(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	state(t, c)
	state(t, c)
	if n := w.s.reads.Load(); n != 2 {
		t.Fatalf("before Subscribed: %d store reads for 2 checks, want 2", n)
	}
}

func TestHitsAndInvalidation(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	c.Subscribed()
	ctx := t.Context()

	for range 3 {
		state(t, c)
		if _, err := c.ApplicationByIssuer(ctx, "https://wiki"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SigningKeys(ctx, "a1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ApplicationByIssuer(ctx, "https://nowhere"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown issuer: %v", err)
		}
		if st, err := c.CheckState(ctx, "a1", "bob"); err != nil || st.Found {
			t.Fatalf("unenrolled: %+v %v", st, err)
		}
	}
	if n := w.s.reads.Load(); n != 5 {
		t.Fatalf("%d store reads for 3 rounds of 5 reads, want 5 (then hits)", n)
	}

	tests := []struct {
		name  string
		event cache.Event
		read  func() error
	}{
		{"state", cache.Event{Kind: cache.State, AppID: "a1", Account: "alice"}, func() error { _, err := c.CheckState(ctx, "a1", "alice"); return err }},
		{"member", cache.Event{Kind: cache.Member, MemberID: "m1"}, func() error { _, err := c.CheckState(ctx, "a1", "alice"); return err }},
		{"app by id", cache.Event{Kind: cache.App, AppID: "a1"}, func() error { _, err := c.ApplicationByIssuer(ctx, "https://wiki"); return err }},
		{"new issuer", cache.Event{Kind: cache.App, AppID: "a9", Issuer: "https://nowhere"}, func() error {
			_, err := c.ApplicationByIssuer(ctx, "https://nowhere")
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}},
		{"keys", cache.Event{Kind: cache.Keys, AppID: "a1"}, func() error { _, err := c.SigningKeys(ctx, "a1"); return err }},
		{"unenrolled", cache.Event{Kind: cache.State, AppID: "a1", Account: "bob"}, func() error { _, err := c.CheckState(ctx, "a1", "bob"); return err }},
		{"passkeys", cache.Event{Kind: cache.Member, MemberID: "m1"}, func() error { _, err := c.Passkeys(ctx, "m1"); return err }},
		{"all", cache.Event{Kind: cache.All}, func() error { _, err := c.CheckState(ctx, "a1", "alice"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(t, tc.read()) // cached now
			before := w.s.reads.Load()
			c.Changed([]cache.Event{tc.event})
			must(t, tc.read())
			must(t, tc.read())
			if got := w.s.reads.Load() - before; got != 1 {
				t.Fatalf("after %v: %d store reads for two reads, want 1", tc.event, got)
			}
		})
	}
}

func TestChangeSeen(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	c.Subscribed()
	if st := state(t, c); st.Grant != nil {
		t.Fatal("grant before any")
	}
	w.grant(t, "g1") // nobody announces it: the cache still answers from memory
	if st := state(t, c); st.Grant != nil {
		t.Fatal("unannounced change seen: the cache did not cache")
	}
	c.Changed([]cache.Event{{Kind: cache.State, AppID: "a1", Account: "alice"}})
	if st := state(t, c); st.Grant == nil || st.Grant.ID != "g1" {
		t.Fatalf("announced change not seen: %+v", st.Grant)
	}
}

// TestReadRacingChange is the race the generation number closes: a read
// that started before a change and ends after its announcement must not
// leave the old value in the cache.
func TestReadRacingChange(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	c.Subscribed()
	w.s.during = func() {
		w.s.during = nil
		// The read has the old state in hand; now the change commits and
		// is announced before the read finishes.
		w.grant(t, "g1")
		c.Changed([]cache.Event{{Kind: cache.State, AppID: "a1", Account: "alice"}})
	}
	if st := state(t, c); st.Grant != nil {
		t.Fatal("the racing read should return what it read (no grant yet)")
	}
	if st := state(t, c); st.Grant == nil {
		t.Fatal("the racing read's stale result was kept")
	}
}

func TestLostDropsAndBypasses(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	c.Subscribed()
	state(t, c)
	c.Lost(errors.New("connection reset"))
	if c.Live() {
		t.Fatal("live after Lost")
	}
	w.grant(t, "g1") // missed announcement
	before := w.s.reads.Load()
	if st := state(t, c); st.Grant == nil {
		t.Fatal("stale answer after Lost")
	}
	state(t, c)
	if got := w.s.reads.Load() - before; got != 2 {
		t.Fatalf("while lost: %d store reads for 2 checks, want 2", got)
	}
	c.Subscribed()
	if st := state(t, c); st.Grant == nil {
		t.Fatal("stale answer after resubscribing")
	}
	if !c.Stats().Live || c.Stats().Drops != 1 {
		t.Fatalf("stats %+v", c.Stats())
	}
}

func TestBounded(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{MaxStates: 16})
	c.Subscribed()
	for i := range 100 {
		if _, err := c.CheckState(t.Context(), "a1", string(rune('a'+i%26))+string(rune('a'+i/26))); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Stats().States; n > 16 {
		t.Fatalf("%d states cached, cap 16", n)
	}
}

func TestCopies(t *testing.T) {
	w := newWorld(t)
	w.grant(t, "g1")
	c := cache.New(w.s, cache.Options{})
	c.Subscribed()
	st := state(t, c)
	st.Grant.ID = "changed"
	st.Owner.LockAll = true
	if again := state(t, c); again.Grant.ID != "g1" || again.Owner.LockAll {
		t.Fatal("a caller's change reached the cache")
	}
}

// TestLeaseEnds: past the feed's lease the cache answers from the store,
// though nobody called Lost, and a renewed lease lets it answer from
// memory again.
func TestLeaseEnds(t *testing.T) {
	w := newWorld(t)
	c := cache.New(w.s, cache.Options{})
	c.Lease(time.Now().Add(time.Hour))
	c.Subscribed()
	state(t, c)
	before := w.s.reads.Load()
	state(t, c)
	if w.s.reads.Load() != before {
		t.Fatal("inside the lease: read the store, want memory")
	}
	c.Lease(time.Now()) // over from now on
	w.grant(t, "g1")    // an announcement this node will not hear in time
	if st := state(t, c); st.Grant == nil {
		t.Fatal("stale answer from memory after the lease ended")
	}
	if c.Live() {
		t.Fatal("live after the lease ended")
	}
	c.Lease(time.Now().Add(time.Hour))
	if !c.Live() {
		t.Fatal("not live after the lease was renewed")
	}
	c.Lease(time.Time{})
	if !c.Live() {
		t.Fatal("not live with no lease limit")
	}
}

// TestUnknownIssuersDoNotEvictApplications: answers for issuers no
// application has are bounded apart from the applications, so a flood of
// random issuers (far more than either bound) leaves the real
// application in memory and the unknown-issuer map at its cap.
func TestUnknownIssuersDoNotEvictApplications(t *testing.T) {
	w := newWorld(t)
	const capacity = 64
	c := cache.New(w.s, cache.Options{MaxApps: capacity, MaxUnknownIssuers: capacity})
	c.Subscribed()
	ctx := t.Context()
	if _, err := c.ApplicationByIssuer(ctx, "https://wiki"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 * capacity {
		if _, err := c.ApplicationByIssuer(ctx, fmt.Sprintf("https://random-%d.test", i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("random issuer %d: %v, want ErrNotFound", i, err)
		}
	}
	before := w.s.reads.Load()
	if _, err := c.ApplicationByIssuer(ctx, "https://wiki"); err != nil {
		t.Fatal(err)
	}
	if n := w.s.reads.Load() - before; n != 0 {
		t.Fatalf("the real application was read from the store again (%d reads) after a flood of unknown issuers", n)
	}
	// The last unknown issuer is still remembered: no store read.
	before = w.s.reads.Load()
	if _, err := c.ApplicationByIssuer(ctx, fmt.Sprintf("https://random-%d.test", 100*capacity-1)); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if n := w.s.reads.Load() - before; n != 0 {
		t.Fatalf("the latest unknown issuer was read again (%d reads)", n)
	}
	if st := c.Stats(); st.UnknownIssuers > capacity {
		t.Fatalf("%d unknown issuers kept, cap %d", st.UnknownIssuers, capacity)
	}
}
