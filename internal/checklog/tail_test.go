package checklog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// tenantWithApp makes a tenant and an application to hang check records
// on.
func tenantWithApp(t *testing.T, s store.Store) (tenantID, appID string) {
	tn := store.Tenant{ID: ids.New(), Name: "acme-" + ids.New(), CreatedAt: t0}
	app := store.Application{ID: ids.New(), TenantID: tn.ID, Name: "Wiki", Issuer: "https://wiki.acme.test/" + tn.ID,
		Unenrolled: store.UnenrolledDeny, FailMode: "closed", Enabled: true, DefaultUnlock: time.Minute, MaxUnlock: time.Hour, CreatedAt: t0}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.CreateTenant(t.Context(), tn); err != nil {
			return err
		}
		return tx.CreateApplication(t.Context(), app)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID, app.ID
}

func rec(tenantID, appID, account string, at time.Time, locked bool) store.CheckRecord {
	return store.CheckRecord{ID: ids.New(), TenantID: tenantID, AppID: appID, Account: account, At: at, Locked: locked,
		Status: map[bool]string{true: "locked", false: "unlocked"}[locked], IntegrationType: "test"}
}

// drain reads pages as a job would, one transaction each, until the tail
// has nothing more before now's settled end, and returns the IDs read.
func drain(t *testing.T, s store.Store, tail checklog.Tail, tenantID string, now time.Time) []string {
	t.Helper()
	var out []string
	for range 1000 {
		more := false
		err := s.Update(t.Context(), func(tx store.Tx) error {
			p, err := tail.Read(t.Context(), tx, tenantID, tail.Until(now), nil)
			if err != nil {
				return err
			}
			for _, r := range p.Records {
				out = append(out, r.ID)
			}
			more = p.More
			return p.Advance(t.Context(), tx)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return out
		}
	}
	t.Fatal("the tail never ended")
	return nil
}

// TestTailReadsEachRecordOnce, on both backends: pages smaller than the
// instants they cut (five records at one instant, pages of two) give
// every record of the tenant exactly once, in order, across rounds and a
// restart (a new Tail on the same cursor); locked-only tails skip open
// answers; other tenants' records and unsettled ones wait.
func TestTailReadsEachRecordOnce(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			other, otherApp := tenantWithApp(t, s)
			var all, locked []store.CheckRecord
			add := func(r store.CheckRecord) {
				all = append(all, r)
				if r.Locked {
					locked = append(locked, r)
				}
			}
			add(rec(tn, app, "a", t0.Add(time.Second), true))
			for i := range 5 { // one crowded instant
				add(rec(tn, app, fmt.Sprint("crowd", i), t0.Add(2*time.Second), i%2 == 0))
			}
			add(rec(tn, app, "b", t0.Add(3*time.Second), false))
			add(rec(tn, app, "c", t0.Add(3*time.Second), true))
			add(rec(tn, app, "d", t0.Add(4*time.Second), true))
			young := rec(tn, app, "young", t0.Add(10*time.Second), true)
			if err := s.AppendChecks(t.Context(), append(slices.Clone(all), young,
				rec(other, otherApp, "x", t0.Add(2*time.Second), true))); err != nil {
				t.Fatal(err)
			}
			ids := func(rs []store.CheckRecord) []string {
				var out []string
				for _, r := range rs {
					out = append(out, r.ID)
				}
				return out
			}
			now := t0.Add(11 * time.Second) // young is not settled
			every := checklog.Tail{Endpoint: "every", Batch: 2}
			if got := drain(t, s, every, tn, now); !slices.Equal(got, ids(all)) {
				t.Fatalf("every answer: read %v\nwant %v", got, ids(all))
			}
			onlyLocked := checklog.Tail{Endpoint: "locked", Batch: 2, LockedOnly: true}
			if got := drain(t, s, onlyLocked, tn, now); !slices.Equal(got, ids(locked)) {
				t.Fatalf("locked only: read %v\nwant %v", got, ids(locked))
			}
			// Again, and with a new Tail (a restart): nothing twice.
			if got := drain(t, s, checklog.Tail{Endpoint: "every", Batch: 3}, tn, now); len(got) != 0 {
				t.Fatalf("read again: %v", got)
			}
			// Once settled, the young record comes, and only it.
			if got := drain(t, s, every, tn, now.Add(2*time.Second)); !slices.Equal(got, []string{young.ID}) {
				t.Fatalf("after it settled: %v, want %s", got, young.ID)
			}
		})
	}
}

