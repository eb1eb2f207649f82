package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
)

// lockState is what a check on c would decide about alice: unlocked when
// she holds a usable grant.
func unlocked(t *testing.T, c *cache.Cache, app store.Application) bool {
	t.Helper()
	st, err := c.CheckState(t.Context(), app.ID, "alice")
	mustDo(t, err)
	return st.Grant != nil && st.Grant.RevokedAt.IsZero()
}

// setLocked locks alice (revokes her grant) or unlocks her (a new grant)
// through w, as `deadbolt lock`/`unlock` do.
func setLocked(t *testing.T, w store.Store, a store.Account, locked bool, grantID string) {
	t.Helper()
	ctx := t.Context()
	mustDo(t, w.Update(ctx, func(tx store.Tx) error {
		if locked {
			_, err := tx.RevokeCurrentGrant(ctx, a.ID, time.Now())
			return err
		}
		return tx.PutGrant(ctx, store.Grant{ID: grantID, TenantID: a.TenantID, AccountID: a.ID,
			Until: time.Now().Add(time.Hour), GrantedBy: "test", CreatedAt: time.Now()})
	}))
}

// TestAcknowledgedChangeSeenEverywhere is the coherence guarantee (doc.go,
// "Coherence"): a lock or unlock acknowledged by the CLI (a store of its
// own, with no cache) or by either node is seen by the very next check on
// both nodes, whose caches answer from memory. 1000 rounds, no stale
// answer.
func TestAcknowledgedChangeSeenEverywhere(t *testing.T) {
	db, a, b := twoNodes(t, "coherence")
	cli := openNamed(t, db, "coherence-cli", Options{AutoMigrate: true})
	app, acct, _ := seed(t, cli)
	writers := []struct {
		name string
		s    store.Store
	}{{"cli", cli}, {"cli", cli}, {"node a", a.s}, {"node b", b.s}}

	hits := a.cache.Stats().Hits + b.cache.Stats().Hits
	stale := 0
	const rounds = 1000
	took := make([]time.Duration, 0, rounds)
	for i := range rounds {
		locked := i%2 == 1
		w := writers[i%len(writers)]
		// Both caches hold the state before the change.
		unlocked(t, a.cache, app)
		unlocked(t, b.cache, app)
		start := time.Now()
		setLocked(t, w.s, acct, locked, fmt.Sprintf("g%d", i))
		took = append(took, time.Since(start))
		for _, n := range []*node{a, b} {
			if unlocked(t, n.cache, app) == locked {
				stale++
				if stale <= 5 {
					t.Errorf("round %d: %s answered %s after %s acknowledged %s", i, n.name,
						map[bool]string{true: "unlocked", false: "locked"}[locked], w.name,
						map[bool]string{true: "a lock", false: "an unlock"}[locked])
				}
			}
		}
	}
	slices.Sort(took)
	t.Logf("acknowledged writes took p50 %v, p99 %v, max %v", took[rounds/2], took[rounds*99/100], took[rounds-1])
	if stale > 0 {
		t.Fatalf("%d stale answers in %d checks after acknowledged changes", stale, 2*rounds)
	}
	// The caches did answer from memory (the reads before each change),
	// so the test measured them, not the database.
	if got := a.cache.Stats().Hits + b.cache.Stats().Hits - hits; got < rounds {
		t.Fatalf("only %d cache hits in %d rounds: the caches were not answering from memory", got, rounds)
	}
}

// holdLeaseRows locks every row of cache_nodes but the ones of the nodes
// named keep, from a transaction of its own, until the returned function
// is called: a node whose row is held can neither renew its lease nor
// record what it heard, as if its listener had frozen.
func holdLeaseRows(t *testing.T, dbURL string, keep ...string) (release func()) {
	t.Helper()
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, dbURL)
	mustDo(t, err)
	tx, err := conn.Begin(ctx)
	mustDo(t, err)
	var held int
	mustDo(t, tx.QueryRow(ctx, `WITH h AS (SELECT node_id FROM cache_nodes WHERE node_id <> ALL($1) FOR UPDATE) SELECT count(*) FROM h`, keep).Scan(&held))
	if held != 1 {
		t.Fatalf("held %d lease rows, want 1", held)
	}
	return func() {
		_ = tx.Rollback(context.Background())
		conn.Close(context.Background())
	}
}

