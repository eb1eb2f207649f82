package e2e

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestCheckLogRetention starts `serve --check-log-retention 400d` on a
// check log holding records older and younger than that: the server's
// background job deletes exactly the older ones. A period that is not
// positive is refused before anything starts.
func TestCheckLogRetention(t *testing.T) {
	in := newInst(t)
	in.setup(issuer)
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(in.dir, "data", "deadbolt.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now().UTC()
	rec := func(id string, age time.Duration) store.CheckRecord {
		return store.CheckRecord{ID: id, TenantID: "t", AppID: "a", Account: "alice", At: now.Add(-age), Status: "unlocked"}
	}
	const day = 24 * time.Hour
	old := []store.CheckRecord{rec("old-1", 401*day), rec("old-2", 500*day), rec("old-3", 3000*day)}
	young := []store.CheckRecord{rec("young-1", 399*day), rec("young-2", time.Hour)}
	if err := s.AppendChecks(ctx, append(append([]store.CheckRecord{}, old...), young...)); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []string{"0", "-5d", "soon"} {
		r := in.run("serve", "--addr", "127.0.0.1:0", "--check-log-retention", bad)
		if r.code == 0 || !strings.Contains(r.stderr, "check_log_retention") {
			t.Errorf("serve --check-log-retention %s: exit %d, stderr %q; want a refusal naming check_log_retention", bad, r.code, r.stderr)
		}
	}

	in.start("--check-log-retention", "400d")
	deadline := time.Now().Add(30 * time.Second)
	for _, r := range old {
		for {
			_, err := s.CheckRecord(ctx, r.ID)
			if errors.Is(err, store.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("record %s, older than 400 days, is still in the log (%v)", r.ID, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, r := range young {
		if _, err := s.CheckRecord(ctx, r.ID); err != nil {
			t.Errorf("record %s, younger than 400 days, is gone: %v", r.ID, err)
		}
	}
}
