package trail

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// trailFile writes n audit events of one tenant to a real SQLite file, with
// pages of 4 records, and returns the store, the tenant's ID and a plain
// connection to tamper with the file.
func trailFile(t *testing.T, n int) (*sqlite.Store, string, *sql.DB) {
	t.Helper()
	pageSize = 4
	t.Cleanup(func() { pageSize = Page })
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tenant := storetest.AuditTrail(t, s, n, nil)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return s, tenant.ID, db
}

// TestReadAheadGivesEachRecordOnce: pages read ahead in parallel give
// exactly what one page after another would, every record once and in
// order, with what prepare made of each record beside it, on a sound
// chain and on one with rows deleted from a real SQLite file (gaps make
// pages overlap).
func TestReadAheadGivesEachRecordOnce(t *testing.T) {
	ctx := context.Background()
	s, tenant, db := trailFile(t, 30)
	read := func(rd Reading) []int64 {
		var seqs []int64
		prepare := func(page []audit.Record) []int64 {
			out := make([]int64, len(page))
			for i, r := range page {
				out[i] = -r.Seq
			}
			return out
		}
		if err := readPages(ctx, s, rd, tenant, prepare, func(page []audit.Record, prepared []int64) error {
			for i, r := range page {
				if prepared[i] != -r.Seq {
					t.Fatalf("seq %d was given what prepare made of seq %d", r.Seq, -prepared[i])
				}
				seqs = append(seqs, r.Seq)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	want := make([]int64, 0, 30)
	for i := int64(1); i <= 30; i++ {
		want = append(want, i)
	}
	for _, rd := range []Reading{OneByOne, {Ahead: 2}, {Ahead: 5}} {
		if got := read(rd); !slices.Equal(got, want) {
			t.Fatalf("sound chain, %+v: read %v, want %v", rd, got, want)
		}
	}
	deleted := []int64{3, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 28}
	for _, seq := range deleted {
		if _, err := db.Exec(`DELETE FROM audit_log WHERE seq = ?`, seq); err != nil {
			t.Fatal(err)
		}
	}
	want = slices.DeleteFunc(want, func(seq int64) bool { return slices.Contains(deleted, seq) })
	for _, rd := range []Reading{OneByOne, {Ahead: 2}, {Ahead: 5}} {
		if got := read(rd); !slices.Equal(got, want) {
			t.Fatalf("chain with gaps, %+v: read %v, want %v", rd, got, want)
		}
	}
}

// TestVerifyNamesTheEarlierOfTwoBadRecords: records hashed on several
// goroutines at once (pages of 4, read 5 at a time) still end in the
// first bad record by seq, whichever page was hashed first: with two
// changed records, the earlier is named; with a gap before a changed
// record, the gap is.
func TestVerifyNamesTheEarlierOfTwoBadRecords(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tamper []string
		seq    int64
		fault  audit.Fault
	}{
		{"two changed records", []string{
			`UPDATE audit_log SET target = 'account:x' WHERE seq = 23`,
			`UPDATE audit_log SET target = 'account:y' WHERE seq = 9`}, 9, audit.FaultHash},
		{"a gap before a changed record", []string{
			`UPDATE audit_log SET actor = 'member:m' WHERE seq = 30`,
			`DELETE FROM audit_log WHERE seq IN (14, 15)`}, 16, audit.FaultGap},
		{"a changed record before a gap", []string{
			`DELETE FROM audit_log WHERE seq = 26`,
			`UPDATE audit_log SET data = '{"x":1}' WHERE seq = 5`}, 5, audit.FaultHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, tenant, db := trailFile(t, 40)
			for _, q := range tc.tamper {
				if _, err := db.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			for _, rd := range []Reading{OneByOne, {Ahead: 2}, {Ahead: 5}} {
				res, err := Verify(ctx, s, rd, tenant, nil, nil, nil)
				var brk *audit.Break
				if !errors.As(err, &brk) {
					t.Fatalf("%+v: verify gave %v, want a break", rd, err)
				}
				if brk.Seq != tc.seq || brk.Fault != tc.fault {
					t.Fatalf("%+v: verify named seq %d (%s), want seq %d (%s)", rd, brk.Seq, brk.Fault, tc.seq, tc.fault)
				}
				if res.Events != tc.seq-1 && tc.fault == audit.FaultHash {
					t.Fatalf("%+v: %d records counted good before seq %d", rd, res.Events, tc.seq)
				}
			}
		})
	}
}
