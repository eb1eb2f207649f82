package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

var feedT0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

// pair opens one file twice: server, as a running server opens it, and
// cli, a second Store with its own connections, as the CLI process opens it.
func pair(t *testing.T) (server, cli *Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d.db")
	var err error
	if server, err = Open(t.Context(), path, Options{AutoMigrate: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	if cli, err = Open(t.Context(), path, Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return server, cli
}

// follow puts a cache in front of s, fed and polled by s's feed, and waits
// until it is live.
func follow(t *testing.T, s *Store) *cache.Cache {
	t.Helper()
	c := cache.New(s, cache.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, s); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !c.Live() {
		if time.Now().After(deadline) {
			t.Fatal("the cache did not go live")
		}
		time.Sleep(time.Millisecond)
	}
	return c
}

func update(t *testing.T, s *Store, fn func(ctx context.Context, tx store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error { return fn(t.Context(), tx) }); err != nil {
		t.Fatal(err)
	}
}

var (
	feedApp = store.Application{ID: "app1", TenantID: "t1", Name: "Wiki", Issuer: "wiki.test", Unenrolled: "allow",
		FailMode: "closed", Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: feedT0, UpdatedAt: feedT0}
	feedOwner = store.Member{ID: "m1", TenantID: "t1", Email: "a@x.test", Role: store.RoleMember, CreatedAt: feedT0, UpdatedAt: feedT0}
	feedAcct  = store.Account{ID: "a1", TenantID: "t1", AppID: "app1", Name: "alice", OwnerID: "m1", CreatedAt: feedT0, UpdatedAt: feedT0}
)

func seedFeed(t *testing.T, s *Store) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "acme", CreatedAt: feedT0}); err != nil {
			return err
		}
		if err := tx.CreateApplication(ctx, feedApp); err != nil {
			return err
		}
		if err := tx.CreateSigningKey(ctx, store.SigningKey{KID: "k1", AppID: "app1", TenantID: "t1",
			Algorithm: store.AlgHS256, SealedSecret: []byte{1}, CreatedAt: feedT0}); err != nil {
			return err
		}
		return tx.CreateMember(ctx, feedOwner)
	})
}

