package checklog_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
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

func idsOf(rs ...store.CheckRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// drain reads pages as a job would, one transaction each, at the job's
// time now, until the tail has nothing more, and returns the IDs read.
func drain(t *testing.T, s store.Store, tail checklog.Tail, tenantID string, now time.Time) []string {
	t.Helper()
	var out []string
	for range 1000 {
		more := false
		err := s.Update(t.Context(), func(tx store.Tx) error {
			p, err := tail.Read(t.Context(), tx, tenantID, now, nil)
			if err != nil {
				return err
			}
			out = append(out, idsOf(p.Records...)...)
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

func cursorOf(t *testing.T, s store.Store, endpoint, tenantID string) (v int64) {
	t.Helper()
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		var err error
		v, err = tx.StreamCursor(t.Context(), endpoint, tenantID, checklog.CursorKind)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTailReadsEachRecordOnce, on both backends: pages smaller than the
// commit positions they cut (five records in one batch, one PostgreSQL
// transaction, pages of two) give every record of the tenant exactly
// once, in commit order, across rounds and a restart (a new Tail on the
// same cursor); locked-only tails skip open answers; other tenants'
// records are left out; and a record is read as soon as it is committed,
// whatever its time.
func TestTailReadsEachRecordOnce(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			other, otherApp := tenantWithApp(t, s)
			var all, locked []store.CheckRecord
			batch := func(rs ...store.CheckRecord) {
				t.Helper()
				if err := s.AppendChecks(t.Context(), rs); err != nil {
					t.Fatal(err)
				}
				for _, r := range rs {
					if r.TenantID != tn {
						continue
					}
					all = append(all, r)
					if r.Locked {
						locked = append(locked, r)
					}
				}
			}
			batch(rec(tn, app, "a", t0.Add(time.Second), true))
			var crowd []store.CheckRecord
			for i := range 5 { // one crowded batch
				crowd = append(crowd, rec(tn, app, fmt.Sprint("crowd", i), t0.Add(2*time.Second), i%2 == 0))
			}
			batch(crowd...)
			batch(rec(tn, app, "b", t0.Add(3*time.Second), false), rec(other, otherApp, "x", t0.Add(2*time.Second), true),
				rec(tn, app, "c", t0.Add(3*time.Second), true))
			batch(rec(tn, app, "d", t0.Add(-time.Minute), true)) // a clock behind: its time before the others'
			storetest.AwaitCommitted(t, s)
			now := t0.Add(4 * time.Second)
			every := checklog.Tail{Endpoint: "every", Batch: 2, Idle: &checklog.IdleCursors{}}
			if got := drain(t, s, every, tn, now); !slices.Equal(got, idsOf(all...)) {
				t.Fatalf("every answer: read %v\nwant %v", got, idsOf(all...))
			}
			onlyLocked := checklog.Tail{Endpoint: "locked", Batch: 2, LockedOnly: true}
			if got := drain(t, s, onlyLocked, tn, now); !slices.Equal(got, idsOf(locked...)) {
				t.Fatalf("locked only: read %v\nwant %v", got, idsOf(locked...))
			}
			// Again, and with a new Tail (a restart): nothing twice.
			if got := drain(t, s, every, tn, now); len(got) != 0 {
				t.Fatalf("read again: %v", got)
			}
			if got := drain(t, s, checklog.Tail{Endpoint: "every", Batch: 3}, tn, now); len(got) != 0 {
				t.Fatalf("read again after a restart: %v", got)
			}
			// A record committed now comes at once, and only it.
			young := rec(tn, app, "young", now, true)
			batch(young)
			storetest.AwaitCommitted(t, s)
			if got := drain(t, s, every, tn, now); !slices.Equal(got, idsOf(young)) {
				t.Fatalf("after a new record: %v, want %s", got, young.ID)
			}
		})
	}
}

// TestTailReadsLateRecords, on both backends: a record whose time is ten
// minutes before now (a node whose clock is behind, or a batch that
// stalled) but which is committed after the cursor moved past records of
// a later time is still read, exactly once — reading by time, it fell
// behind the cursor and was never read.
func TestTailReadsLateRecords(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			tail := checklog.Tail{Endpoint: "siem", Idle: &checklog.IdleCursors{}}
			now := t0.Add(time.Hour)
			first := rec(tn, app, "first", now.Add(-time.Second), true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{first}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			if got := drain(t, s, tail, tn, now); !slices.Equal(got, idsOf(first)) {
				t.Fatalf("first read %v, want %v", got, idsOf(first))
			}
			late := rec(tn, app, "late", now.Add(-10*time.Minute), true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{late}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			now = now.Add(time.Minute)
			if got := drain(t, s, tail, tn, now); !slices.Equal(got, idsOf(late)) {
				t.Fatalf("after the late record: read %v, want %v", got, idsOf(late))
			}
			if got := drain(t, s, checklog.Tail{Endpoint: "siem"}, tn, now.Add(checklog.IdleAdvance)); len(got) != 0 {
				t.Fatalf("read again after a restart: %v", got)
			}
		})
	}
}

// TestTailWaitsForOpenTransactions shows why the tail reads PostgreSQL's
// check log by transaction below the snapshot's xmin and not by seq nor by
// time. Real transactions on their own connections: early inserts its
// record first, then held inserts one dated ten minutes back (a node whose
// clock is behind) and stays open while early commits and is read, and
// while a later batch commits; the tail reads past early, but not past
// held's transaction, however long the job's clock runs (well past the
// old 2 s settle lag, without sleeping); once held commits, its record
// and the later batch's come, in commit order, once.
func TestTailWaitsForOpenTransactions(t *testing.T) {
	ctx := t.Context()
	s := backends.Postgres(t)
	tn, app := tenantWithApp(t, s)
	tail := checklog.Tail{Endpoint: "siem", Idle: &checklog.IdleCursors{}}
	now := t0.Add(time.Hour)
	early, held, later := rec(tn, app, "early", now, true), rec(tn, app, "held", now.Add(-10*time.Minute), true), rec(tn, app, "later", now, true)
	begin := func(r store.CheckRecord) pgx.Tx {
		t.Helper()
		conn, err := s.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(conn.Release)
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback(context.Background()) })
		insert(t, tx, r)
		return tx
	}
	earlyTx := begin(early)
	heldTx := begin(held)
	if err := earlyTx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	awaitPast(t, s, early)
	if got := drain(t, s, tail, tn, now); !slices.Equal(got, idsOf(early)) {
		t.Fatalf("with held open: read %v, want %v", got, idsOf(early))
	}
	if err := s.AppendChecks(ctx, []store.CheckRecord{later}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{time.Second, 3 * time.Second, 10 * time.Minute, time.Hour} {
		if got := drain(t, s, tail, tn, now.Add(d)); len(got) != 0 {
			t.Fatalf("with held open, at +%v: read %v", d, got)
		}
	}
	if err := heldTx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.AwaitCommitted(t, s)
	if got := drain(t, s, tail, tn, now.Add(time.Hour)); !slices.Equal(got, idsOf(held, later)) {
		t.Fatalf("after held committed: read %v, want %v", got, idsOf(held, later))
	}
	if got := drain(t, s, checklog.Tail{Endpoint: "siem"}, tn, now.Add(2*time.Hour)); len(got) != 0 {
		t.Fatalf("read again after a restart: %v", got)
	}
}

// insert writes r in tx, as AppendChecks would, on a transaction of the
// test's own.
func insert(t *testing.T, tx pgx.Tx, r store.CheckRecord) {
	t.Helper()
	if _, err := tx.Exec(t.Context(), `INSERT INTO check_log (id, tenant_id, app_id, kid, account, at, locked, status, ip, device,
		location, integration_type, policy_id) VALUES ($1, $2, $3, '', $4, $5, $6, $7, '', '', '', 'test', '')`,
		r.ID, r.TenantID, r.AppID, r.Account, r.At.UnixNano(), r.Locked, r.Status); err != nil {
		t.Fatal(err)
	}
}

// awaitPast waits until r is below the commit horizon (another test's
// transaction may hold it back for a while), without reading it through
// a cursor.
func awaitPast(t *testing.T, s *postgres.Store, r store.CheckRecord) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		p, err := s.CommittedChecks(t.Context(), r.TenantID, false, store.CommitPosition{Pos: math.MinInt64}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(p.Records, func(c store.CheckRecord) bool { return c.ID == r.ID }) {
			return
		}
	}
	t.Fatalf("record %s never came below the horizon", r.ID)
}

