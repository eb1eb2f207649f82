package trail_test

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
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
	tenant := store.Tenant{ID: "0193a4b2-0000-7000-8000-000000000001", Name: "acme", CreatedAt: time.Now().UTC()}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		for i := range 1300 {
			action := "account.locked"
			if i%3 == 0 {
				action = "account.unlocked"
			}
			e := audit.Event{TenantID: tenant.ID, Actor: "cli:root", Action: action, Target: fmt.Sprintf("account:%d", i)}
			if _, err := tx.AppendAudit(ctx, e, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
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
