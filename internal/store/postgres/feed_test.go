package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// node is one "node" of a two-node test: a store of its own on the shared
// database, named by application_name so a test can cut its connections.
type node struct {
	name  string
	s     *Store
	cache *cache.Cache
}

func newNode(t *testing.T, dbURL, name string) *node {
	t.Helper()
	return newNodeWith(t, dbURL, name, Options{AutoMigrate: true, ListenPing: 300 * time.Millisecond})
}

// twoNodes starts the nodes name-a and name-b on one fresh database, whose
// URL it returns with them.
func twoNodes(t *testing.T, name string) (db string, a, b *node) {
	t.Helper()
	db = testDB(t)
	return db, newNode(t, db, name+"-a"), newNode(t, db, name+"-b")
}

// openNamed opens a store on dbURL whose connections are named name
// (application_name, so a test can cut them), closed when the test ends.
func openNamed(t *testing.T, dbURL, name string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.WithParam(dbURL, "application_name", name), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newNodeWith(t *testing.T, dbURL, name string, opts Options) *node {
	t.Helper()
	s := openNamed(t, dbURL, name, opts)
	n := &node{name: name, s: s, cache: cache.New(s, cache.Options{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.cache.Run(ctx, s); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "cache live on "+name, n.cache.Live)
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return 0
}

// seed stores a tenant, an application and a member-owned account.
func seed(t *testing.T, s store.Store) (store.Application, store.Account, store.Member) {
	t.Helper()
	tn := store.Tenant{ID: "t-" + t.Name(), Name: "acme " + t.Name(), CreatedAt: t0}
	app := store.Application{ID: "a-" + t.Name(), TenantID: tn.ID, Name: "Wiki", Issuer: "https://wiki/" + t.Name(),
		Unenrolled: store.UnenrolledDeny, FailMode: store.FailClosed, Enabled: true,
		DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: t0}
	m := store.Member{ID: "m-" + t.Name(), TenantID: tn.ID, Email: "a@x", Role: store.RoleMember, CreatedAt: t0}
	a := store.Account{ID: "ac-" + t.Name(), TenantID: tn.ID, AppID: app.ID, Name: "alice", OwnerID: m.ID, CreatedAt: t0}
	mustDo(t, s.Update(t.Context(), func(tx store.Tx) error {
		return errors.Join(tx.CreateTenant(t.Context(), tn), tx.CreateApplication(t.Context(), app),
			tx.CreateMember(t.Context(), m), tx.CreateAccount(t.Context(), a))
	}))
	return app, a, m
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func grant(t *testing.T, s store.Store, a store.Account, id string) {
	t.Helper()
	mustDo(t, s.Update(t.Context(), func(tx store.Tx) error {
		return tx.PutGrant(t.Context(), store.Grant{ID: id, TenantID: a.TenantID, AccountID: a.ID,
			Until: time.Now().Add(time.Hour), GrantedBy: "test", CreatedAt: time.Now()})
	}))
}

func grantOf(t *testing.T, c *cache.Cache, app store.Application) string {
	t.Helper()
	st, err := c.CheckState(t.Context(), app.ID, "alice")
	mustDo(t, err)
	if st.Grant == nil || !st.Grant.RevokedAt.IsZero() {
		return ""
	}
	return st.Grant.ID
}

// TestTwoNodesSeeEachOther runs two stores with caches on one database:
// every kind of change made on one reaches the other's cache, through
// NOTIFY, and the writer's own cache at once.
func TestTwoNodesSeeEachOther(t *testing.T) {
	_, a, b := twoNodes(t, "node")
	ctx := t.Context()
	app, acct, m := seed(t, a.s)

	// Both caches hold "no grant".
	for _, n := range []*node{a, b} {
		if g := grantOf(t, n.cache, app); g != "" {
			t.Fatalf("%s: grant %s before any", n.name, g)
		}
	}
	grant(t, a.s, acct, "g1")
	if g := grantOf(t, a.cache, app); g != "g1" {
		t.Fatalf("the writing node does not read its own write at once: %q", g)
	}
	d := waitFor(t, "node b to see the grant", func() bool { return grantOf(t, b.cache, app) == "g1" })
	t.Logf("grant propagated to node b in %v", d)

	// Locking (revoking the grant) on b reaches a.
	mustDo(t, b.s.Update(ctx, func(tx store.Tx) error {
		_, err := tx.RevokeCurrentGrant(ctx, acct.ID, time.Now())
		return err
	}))
	waitFor(t, "node a to see the lock", func() bool { return grantOf(t, a.cache, app) == "" })

	// The owner's "lock everything" reaches b through the member event.
	lockAll := m
	lockAll.LockAll = true
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.UpdateMember(ctx, lockAll) }))
	waitFor(t, "node b to see lock-all", func() bool {
		st, err := b.cache.CheckState(ctx, app.ID, "alice")
		return err == nil && st.Owner != nil && st.Owner.LockAll
	})

	// An issuer b cached as unknown, then created on a.
	newApp := app
	newApp.ID, newApp.Issuer = "a2-"+t.Name(), "https://new/"+t.Name()
	if _, err := b.cache.ApplicationByIssuer(ctx, newApp.Issuer); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown issuer: %v", err)
	}
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.CreateApplication(ctx, newApp) }))
	waitFor(t, "node b to see the new application", func() bool {
		_, err := b.cache.ApplicationByIssuer(ctx, newApp.Issuer)
		return err == nil
	})

	// A key created on a, and a disabled application.
	if ks, _ := b.cache.SigningKeys(ctx, app.ID); len(ks) != 0 {
		t.Fatal("keys before any")
	}
	k := store.SigningKey{KID: "k-" + t.Name(), AppID: app.ID, TenantID: app.TenantID, Algorithm: store.AlgHS256,
		SealedSecret: []byte("x"), CreatedAt: t0}
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.CreateSigningKey(ctx, k) }))
	waitFor(t, "node b to see the key", func() bool { ks, _ := b.cache.SigningKeys(ctx, app.ID); return len(ks) == 1 })
	if _, err := b.cache.ApplicationByIssuer(ctx, app.Issuer); err != nil {
		t.Fatal(err)
	}
	off := app
	off.Enabled = false
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.UpdateApplication(ctx, off) }))
	waitFor(t, "node b to see the application disabled", func() bool {
		got, err := b.cache.ApplicationByIssuer(ctx, app.Issuer)
		return err == nil && !got.Enabled
	})

	// A passkey registered on a: the owner can now approve requests.
	if ps, _ := b.cache.Passkeys(ctx, m.ID); len(ps) != 0 {
		t.Fatal("passkeys before any")
	}
	pk := store.Passkey{ID: "cred-" + t.Name(), TenantID: m.TenantID, MemberID: m.ID, Credential: []byte{1}, CreatedAt: t0}
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.CreatePasskey(ctx, pk) }))
	waitFor(t, "node b to see the passkey", func() bool { ps, _ := b.cache.Passkeys(ctx, m.ID); return len(ps) == 1 })

	// An account enrolled after b cached "not enrolled".
	if st, _ := b.cache.CheckState(ctx, app.ID, "bob"); st.Found {
		t.Fatal("bob enrolled before enrolment")
	}
	bob := store.Account{ID: "bob-" + t.Name(), TenantID: app.TenantID, AppID: app.ID, Name: "bob", CreatedAt: t0}
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error { return tx.CreateAccount(ctx, bob) }))
	waitFor(t, "node b to see bob enrolled", func() bool { st, _ := b.cache.CheckState(ctx, app.ID, "bob"); return st.Found })
}