// TestTailIdleKeepsCursor, on both backends: a page with no records
// leaves the stored cursor as it is (no write) until it has stood still
// for IdleAdvance, and then moves it to the horizon if the log moved on
// (here with another tenant's records); a locked-only tail whose records
// are only open answers counts as idle; a record after idle reads is
// still read, also by a reader that restarted in between.
func TestTailIdleKeepsCursor(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			other, otherApp := tenantWithApp(t, s)
			tail := checklog.Tail{Endpoint: "lake", LockedOnly: true, Idle: &checklog.IdleCursors{}}
			first := rec(tn, app, "alice", t0, true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{first, rec(tn, app, "bob", t0.Add(time.Second), false)}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			now := t0.Add(10 * time.Second)
			if got := drain(t, s, tail, tn, now); !slices.Equal(got, idsOf(first)) {
				t.Fatalf("first read %v, want %v", got, idsOf(first))
			}
			moved := cursorOf(t, s, "lake", tn)
			if moved == 0 || store.PositionIsTime(moved) {
				t.Fatalf("cursor %d after a page with records, want a commit position", moved)
			}
			for i, at := range []time.Duration{time.Second, time.Minute, checklog.IdleAdvance - time.Second} {
				// The log moves on: another tenant's records, and this
				// tenant's open answers.
				if err := s.AppendChecks(t.Context(), []store.CheckRecord{rec(other, otherApp, "x", now.Add(at), true),
					rec(tn, app, fmt.Sprint("open", i), now.Add(at), false)}); err != nil {
					t.Fatal(err)
				}
				storetest.AwaitCommitted(t, s)
				if got := drain(t, s, tail, tn, now.Add(at)); len(got) != 0 {
					t.Fatalf("idle read at +%v: %v", at, got)
				}
				if c := cursorOf(t, s, "lake", tn); c != moved {
					t.Fatalf("idle read at +%v moved the cursor %d → %d", at, moved, c)
				}
			}
			later := now.Add(checklog.IdleAdvance)
			if got := drain(t, s, tail, tn, later); len(got) != 0 {
				t.Fatalf("idle read at +IdleAdvance: %v", got)
			}
			idle := cursorOf(t, s, "lake", tn)
			if idle <= moved {
				t.Fatalf("cursor %d after IdleAdvance idle, want it moved on from %d", idle, moved)
			}
			if got := drain(t, s, tail, tn, later.Add(time.Second)); len(got) != 0 || cursorOf(t, s, "lake", tn) != idle {
				t.Fatalf("idle read right after the idle write: read %v, cursor %d, want none and %d", got, cursorOf(t, s, "lake", tn), idle)
			}
			last := rec(tn, app, "carol", later, true)
			if err := s.AppendChecks(t.Context(), []store.CheckRecord{last}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			restarted := checklog.Tail{Endpoint: "lake", LockedOnly: true}
			if got := drain(t, s, restarted, tn, later.Add(10*time.Second)); !slices.Equal(got, idsOf(last)) {
				t.Fatalf("read after idle %v, want %v", got, idsOf(last))
			}
		})
	}
}