func checkState(t *testing.T, c *cache.Cache) store.CheckState {
	t.Helper()
	st, err := c.CheckState(t.Context(), "app1", "alice")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestWALIndexLayout checks what the feed relies on in modernc.org/sqlite:
// the -shm file starts with the unix VFS's WalIndexHdr (version 3007000,
// initialised, two equal copies), and every commit from another
// connection pool moves it, iChange by exactly one.
func TestWALIndexLayout(t *testing.T) {
	server, cli := pair(t)
	w, err := mapWALIndex(server.path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	iChange := func() uint32 {
		h, ok := w.header()
		if !ok {
			t.Fatal("header unreadable")
		}
		var b [walHeaderSize]byte
		for i, word := range h {
			binary.NativeEndian.PutUint64(b[8*i:], word)
		}
		if v := binary.NativeEndian.Uint32(b[0:]); v != walIndexVersion {
			t.Fatalf("iVersion %d, want %d", v, walIndexVersion)
		}
		return binary.NativeEndian.Uint32(b[8:])
	}
	before := iChange()
	for i := range 3 {
		update(t, cli, func(ctx context.Context, tx store.Tx) error {
			return tx.CreateTenant(ctx, store.Tenant{ID: "t" + string(rune('a'+i)), Name: "n" + string(rune('a'+i)), CreatedAt: feedT0})
		})
		if got := iChange(); got != before+uint32(i)+1 {
			t.Fatalf("after %d commits by another pool iChange went %d → %d", i+1, before, got)
		}
	}
}

// TestFeedSeesOtherProcess: what the cache keeps — applications, keys,
// "not enrolled", account states, passkeys — follows every change another
// Store on the file (as the CLI) commits, at the very next read.
func TestFeedSeesOtherProcess(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	c := follow(t, server)
	if c.Stats().Watch != "wal-index" {
		t.Fatalf("watch %q, want wal-index", c.Stats().Watch)
	}
	ctx := t.Context()
	for range 2 { // the second round comes from memory
		if a, ks, err := c.ApplicationAndKeys(ctx, "wiki.test"); err != nil || !a.Enabled || len(ks) != 1 {
			t.Fatalf("ApplicationAndKeys = %+v, %+v, %v", a, ks, err)
		}
		if st := checkState(t, c); st.Found {
			t.Fatal("found before enrolment")
		}
	}
	if c.Stats().Hits == 0 {
		t.Fatal("nothing came from memory")
	}
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.CreateAccount(ctx, feedAcct) })
	if st := checkState(t, c); !st.Found || st.Grant != nil {
		t.Fatalf("after enrolment by another process: %+v", st)
	}
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		return tx.PutGrant(ctx, store.Grant{ID: "g1", TenantID: "t1", AccountID: "a1", Until: feedT0.Add(time.Hour), Once: true,
			GrantedBy: "cli", CreatedAt: feedT0})
	})
	if st := checkState(t, c); st.Grant == nil || st.Grant.ID != "g1" {
		t.Fatalf("after another process's unlock: %+v", st)
	}
	// This process's own write is seen at once too.
	update(t, server, func(ctx context.Context, tx store.Tx) error {
		ok, err := tx.ConsumeGrant(ctx, "g1", feedT0)
		if !ok {
			t.Error("once grant not consumed")
		}
		return err
	})
	if st := checkState(t, c); st.Grant == nil || st.Grant.ConsumedAt.IsZero() {
		t.Fatalf("after this process consumed the once grant: %+v", st)
	}
	owner := feedOwner
	owner.LockAll = true
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.UpdateMember(ctx, owner) })
	if st := checkState(t, c); st.Owner == nil || !st.Owner.LockAll {
		t.Fatalf("after the owner's lock everything: %+v", st)
	}
	if ps, err := c.Passkeys(ctx, "m1"); err != nil || len(ps) != 0 {
		t.Fatalf("passkeys %+v %v", ps, err)
	}
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		return tx.CreatePasskey(ctx, store.Passkey{ID: "p1", TenantID: "t1", MemberID: "m1", Name: "yubi", Credential: []byte("{}"), CreatedAt: feedT0})
	})
	if ps, err := c.Passkeys(ctx, "m1"); err != nil || len(ps) != 1 {
		t.Fatalf("after another process added a passkey: %+v %v", ps, err)
	}
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		if err := tx.RevokeSigningKey(ctx, "k1", feedT0); err != nil {
			return err
		}
		app := feedApp
		app.Enabled = false
		return tx.UpdateApplication(ctx, app)
	})
	if a, ks, err := c.ApplicationAndKeys(ctx, "wiki.test"); err != nil || a.Enabled || len(ks) != 1 || ks[0].RevokedAt.IsZero() {
		t.Fatalf("after another process revoked the key and disabled the application: %+v, %+v, %v", a, ks, err)
	}
}

// TestFeedWriteChangingNothingCached: a commit that touches nothing the
// cache keeps (here audit records, from this process and another) moves
// the WAL index but not the change counter: the next read costs one
// counter read and still answers from memory, without a drop.
func TestFeedWriteChangingNothingCached(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.CreateAccount(ctx, feedAcct) })
	c := follow(t, server)
	checkState(t, c)
	before := c.Stats()
	hdr, _ := server.feed.shm.header()
	for i := range 3 {
		for _, s := range []*Store{server, cli} {
			update(t, s, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.AppendAudit(ctx, audit.Event{TenantID: "t1", Actor: "test", Action: "test.nothing_cached",
					Target: fmt.Sprintf("round:%d", i)}, feedT0)
				return err
			})
		}
		checkState(t, c)
	}
	if now, _ := server.feed.shm.header(); now == hdr {
		t.Fatal("the audit commits did not move the WAL index")
	}
	after := c.Stats()
	if after.Drops != before.Drops {
		t.Fatalf("writes of nothing cached dropped the cache %d times", after.Drops-before.Drops)
	}
	if after.Hits-before.Hits != 3 || after.Misses != before.Misses {
		t.Fatalf("hits %d → %d, misses %d → %d: want 3 more hits and no miss", before.Hits, after.Hits, before.Misses, after.Misses)
	}
}

