package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestConfigCacheSeesOtherProcesses: the server caches applications and
// keys, and a change made through another Store on the same file (as the
// CLI makes it) is seen by the very next lookup.
func TestConfigCacheSeesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	server, err := Open(ctx, path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	app := store.Application{ID: "app1", TenantID: "t1", Name: "Wiki", Issuer: "wiki.test", Unenrolled: "allow",
		FailMode: "closed", Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: now, UpdatedAt: now}
	key := store.SigningKey{KID: "k1", AppID: "app1", TenantID: "t1", Algorithm: store.AlgHS256, SealedSecret: []byte{1}, CreatedAt: now}
	if err := cli.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "acme", CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateApplication(ctx, app); err != nil {
			return err
		}
		return tx.CreateSigningKey(ctx, key)
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second round comes from memory
		if a, ks, err := server.ApplicationAndKeys(ctx, "wiki.test"); err != nil || !a.Enabled || len(ks) != 1 {
			t.Fatalf("ApplicationAndKeys = %+v, %+v, %v", a, ks, err)
		}
		if a, err := server.ApplicationByIssuer(ctx, "wiki.test"); err != nil || !a.Enabled {
			t.Fatalf("ApplicationByIssuer = %+v, %v", a, err)
		}
		if ks, err := server.SigningKeys(ctx, "app1"); err != nil || len(ks) != 1 || !ks[0].RevokedAt.IsZero() {
			t.Fatalf("SigningKeys = %+v, %v", ks, err)
		}
	}
	if err := cli.Update(ctx, func(tx store.Tx) error {
		if err := tx.RevokeSigningKey(ctx, "k1", now); err != nil {
			return err
		}
		app.Enabled = false
		return tx.UpdateApplication(ctx, app)
	}); err != nil {
		t.Fatal(err)
	}
	if ks, _ := server.SigningKeys(ctx, "app1"); len(ks) != 1 || ks[0].RevokedAt.IsZero() {
		t.Fatalf("a key revoked by another process is still served active: %+v", ks)
	}
	if a, ks, err := server.ApplicationAndKeys(ctx, "wiki.test"); err != nil || a.Enabled || len(ks) != 1 || ks[0].RevokedAt.IsZero() {
		t.Fatalf("ApplicationAndKeys after another process's change = %+v, %+v, %v", a, ks, err)
	}
	if a, _ := server.ApplicationByIssuer(ctx, "wiki.test"); a.Enabled {
		t.Fatal("an application disabled by another process is still served enabled")
	}
	// Key use does not invalidate (the check log writes it constantly).
	v1, _ := server.configVersion(ctx)
	if err := server.AppendChecks(ctx, []store.CheckRecord{{ID: "c1", TenantID: "t1", AppID: "app1", KID: "k1",
		Account: "a", At: now, Status: "locked"}}); err != nil {
		t.Fatal(err)
	}
	if v2, _ := server.configVersion(ctx); v2 != v1 {
		t.Fatalf("recording key use bumped the config version %d → %d", v1, v2)
	}
}

// TestAppendChecksInChunks writes batches around the chunk size: every
// record lands, and a bad record in the last chunk rolls back the batch.
func TestAppendChecksInChunks(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "d.db"), Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	rec := func(batch, i int) store.CheckRecord {
		return store.CheckRecord{ID: fmt.Sprintf("b%d-%d", batch, i), TenantID: "t", AppID: "a", Account: "u", At: now, Status: "locked"}
	}
	for _, n := range []int{checkChunk - 1, checkChunk, 2*checkChunk + 3} {
		recs := make([]store.CheckRecord, n)
		for i := range recs {
			recs[i] = rec(n, i)
		}
		if err := s.AppendChecks(ctx, recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if _, err := s.CheckRecord(ctx, r.ID); err != nil {
				t.Fatalf("batch of %d: %s missing: %v", n, r.ID, err)
			}
		}
	}
	bad := make([]store.CheckRecord, 2*checkChunk)
	for i := range bad {
		bad[i] = rec(99, i)
	}
	bad[len(bad)-1].ID = bad[0].ID // duplicate key in the second chunk
	if err := s.AppendChecks(ctx, bad); err == nil {
		t.Fatal("a batch with a duplicate ID was accepted")
	}
	if _, err := s.CheckRecord(ctx, bad[1].ID); err == nil {
		t.Fatal("a failed batch left records behind")
	}
}

// TestCachedCheckStateSeesEveryChange: account state served from memory
// follows every change to the account, its grant or its owner, made by
// this store or by another one on the same file (the CLI), at once; the
// check log does not empty the cache.
func TestCachedCheckStateSeesEveryChange(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	server, err := Open(ctx, path, Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	cli, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	app := store.Application{ID: "app1", TenantID: "t1", Name: "Wiki", Issuer: "wiki.test", Unenrolled: "allow",
		FailMode: "closed", Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: now, UpdatedAt: now}
	owner := store.Member{ID: "m1", TenantID: "t1", Email: "a@x.test", Role: store.RoleMember, CreatedAt: now, UpdatedAt: now}
	acct := store.Account{ID: "a1", TenantID: "t1", AppID: "app1", Name: "alice", OwnerID: "m1", CreatedAt: now, UpdatedAt: now}
	update := func(s *Store, fn func(tx store.Tx) error) {
		t.Helper()
		if err := s.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	state := func() store.CheckState {
		t.Helper()
		st, err := server.CheckState(ctx, "app1", "alice")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	update(cli, func(tx store.Tx) error {
		tx.CreateTenant(ctx, store.Tenant{ID: "t1", Name: "acme", CreatedAt: now})
		tx.CreateApplication(ctx, app)
		return tx.CreateMember(ctx, owner)
	})
	if st := state(); st.Found {
		t.Fatal("found before enrolment")
	}
	update(cli, func(tx store.Tx) error { return tx.CreateAccount(ctx, acct) })
	if st := state(); !st.Found || st.Grant != nil {
		t.Fatalf("after enrolment by another process: %+v", st)
	}
	g := store.Grant{ID: "g1", TenantID: "t1", AccountID: "a1", Until: now.Add(time.Hour), Once: true, GrantedBy: "cli", CreatedAt: now}
	update(cli, func(tx store.Tx) error { return tx.PutGrant(ctx, g) })
	if st := state(); st.Grant == nil || st.Grant.ID != "g1" || !st.Grant.ConsumedAt.IsZero() {
		t.Fatalf("after another process's unlock: %+v", st)
	}
	// The check log does not empty the cache, and serves the same answer.
	server.AppendChecks(ctx, []store.CheckRecord{{ID: "c1", TenantID: "t1", AppID: "app1", Account: "alice", At: now, Status: "unlocked"}})
	update(server, func(tx store.Tx) error {
		ok, err := tx.ConsumeGrant(ctx, "g1", now)
		if !ok {
			t.Error("once grant not consumed")
		}
		return err
	})
	if st := state(); st.Grant == nil || st.Grant.ConsumedAt.IsZero() {
		t.Fatalf("after this process consumed the once grant: %+v", st)
	}
	owner.LockAll = true
	update(cli, func(tx store.Tx) error { return tx.UpdateMember(ctx, owner) })
	if st := state(); st.Owner == nil || !st.Owner.LockAll {
		t.Fatalf("after the owner's lock everything: %+v", st)
	}
	// A caller changing its copy does not change the cache.
	st := state()
	st.Owner.LockAll = false
	if !state().Owner.LockAll {
		t.Fatal("the cached state was changed through a returned copy")
	}
}
