package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

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
