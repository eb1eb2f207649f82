package server

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/disk"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// failingLog is a real SQLite store whose check-log writes fail with an
// injected error while fail is set: readiness is tested here with an
// injected write error (ENOSPC, EROFS, EIO); e2e/readiness_test.go fills a
// real tmpfs when it can mount one.
type failingLog struct {
	*sqlite.Store
	fail error
}

func (f *failingLog) AppendChecks(ctx context.Context, recs []store.CheckRecord) error {
	if f.fail != nil {
		return f.fail
	}
	return f.Store.AppendChecks(ctx, recs)
}

func TestReadinessCheckLogWriteError(t *testing.T) {
	ctx := context.Background()
	s := backends.SQLite(t)
	for _, injected := range []error{syscall.ENOSPC, syscall.EROFS, syscall.EIO} {
		t.Run(injected.Error(), func(t *testing.T) {
			app := &failingLog{Store: s, fail: injected}
			w := checklog.New(app, checklog.Options{Mode: checklog.Sync})
			defer w.Close(ctx)
			now := time.Now()
			r := readiness{store: s, log: w, now: func() time.Time { return now }}
			if err := r.problem(ctx); err != nil {
				t.Fatalf("before any write: %v", err)
			}
			if err := w.Write(ctx, store.CheckRecord{ID: "c1", At: now}); !errors.Is(err, injected) {
				t.Fatalf("write: %v", err)
			}
			err := r.problem(ctx)
			var he *httpx.Error
			if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.Code != "check_log_unwritable" || !errors.Is(err, injected) {
				t.Fatalf("after a failed write: %#v", err)
			}
			// Out of rotation nothing is written: after the retry window
			// the node says ready again, so that checks can find out.
			now = now.Add(checkLogRetry + time.Second)
			if err := r.problem(ctx); err != nil {
				t.Fatalf("after the retry window: %v", err)
			}
			// A write that succeeds clears it at once.
			now = now.Add(-checkLogRetry)
			app.fail = nil
			rec := store.CheckRecord{ID: "c2-" + injected.Error(), TenantID: "t", AppID: "a", KID: "k", Account: "alice", At: now, Status: "locked", Locked: true}
			if err := w.Write(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if err := r.problem(ctx); err != nil {
				t.Fatalf("after a good write: %v", err)
			}
		})
	}
}

func TestReadinessDiskAndStore(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "d.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	w := checklog.New(s, checklog.Options{})
	defer w.Close(ctx)
	u := disk.Usage{Free: 1, Total: 100}
	mon := &disk.Monitor{Dir: "/data", WarnBelow: 0.10, FailBelow: 0.02, Stat: func(string) (disk.Usage, error) { return u, nil }}
	r := readiness{store: s, log: w, disk: mon, now: time.Now}
	var he *httpx.Error
	if err := r.problem(ctx); !errors.As(err, &he) || he.Code != "disk_full" {
		t.Fatalf("1%% free: %v", err)
	}
	u = disk.Usage{Free: 50, Total: 100, ReadOnly: true}
	if err := r.problem(ctx); !errors.As(err, &he) || he.Code != "disk_full" {
		t.Fatalf("read-only: %v", err)
	}
	u = disk.Usage{Free: 5, Total: 100}
	if err := r.problem(ctx); err != nil {
		t.Fatalf("5%% free: %v", err)
	}
	s.Close()
	if err := r.problem(ctx); !errors.As(err, &he) || he.Code != "store_unavailable" {
		t.Fatalf("store closed: %v", err)
	}
}
