package cli

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// TestAuditPagesReadAheadGivesEachRecordOnce: pages read ahead in
// parallel give exactly what one page after another would, every record
// once and in order, on a sound chain and on one with rows deleted from
// a real SQLite file (gaps make pages overlap).
func TestAuditPagesReadAheadGivesEachRecordOnce(t *testing.T) {
	defer func(n int) { auditPage = n }(auditPage)
	auditPage = 4
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tenant := storetest.AuditTrail(t, s, 30, nil)
	read := func() []int64 {
		var seqs []int64
		if err := auditPages(ctx, s, tenant.ID, func(page []audit.Record) error {
			for _, r := range page {
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
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("sound chain: read %v, want %v", got, want)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deleted := []int64{3, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 28}
	for _, seq := range deleted {
		if _, err := db.Exec(`DELETE FROM audit_log WHERE seq = ?`, seq); err != nil {
			t.Fatal(err)
		}
	}
	want = slices.DeleteFunc(want, func(seq int64) bool { return slices.Contains(deleted, seq) })
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("chain with gaps: read %v, want %v", got, want)
	}
}
