package trail_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
	"github.com/deadbolt-dev/deadbolt/internal/trail"
)

// TestNewestWalksBackOnce: paging with Newest gives every selected record
// once, newest first, on a real SQLite file, also after rows were deleted
// in the middle (gaps) and when a page's scan bound stops it short.
func TestNewestWalksBackOnce(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "d.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tenant := storetest.AuditTrail(t, s, 1300, func(i int) string {
		if i%3 == 0 {
			return "account.unlocked"
		}
		return "account.locked"
	})
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE seq BETWEEN 700 AND 760 OR seq = 1299`); err != nil {
		t.Fatal(err)
	}
	all, err := s.AuditRecords(ctx, tenant.ID, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []audit.Filter{{}, {Action: "account.unlocked"}, {Target: "account:1*"}} {
		var want []int64
		for _, r := range slices.Backward(all) {
			if f.Match(r) {
				want = append(want, r.Seq)
			}
		}
		for _, scan := range []int{100000, 600} {
			var got []int64
			var before int64
			for pages := 0; pages < 1000; pages++ {
				recs, next, err := trail.Newest(ctx, s, tenant.ID, f, before, 37, scan)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					got = append(got, r.Seq)
				}
				if next == 0 {
					break
				}
				before = next
			}
			if !slices.Equal(got, want) {
				t.Fatalf("filter %+v, scan %d: %d records, want %d (first %v, want %v)", f, scan, len(got), len(want), got[:min(5, len(got))], want[:5])
			}
		}
	}
}