// TestTailWaitsForLateCommits shows why the tail reads by time with a lag
// and not by PostgreSQL's seq: a record whose transaction takes its seq
// first but commits after a later record's is still read, because
// nothing is read until it has settled. A real second transaction holds
// the first record uncommitted while the later one commits.
func TestTailWaitsForLateCommits(t *testing.T) {
	ctx := t.Context()
	s := backends.Postgres(t)
	tn, app := tenantWithApp(t, s)
	first, second := rec(tn, app, "first", t0, true), rec(tn, app, "second", t0.Add(time.Millisecond), true)

	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	slow, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(context.Background())
	if _, err := slow.Exec(ctx, `INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device,
		location, integration_type, policy_id) VALUES ($1, $2, $3, '', $4, $5, true, 'locked', '', '', '', 'test', '')`,
		first.ID, tn, app, first.Account, first.At.UnixNano()); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendChecks(ctx, []store.CheckRecord{second}); err != nil {
		t.Fatal(err)
	}
	var seqFirst, seqSecond int64
	if err := s.Pool().QueryRow(ctx, `SELECT seq FROM check_log WHERE id = $1`, second.ID).Scan(&seqSecond); err != nil {
		t.Fatal(err)
	}
	if err := slow.QueryRow(ctx, `SELECT seq FROM check_log WHERE id = $1`, first.ID).Scan(&seqFirst); err != nil {
		t.Fatal(err)
	}
	if seqFirst >= seqSecond {
		t.Fatalf("seq %d of the first record, %d of the second: want the first taken first", seqFirst, seqSecond)
	}
	tail := checklog.Tail{Endpoint: "siem"}
	// The second record is committed and visible, the first is not: a
	// reader by seq would pass the first now. The tail reads neither yet.
	if got := drain(t, s, tail, tn, second.At.Add(time.Second)); len(got) != 0 {
		t.Fatalf("read %v before the lag", got)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, s, tail, tn, second.At.Add(checklog.DefaultSettle+time.Millisecond)); !slices.Equal(got, []string{first.ID, second.ID}) {
		t.Fatalf("read %v, want %s then %s", got, first.ID, second.ID)
	}
}

// TestTailIdleKeepsCursor, on both backends: a page with no records
// leaves the cursor as it is (no write) while the cursor is less than
// IdleAdvance behind, and moves it to the page's end once it is; a
// locked-only tail whose window holds only open answers counts as idle,
// and a record after idle reads is still read.
func TestTailIdleKeepsCursor(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			tail := checklog.Tail{Endpoint: "lake", LockedOnly: true}
			cursor := func() (v int64) {
				t.Helper()
				if err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					v, err = tx.StreamCursor(t.Context(), "lake", tn, checklog.CursorKind)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return v
			}
			first := rec(tn, app, "alice", t0, true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{first, rec(tn, app, "bob", t0.Add(time.Second), false)}); err != nil {
				t.Fatal(err)
			}
			now := t0.Add(10 * time.Second)
			if got := drain(t, s, tail, tn, now); !slices.Equal(got, []string{first.ID}) {
				t.Fatalf("first read %v, want %v", got, []string{first.ID})
			}
			moved := cursor()
			if moved != tail.Until(now).UnixNano() {
				t.Fatalf("cursor %d after a page with records, want %d", moved, tail.Until(now).UnixNano())
			}
			for _, at := range []time.Duration{time.Second, time.Minute, checklog.IdleAdvance - time.Second} {
				if got := drain(t, s, tail, tn, now.Add(at)); len(got) != 0 {
					t.Fatalf("idle read at +%v: %v", at, got)
				}
				if c := cursor(); c != moved {
					t.Fatalf("idle read at +%v moved the cursor %d → %d", at, moved, c)
				}
			}
			later := now.Add(checklog.IdleAdvance)
			if got := drain(t, s, tail, tn, later); len(got) != 0 {
				t.Fatalf("idle read at +IdleAdvance: %v", got)
			}
			if c := cursor(); c != tail.Until(later).UnixNano() {
				t.Fatalf("cursor %d after IdleAdvance idle, want %d", c, tail.Until(later).UnixNano())
			}
			last := rec(tn, app, "carol", later, true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{last}); err != nil {
				t.Fatal(err)
			}
			if got := drain(t, s, tail, tn, later.Add(10*time.Second)); !slices.Equal(got, []string{last.ID}) {
				t.Fatalf("read after idle %v, want %v", got, []string{last.ID})
			}
		})
	}
}