// TestBulkAnnouncesAll checks that a transaction with more changes than
// fit in the event list announces cache.All, and that nothing is missed.
func TestBulkAnnouncesAll(t *testing.T) {
	_, a, b := twoNodes(t, "bulk")
	app, _, _ := seed(t, a.s)
	ctx := t.Context()
	names := make([]string, maxEvents+50)
	for i := range names {
		names[i] = fmt.Sprintf("user-%03d", i)
		if st, _ := b.cache.CheckState(ctx, app.ID, names[i]); st.Found {
			t.Fatal("found before enrolment")
		}
	}
	drops := b.cache.Stats().Drops
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error {
		for _, n := range names {
			if err := tx.CreateAccount(ctx, store.Account{ID: "id-" + n, TenantID: app.TenantID, AppID: app.ID, Name: n, CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	}))
	waitFor(t, "node b to drop everything", func() bool { return b.cache.Stats().Drops > drops })
	for _, n := range names {
		if st, _ := b.cache.CheckState(ctx, app.ID, n); !st.Found {
			t.Fatalf("%s not seen after the bulk import", n)
		}
	}
}

// terminate ends every backend of application_name name, as a database
// restart or a network cut would, and reports how many it ended.
func terminate(t *testing.T, dbURL, name string, listenerOnly bool) int {
	t.Helper()
	q := `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name IN ($1, $1 || ' (listener)')`
	if listenerOnly {
		q = `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 || ' (listener)'`
	}
	ctx := t.Context()
	s, err := Open(ctx, pgtest.WithParam(dbURL, "application_name", "terminator"), Options{AutoMigrate: true})
	mustDo(t, err)
	defer s.Close()
	var n int
	mustDo(t, s.pool.QueryRow(ctx, q, name).Scan(&n))
	return n
}

// TestListenerLoss cuts node b's listening connection: b must drop its
// cache and stop answering from memory at once, answer from the database
// meanwhile, and resubscribe by itself — and no change made while it was
// away may survive as a stale answer.
func TestListenerLoss(t *testing.T) {
	db, a, b := twoNodes(t, "loss")
	app, acct, _ := seed(t, a.s)
	if g := grantOf(t, b.cache, app); g != "" {
		t.Fatal("grant before any")
	}
	drops := b.cache.Stats().Drops
	if n := terminate(t, db, "loss-b", true); n != 1 {
		t.Fatalf("terminated %d listener connections, want 1", n)
	}
	waitFor(t, "node b to notice", func() bool { return b.cache.Stats().Drops > drops })
	// A change made around the reconnection is never answered stale.
	grant(t, a.s, acct, "g-during")
	waitFor(t, "node b to resubscribe", b.cache.Live)
	if g := grantOf(t, b.cache, app); g != "g-during" {
		t.Fatalf("after resubscribing node b answers grant %q, want g-during", g)
	}
	// And announcements flow again.
	grant(t, a.s, acct, "g-after")
	waitFor(t, "node b to see a change after resubscribing", func() bool { return grantOf(t, b.cache, app) == "g-after" })
}

// TestRecoversFromLostConnections cuts every connection of a node: calls
// made meanwhile fail with store.ErrUnavailable (never a guess), and the
// pool recovers by itself.
func TestRecoversFromLostConnections(t *testing.T) {
	db := testDB(t)
	b := newNode(t, db, "cut-b")
	app, _, _ := seed(t, b.s)
	mustDo(t, b.s.Ping(t.Context()))
	if n := terminate(t, db, "cut-b", false); n < 1 {
		t.Fatalf("terminated %d connections", n)
	}
	waitFor(t, "the store to answer again", func() bool {
		_, err := b.s.CheckState(t.Context(), app.ID, "alice")
		if err != nil && !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("error of kind other than ErrUnavailable: %v", err)
		}
		return err == nil
	})
	waitFor(t, "the cache to be live again", b.cache.Live)
}

func TestPayloads(t *testing.T) {
	var events []cache.Event
	for i := range 500 {
		events = append(events, cache.Event{Kind: cache.State, AppID: "app", Account: fmt.Sprintf("account-%d", i)})
	}
	ps := payloads(events)
	if len(ps) < 2 {
		t.Fatalf("%d payloads for 500 events", len(ps))
	}
	var back []cache.Event
	for _, p := range ps {
		if len(p) > maxPayload {
			t.Fatalf("payload of %d bytes", len(p))
		}
		back = append(back, decodeEvents(p)...)
	}
	if len(back) != len(events) || back[499] != events[499] {
		t.Fatalf("round trip lost events: %d", len(back))
	}
	huge := []cache.Event{{Kind: cache.State, AppID: "a", Account: string(make([]byte, 9000))}}
	if got := decodeEvents(payloads(huge)[0]); len(got) != 1 || got[0].Kind != cache.All {
		t.Fatalf("an event too big for a payload became %+v", got)
	}
	for _, bad := range []string{"", "{", `[{"k":99}]`, `[]`} {
		if got := decodeEvents(bad); len(got) != 1 || got[0].Kind != cache.All {
			t.Fatalf("payload %q decoded to %+v, want All", bad, got)
		}
	}
}