// TestFeedCheckpointAndReset: checkpoints, including one that restarts
// the WAL (new salts, mxFrame back to 0), change the WAL index without
// changing data: the cache keeps answering from memory, and a change
// committed after the restart is still seen at once.
func TestFeedCheckpointAndReset(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.CreateAccount(ctx, feedAcct) })
	c := follow(t, server)
	checkState(t, c)
	drops := c.Stats().Drops
	for _, mode := range []string{"PASSIVE", "FULL", "RESTART", "TRUNCATE"} {
		prev := checkState(t, c)
		if _, err := cli.wdb.ExecContext(t.Context(), "PRAGMA wal_checkpoint("+mode+")"); err != nil {
			t.Fatal(err)
		}
		if st := checkState(t, c); !st.Found || (st.Grant == nil) != (prev.Grant == nil) || (st.Grant != nil && *st.Grant != *prev.Grant) {
			t.Fatalf("after checkpoint %s: %+v, before %+v", mode, st.Grant, prev.Grant)
		}
		// The first write after a restart resets the WAL.
		update(t, cli, func(ctx context.Context, tx store.Tx) error {
			return tx.PutGrant(ctx, store.Grant{ID: "g-" + mode, TenantID: "t1", AccountID: "a1", Until: feedT0.Add(time.Hour),
				GrantedBy: "cli", CreatedAt: feedT0})
		})
		if st := checkState(t, c); st.Grant == nil || st.Grant.ID != "g-"+mode {
			t.Fatalf("after checkpoint %s and a grant: %+v", mode, st.Grant)
		}
		update(t, cli, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.RevokeCurrentGrant(ctx, "a1", feedT0)
			return err
		})
		if st := checkState(t, c); st.Grant == nil || st.Grant.RevokedAt.IsZero() {
			t.Fatalf("after checkpoint %s and a revocation: %+v", mode, st.Grant)
		}
	}
	if c.Stats().Drops != drops {
		t.Fatal("named changes dropped the whole cache")
	}
}

// TestFeedWithoutWALIndex: when the WAL index cannot be watched, the feed
// reads the change counter on every poll, says so, and stays correct.
func TestFeedWithoutWALIndex(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	server.feed.why = "not watched in this test"
	c := follow(t, server)
	if w := c.Stats().Watch; w == "wal-index" || w == "" {
		t.Fatalf("watch %q, want the reason for reading SQL", w)
	}
	if st := checkState(t, c); st.Found {
		t.Fatal("found before enrolment")
	}
	checkState(t, c)
	if c.Stats().Hits != 1 {
		t.Fatalf("stats %+v: want one hit", c.Stats())
	}
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.CreateAccount(ctx, feedAcct) })
	if st := checkState(t, c); !st.Found {
		t.Fatal("enrolment by another process not seen")
	}
}

// TestPollNotFollowing: without Follow running, Poll fails, so a cache
// cannot answer from memory.
func TestPollNotFollowing(t *testing.T) {
	server, _ := pair(t)
	if err := server.Poll(t.Context()); err == nil {
		t.Fatal("Poll succeeded with no Follow running")
	}
}