// TestTailUpgradesTimeCursor, on both backends: a cursor an earlier
// deadbolt wrote holds a check time T, and the records written before the
// upgrade have no commit position of their own on PostgreSQL (xid 0, as
// migration 0024 leaves them; here set so by hand). The first read starts
// at the commit position of T — the first record written with a time at
// or after T — and writes the cursor as a commit position at once. So the
// records at or after T are read, once; a record before T written after
// that first one (out of time order: a clock behind, a stalled batch) is
// read too, possibly again; the records before it are not read again; and
// records written after the upgrade, whatever their time, follow.
func TestTailUpgradesTimeCursor(t *testing.T) {
	for _, b := range backends.All {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			s := b.Open(t)
			tn, app := tenantWithApp(t, s)
			cut := t0.Add(time.Hour) // the old cursor
			read := rec(tn, app, "read", cut.Add(-2*time.Second), true)
			after := rec(tn, app, "after", cut.Add(time.Second), true)
			behind := rec(tn, app, "behind", cut.Add(-time.Second), true)
			next := rec(tn, app, "next", cut.Add(3*time.Second), true)
			for _, r := range []store.CheckRecord{read, after, behind, next} {
				if err := s.AppendChecks(ctx, []store.CheckRecord{r}); err != nil {
					t.Fatal(err)
				}
			}
			if pg, ok := s.(*postgres.Store); ok {
				if _, err := pg.Pool().Exec(ctx, `UPDATE check_log SET xid = '0' WHERE tenant_id = $1`, tn); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Update(ctx, func(tx store.Tx) error {
				return tx.SetStreamCursor(ctx, "siem", tn, checklog.CursorKind, cut.UnixNano())
			}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			tail := checklog.Tail{Endpoint: "siem", Batch: 2, Idle: &checklog.IdleCursors{}}
			now := cut.Add(time.Minute)
			if got := drain(t, s, tail, tn, now); !slices.Equal(got, idsOf(after, behind, next)) {
				t.Fatalf("first read after the upgrade: %v, want %v", got, idsOf(after, behind, next))
			}
			if c := cursorOf(t, s, "siem", tn); store.PositionIsTime(c) {
				t.Fatalf("cursor %d after the first read: still a time", c)
			}
			skewed := rec(tn, app, "skewed", cut.Add(-10*time.Minute), true)
			if err := s.AppendChecks(ctx, []store.CheckRecord{skewed}); err != nil {
				t.Fatal(err)
			}
			storetest.AwaitCommitted(t, s)
			if got := drain(t, s, checklog.Tail{Endpoint: "siem", Batch: 2}, tn, now); !slices.Equal(got, idsOf(skewed)) {
				t.Fatalf("after the upgrade and a restart: %v, want %v", got, idsOf(skewed))
			}

			// An idle tenant's time cursor is converted, and written,
			// on its first read too.
			idle, _ := tenantWithApp(t, s)
			if err := s.Update(ctx, func(tx store.Tx) error {
				return tx.SetStreamCursor(ctx, "siem", idle, checklog.CursorKind, cut.UnixNano())
			}); err != nil {
				t.Fatal(err)
			}
			if got := drain(t, s, tail, idle, now); len(got) != 0 {
				t.Fatalf("idle tenant: read %v", got)
			}
			if c := cursorOf(t, s, "siem", idle); store.PositionIsTime(c) {
				t.Fatalf("idle tenant's cursor %d after its first read: still a time", c)
			}
		})
	}
}