// nodeIDs lists the registered nodes.
func nodeIDs(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.pool.Query(t.Context(), `SELECT node_id FROM cache_nodes`)
	mustDo(t, err)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	mustDo(t, err)
	return ids
}

// TestFrozenNodeFencesItself freezes node b's lease (its row locked, so it
// can neither renew nor acknowledge): b must stop answering from memory by
// itself, a writer must stop waiting for b once b's lease has run out, and
// b must never answer the state before an acknowledged change. Once it can
// reach its row again, b finds its lease lapsed, starts over empty, and
// follows changes again.
func TestFrozenNodeFencesItself(t *testing.T) {
	db := testDB(t)
	a := newNode(t, db, "frozen-a")
	aIDs := nodeIDs(t, a.s)
	cli := openNamed(t, db, "frozen-cli", Options{AutoMigrate: true})
	b := newNodeWith(t, db, "frozen-b", Options{AutoMigrate: true, ListenPing: 300 * time.Millisecond, Lease: time.Second})
	app, acct, _ := seed(t, cli)
	if unlocked(t, b.cache, app) {
		t.Fatal("unlocked before any grant")
	}
	drops := b.cache.Stats().Drops

	release := holdLeaseRows(t, db, aIDs...)
	defer release()
	waitFor(t, "node b to stop answering from memory", func() bool { return !b.cache.Live() })

	// The unlock waits for b until b's lease has run out, no longer.
	setLocked(t, cli, acct, false, "g-frozen")
	var live int
	mustDo(t, cli.pool.QueryRow(t.Context(), `SELECT count(*) FROM cache_nodes WHERE lease_until > now() AND heard_seq < (SELECT seq FROM change_seq)`).Scan(&live))
	if live != 0 {
		t.Fatalf("the write returned while %d node(s) with a live lease had not heard it", live)
	}
	if !unlocked(t, b.cache, app) || !unlocked(t, a.cache, app) {
		t.Fatal("a stale answer after the acknowledged unlock")
	}

	release()
	waitFor(t, "node b to start over", func() bool { return b.cache.Stats().Drops > drops && b.cache.Live() })
	setLocked(t, cli, acct, true, "")
	if unlocked(t, b.cache, app) {
		t.Fatal("node b answered unlocked after an acknowledged lock, once back")
	}
}

