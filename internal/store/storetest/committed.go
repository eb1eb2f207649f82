package storetest

import (
	"math"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// AwaitCommitted returns once every check record written before the call
// is below the check log's commit horizon (store.CommitPage.Horizon), so
// that CommittedChecks reads it. On SQLite that is at once. On PostgreSQL
// any write transaction still open anywhere in the cluster (another test
// package's, on a shared server) holds the horizon back, and no statement
// waits for it to pass: this writes a marker record of a tenant of its
// own and reads until the marker comes, polling. It waits for a state,
// never for a time, and fails the test after two minutes.
func AwaitCommitted(t testing.TB, s interface {
	store.CheckLogAppender
	store.CheckLogReader
}) {
	t.Helper()
	ctx := t.Context()
	marker := store.CheckRecord{ID: newID("marker"), TenantID: newID("marker-tenant"), AppID: newID("app"), Account: "marker",
		At: time.Now().UTC(), Status: "unlocked", IntegrationType: "test"}
	if err := s.AppendChecks(ctx, []store.CheckRecord{marker}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		p, err := s.CommittedChecks(ctx, marker.TenantID, false, store.CommitPosition{Pos: math.MinInt64, Seq: math.MinInt64}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Records) == 1 {
			return
		}
	}
	t.Fatal("the check log's commit horizon did not pass a committed record in two minutes")
}

// commitPages reads a tenant's records in commit order from the position
// from on, limit a page, as a cursor would, and returns them with their
// positions and the last page's horizon.
func commitPages(t *testing.T, read func(after store.CommitPosition) (store.CommitPage, error), from int64) ([]store.CheckRecord, []store.CommitPosition, int64) {
	t.Helper()
	var recs []store.CheckRecord
	var pos []store.CommitPosition
	after := store.CommitPosition{Pos: from, Seq: math.MinInt64}
	for range 20 {
		p, err := read(after)
		must(t, "CommittedChecks", err)
		if len(p.Records) != len(p.Positions) {
			t.Fatalf("CommittedChecks: %d records, %d positions", len(p.Records), len(p.Positions))
		}
		for i, q := range p.Positions {
			if q.Pos >= p.Horizon || q.Pos < after.Pos || q.Pos == after.Pos && q.Seq <= after.Seq {
				t.Fatalf("CommittedChecks after %+v: position %+v of record %d (horizon %d)", after, q, i, p.Horizon)
			}
			after = q
		}
		recs, pos = append(recs, p.Records...), append(pos, p.Positions...)
		if len(p.Records) == 0 {
			return recs, pos, p.Horizon
		}
	}
	t.Fatal("CommittedChecks never ended")
	return nil, nil, 0
}

// testCommittedChecks: a tenant's records (the locked ones only, when
// asked), of all its applications, come in commit order — batch by batch,
// each batch's in the order written, whatever their times — paged by
// position and below the horizon; other tenants' records are left out; a
// record committed later than others, with a time far before theirs,
// comes after them, past a cursor that had passed them; and
// CheckCommitPosition starts a reader at a time.
func testCommittedChecks(t *testing.T, s store.Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	second := w
	second.app = newApp(w.tenant.ID, t0)
	update(t, s, func(tx store.Tx) error { return tx.CreateApplication(ctx, second.app) })
	other := newWorld(t, s)
	kid := keysOf(t, s, w, 1)[0].KID
	a := newCheck(w, kid, "alice", at(3*time.Minute), true)
	b := newCheck(second, kid, "bob", at(time.Minute), false)
	c := newCheck(w, kid, "carol", at(2*time.Minute), true)
	d := newCheck(second, kid, "dave", at(-10*time.Minute), true) // a node whose clock is behind
	e := newCheck(w, kid, "erin", at(5*time.Minute), true)
	elsewhere := newCheck(other, kid, "alice", at(4*time.Minute), true)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{a, b, c}))
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{elsewhere, d}))
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{e}))
	AwaitCommitted(t, s)

	start, err := s.CheckCommitPosition(ctx, w.tenant.ID, time.Time{})
	must(t, "CheckCommitPosition", err)
	read := func(lockedOnly bool, limit int) func(store.CommitPosition) (store.CommitPage, error) {
		return func(after store.CommitPosition) (store.CommitPage, error) {
			return s.CommittedChecks(ctx, w.tenant.ID, lockedOnly, after, limit)
		}
	}
	got, pos, horizon := commitPages(t, read(false, 2), start)
	same(t, "CommittedChecks, every answer, two a page", got, []store.CheckRecord{a, b, c, d, e})
	if pos[0].Pos != pos[2].Pos && pos[0].Pos+2 != pos[2].Pos || pos[2].Pos >= pos[3].Pos || pos[3].Pos >= pos[4].Pos {
		t.Errorf("positions %+v: want one batch's positions before the next batch's", pos)
	}
	got, _, _ = commitPages(t, read(true, 3), start)
	same(t, "CommittedChecks, locked only, three a page", got, []store.CheckRecord{a, c, d, e})
	update(t, s, func(tx store.Tx) error {
		p, err := tx.CommittedChecks(ctx, w.tenant.ID, true, store.CommitPosition{Pos: start, Seq: math.MinInt64}, 100)
		same(t, "CommittedChecks in a Tx", p.Records, []store.CheckRecord{a, c, d, e})
		return err
	})

	// A record from the past, committed after the reader passed the
	// others: it comes past the horizon the reader stopped at, alone.
	late := newCheck(w, kid, "frank", at(-time.Hour), true)
	must(t, "AppendChecks", s.AppendChecks(ctx, []store.CheckRecord{late}))
	AwaitCommitted(t, s)
	got, _, _ = commitPages(t, read(false, 2), horizon)
	same(t, "CommittedChecks past the horizon, after a late record", got, []store.CheckRecord{late})

	// The commit position of a time: the first position with a record at
	// or after it. Records before the time at later positions come too;
	// earlier positions do not, whatever their records' times.
	for _, tt := range []struct {
		at   time.Time
		want []store.CheckRecord
	}{
		{at(2 * time.Minute), []store.CheckRecord{a, b, c, d, e, late}},
		{at(4 * time.Minute), []store.CheckRecord{e, late}},
		{at(-2 * time.Hour), []store.CheckRecord{a, b, c, d, e, late}},
		{at(time.Hour), nil},
	} {
		p, err := s.CheckCommitPosition(ctx, w.tenant.ID, tt.at)
		must(t, "CheckCommitPosition", err)
		update(t, s, func(tx store.Tx) error {
			q, err := tx.CheckCommitPosition(ctx, w.tenant.ID, tt.at)
			if q < p {
				t.Errorf("CheckCommitPosition of %v in a Tx: %d, before %d outside it", tt.at, q, p)
			}
			return err
		})
		got, _, _ := commitPages(t, read(false, 2), p)
		same(t, "records from the commit position of "+tt.at.String(), got, tt.want)
	}

	_, err = s.CommittedChecks(ctx, w.tenant.ID, false, store.CommitPosition{}, 0)
	wantKind(t, "CommittedChecks with limit 0", err, store.ErrInvalid)
}