// The per-check cost of learning that nothing changed, three ways: the
// feed's Poll (a WAL-index header compare), the change counter read by SQL
// (what the store did on every check before), and PRAGMA data_version (the
// other per-connection SQL signal). internal/cache/doc.go cites them.
func BenchmarkChangeWatch(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "d.db"), Options{AutoMigrate: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := cache.New(s, cache.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, s); close(done) }()
	defer func() { cancel(); <-done }()
	for !c.Live() {
		time.Sleep(time.Millisecond)
	}
	b.Run("poll", func(b *testing.B) {
		for b.Loop() {
			if err := s.Poll(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, q := range []string{"SELECT version FROM config_version WHERE id = 1", "PRAGMA data_version"} {
		b.Run(strings.Fields(q)[1], func(b *testing.B) {
			conn, err := s.rdb.Conn(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			stmt, err := conn.PrepareContext(b.Context(), q)
			if err != nil {
				b.Fatal(err)
			}
			defer stmt.Close()
			var v int64
			for b.Loop() {
				if err := stmt.QueryRowContext(b.Context()).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestFeedThroughSymlink: a database opened by a symbolic link has its
// -shm beside the real file (SQLite resolves the link); the feed watches
// that one, so it neither falls back to SQL nor watches a stale file left
// at the link's location.
func TestFeedThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real", "d.db")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.db")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	server, err := Open(t.Context(), link, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	cli, err := Open(t.Context(), real, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	// A stale WAL index at the link's location must not be watched.
	if err := os.WriteFile(link+"-shm", make([]byte, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	seedFeed(t, cli)
	c := follow(t, server)
	if w := c.Stats().Watch; w != "wal-index" {
		t.Fatalf("watch %q, want wal-index", w)
	}
	if st := checkState(t, c); st.Found {
		t.Fatal("found before enrolment")
	}
	checkState(t, c) // from memory
	update(t, cli, func(ctx context.Context, tx store.Tx) error { return tx.CreateAccount(ctx, feedAcct) })
	if st := checkState(t, c); !st.Found {
		t.Fatalf("the cache missed another process's enrolment through the link's real file: %+v", st)
	}
}

// TestFeedNamesWhatChanged: another process's change to one account
// (a grant, a lock) forgets that account's state only; the others still
// answer from memory, and nothing drops the whole cache.
func TestFeedNamesWhatChanged(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	bob := feedAcct
	bob.ID, bob.Name = "a2", "bob"
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateAccount(ctx, feedAcct); err != nil {
			return err
		}
		return tx.CreateAccount(ctx, bob)
	})
	c := follow(t, server)
	ctx := t.Context()
	bobState := func() store.CheckState {
		st, err := c.CheckState(ctx, "app1", "bob")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	checkState(t, c)
	bobState()
	before := c.Stats()
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		return tx.PutGrant(ctx, store.Grant{ID: "g1", TenantID: "t1", AccountID: "a1", Until: feedT0.Add(time.Hour),
			GrantedBy: "cli", CreatedAt: feedT0})
	})
	if st := bobState(); !st.Found || st.Grant != nil {
		t.Fatalf("bob after alice's unlock: %+v", st)
	}
	if st := checkState(t, c); st.Grant == nil || st.Grant.ID != "g1" {
		t.Fatalf("alice after her unlock by another process: %+v", st.Grant)
	}
	mid := c.Stats()
	if mid.Drops != before.Drops {
		t.Fatalf("one account's unlock dropped the whole cache (%d drops)", mid.Drops-before.Drops)
	}
	if mid.Hits-before.Hits != 1 || mid.Misses-before.Misses != 1 {
		t.Fatalf("hits +%d, misses +%d: want bob from memory and alice from the store",
			mid.Hits-before.Hits, mid.Misses-before.Misses)
	}
	// This process's own lock of alice is named the same way.
	update(t, server, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.RevokeCurrentGrant(ctx, "a1", feedT0)
		return err
	})
	if st := checkState(t, c); st.Grant == nil || st.Grant.RevokedAt.IsZero() {
		t.Fatalf("alice after this process's lock: %+v", st.Grant)
	}
	bobState()
	if after := c.Stats(); after.Drops != before.Drops || after.Hits-mid.Hits != 1 {
		t.Fatalf("after the lock: drops +%d, hits +%d; want no drop and bob from memory",
			after.Drops-before.Drops, after.Hits-mid.Hits)
	}
}

// TestFeedUnnamedChangesDropAll: when the rows do not account for the
// counter's move — too many changes at once, rows pruned, the counter
// moved by hand — the feed drops everything, and the next answers are
// right.
func TestFeedUnnamedChangesDropAll(t *testing.T) {
	server, cli := pair(t)
	seedFeed(t, cli)
	c := follow(t, server)
	if st := checkState(t, c); st.Found {
		t.Fatal("found before enrolment")
	}
	drops := c.Stats().Drops
	// More changes than one catch-up names: an import.
	update(t, cli, func(ctx context.Context, tx store.Tx) error {
		for i := range maxNamedChanges + 10 {
			a := feedAcct
			a.ID, a.Name = fmt.Sprintf("imp-%d", i), fmt.Sprintf("imported-%d", i)
			if i == 0 {
				a.ID, a.Name = feedAcct.ID, feedAcct.Name
			}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if st := checkState(t, c); !st.Found {
		t.Fatal("enrolment within a bulk import not seen")
	}
	if c.Stats().Drops != drops+1 {
		t.Fatalf("drops %d → %d, want one drop for the bulk import", drops, c.Stats().Drops)
	}
	// The counter moved with no row: by hand, or by an older deadbolt.
	checkState(t, c)
	if _, err := cli.wdb.ExecContext(t.Context(), `UPDATE config_version SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	checkState(t, c)
	if c.Stats().Drops != drops+2 {
		t.Fatalf("a counter moved without a row did not drop the cache (drops %d)", c.Stats().Drops-drops)
	}
	// Only the newest 10 000 rows are kept.
	if _, err := cli.wdb.ExecContext(t.Context(), `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10500)
		INSERT INTO cache_changes (kind, tenant_id) SELECT 'policies', 't1' FROM n`); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := cli.wdb.QueryRowContext(t.Context(), `SELECT count(*) FROM cache_changes`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows > 10000 {
		t.Fatalf("%d change rows kept, want at most 10 000", rows)
	}
	checkState(t, c)
	if c.Stats().Drops != drops+3 {
		t.Fatalf("pruned rows did not drop the cache (drops %d)", c.Stats().Drops-drops)
	}
}