// TestRetiredNodeHoldsNobodyUp: a node whose feed stopped (a clean
// shutdown) removes its lease, so writers do not wait for it.
func TestRetiredNodeHoldsNobodyUp(t *testing.T) {
	db := testDB(t)
	s, err := Open(t.Context(), pgtest.WithParam(db, "application_name", "retire"), Options{AutoMigrate: true})
	mustDo(t, err)
	defer s.Close()
	c := cache.New(s, cache.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx, s) }()
	waitFor(t, "cache live", c.Live)
	if n := len(nodeIDs(t, s)); n != 1 {
		t.Fatalf("%d nodes registered, want 1", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if c.Live() {
		t.Fatal("live after its feed stopped")
	}
	if n := len(nodeIDs(t, s)); n != 0 {
		t.Fatalf("%d nodes still registered after the feed stopped", n)
	}
}

func TestDecodeNotice(t *testing.T) {
	ev := []cache.Event{{Kind: cache.State, AppID: "a", Account: "alice"}}
	body := mustEncode(ev)
	tests := []struct {
		payload string
		want    notice
	}{
		{`{"v" : 2, "d" : "s1", "s" : 7, "e" : ` + body + `}`, notice{schema: "s1", seq: 7, events: ev}},
		{body, notice{events: ev}}, // from a deadbolt before change_seq
		{`{"v" : 3, "d" : "s1", "s" : 7, "e" : []}`, notice{events: []cache.Event{{Kind: cache.All}}}},
		{`{"v" : 2, "d" : "s1", "s" : 0, "e" : "x"}`, notice{schema: "s1", events: []cache.Event{{Kind: cache.All}}}},
		{`{`, notice{events: []cache.Event{{Kind: cache.All}}}},
	}
	for _, tc := range tests {
		got := decodeNotice(tc.payload)
		if got.schema != tc.want.schema || got.seq != tc.want.seq || len(got.events) != len(tc.want.events) || got.events[0] != tc.want.events[0] {
			t.Errorf("decodeNotice(%s) = %+v, want %+v", tc.payload, got, tc.want)
		}
	}
}

// TestConsumedGrantAnnouncedWithoutNumber: consuming a once grant (on the
// lock check's path) is announced to every node but takes no change
// number, so it neither waits for the nodes nor queues for change_seq.
func TestConsumedGrantAnnouncedWithoutNumber(t *testing.T) {
	_, a, b := twoNodes(t, "consume")
	app, acct, _ := seed(t, a.s)
	ctx := t.Context()
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error {
		return tx.PutGrant(ctx, store.Grant{ID: "once", TenantID: acct.TenantID, AccountID: acct.ID, Once: true,
			Until: time.Now().Add(time.Hour), GrantedBy: "test", CreatedAt: time.Now()})
	}))
	if st, err := b.cache.CheckState(ctx, app.ID, "alice"); err != nil || st.Grant == nil || !st.Grant.ConsumedAt.IsZero() {
		t.Fatalf("node b before the consumption: %+v, %v", st.Grant, err)
	}
	seq := func() (n int64) {
		mustDo(t, a.s.pool.QueryRow(ctx, `SELECT seq FROM change_seq`).Scan(&n))
		return n
	}
	before := seq()
	var used bool
	mustDo(t, a.s.Update(ctx, func(tx store.Tx) error {
		var err error
		used, err = tx.ConsumeGrant(ctx, "once", time.Now())
		return err
	}))
	if !used {
		t.Fatal("the once grant was not consumed")
	}
	if after := seq(); after != before {
		t.Fatalf("consuming took change number(s) %d..%d, want none", before+1, after)
	}
	waitFor(t, "node b to hear the consumption", func() bool {
		st, err := b.cache.CheckState(ctx, app.ID, "alice")
		return err == nil && st.Grant != nil && !st.Grant.ConsumedAt.IsZero()
	})
}

// TestLapsedLeaseStartsOver: when the database has let a node's lease run
// out (the node was stopped past it), the node finds out at its next
// renewal, drops its cache and starts over empty, on the same connection.
// (Here the lease is ended by hand, so b could not know in advance; a real
// lease runs out on b's own clock first.)
func TestLapsedLeaseStartsOver(t *testing.T) {
	db := testDB(t)
	b := newNode(t, db, "lapsed-b")
	cli := openNamed(t, db, "lapsed-cli", Options{AutoMigrate: true})
	app, acct, _ := seed(t, cli)
	if unlocked(t, b.cache, app) {
		t.Fatal("unlocked before any grant")
	}
	drops := b.cache.Stats().Drops
	// As a writer would see it after b was stopped for too long: b's lease
	// over, so the unlock below does not wait for b.
	pgtest.Exec(t, db, `UPDATE cache_nodes SET lease_until = now() - interval '1 second'`)
	setLocked(t, cli, acct, false, "g-lapsed")
	waitFor(t, "node b to start over", func() bool { return b.cache.Stats().Drops > drops && b.cache.Live() })
	if !unlocked(t, b.cache, app) {
		t.Fatal("node b answered locked after starting over, though the unlock was acknowledged")
	}
	if ids := nodeIDs(t, cli); len(ids) != 1 {
		t.Fatalf("nodes registered after starting over: %v, want one", ids)
	}
	setLocked(t, cli, acct, true, "")
	if unlocked(t, b.cache, app) {
		t.Fatal("node b answered unlocked after an acknowledged lock, once it started over")
	}
}
