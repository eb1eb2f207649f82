package portal

import (
	"context"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// countingReads counts the list reads that reach a real SQLite store.
type countingReads struct {
	store.PolicyReader
	n map[string]int
}

func (c *countingReads) Policies(ctx context.Context, tenantID string) ([]store.Policy, error) {
	c.n["policies "+tenantID]++
	return c.PolicyReader.Policies(ctx, tenantID)
}

func (c *countingReads) Executions(ctx context.Context, tenantID string, since time.Time) ([]store.Execution, error) {
	c.n["executions "+tenantID]++
	return c.PolicyReader.Executions(ctx, tenantID, since)
}

// TestPageReads: the approvals page reads its tenant's lists once however
// many grants it asks about; another tenant, or executions since another
// instant, are read through each time.
func TestPageReads(t *testing.T) {
	ctx := t.Context()
	s, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	now := time.Now().UTC()
	under := &countingReads{PolicyReader: s, n: map[string]int{}}
	c := &pageReads{PolicyReader: under, tenantID: "t1", now: now}
	for range 3 {
		for _, read := range []func() error{
			func() error { _, err := c.Policies(ctx, "t1"); return err },
			func() error { _, err := c.Policies(ctx, "t2"); return err },
			func() error { _, err := c.Executions(ctx, "t1", now); return err },
			func() error { _, err := c.Executions(ctx, "t1", now.Add(time.Second)); return err },
		} {
			if err := read(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := map[string]int{"policies t1": 1, "policies t2": 3, "executions t1": 1 + 3}; !maps.Equal(under.n, want) {
		t.Fatalf("reads: %v, want %v", under.n, want)
	}
}
