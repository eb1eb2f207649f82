package audit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cli"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

var seeded struct {
	once   sync.Once
	dir    string
	db     string
	events int
	took   time.Duration
	err    error
}

// seed writes AUDIT_EVENTS (default 1 000 000) audit events of one tenant.
func seed(b *testing.B) (db string, events int) {
	seeded.once.Do(func() {
		seeded.events = 1_000_000
		if v := os.Getenv("AUDIT_EVENTS"); v != "" {
			seeded.events, seeded.err = strconv.Atoi(v)
			if seeded.err != nil {
				return
			}
		}
		path := os.Getenv("AUDIT_CACHE")
		if path == "" {
			seeded.dir, seeded.err = os.MkdirTemp("", "deadbolt-bench-audit-")
			if seeded.err != nil {
				return
			}
			path = filepath.Join(seeded.dir, "deadbolt.db")
		}
		seeded.db = "sqlite:" + path
		ctx := context.Background()
		s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: true})
		if err != nil {
			seeded.err = err
			return
		}
		defer s.Close()
		heads, err := s.AuditHeads(ctx)
		if err != nil {
			seeded.err = err
			return
		}
		if len(heads) == 1 && heads[0].Seq == int64(seeded.events) {
			return // AUDIT_CACHE, seeded by an earlier run
		}
		if len(heads) > 0 {
			seeded.err = fmt.Errorf("AUDIT_CACHE %s holds another trail; remove it", path)
			return
		}
		start := time.Now()
		t := store.Tenant{ID: "0193a4b2-0000-7000-8000-000000000001", Name: "acme", CreatedAt: start.UTC()}
		if seeded.err = s.Update(ctx, func(tx store.Tx) error { return tx.CreateTenant(ctx, t) }); seeded.err != nil {
			return
		}
		const perTx = 20_000
		for done := 0; done < seeded.events; done += perTx {
			n := min(perTx, seeded.events-done)
			seeded.err = s.Update(ctx, func(tx store.Tx) error {
				for i := range n {
					e := audit.Event{TenantID: t.ID, Actor: "cli:root", Action: "account.unlocked",
						Target: fmt.Sprintf("account:%d", done+i), Data: map[string]any{"for": "15m0s", "reason": "bench"}}
					if _, err := tx.AppendAudit(ctx, e, start.Add(time.Duration(done+i)*time.Millisecond)); err != nil {
						return err
					}
				}
				return nil
			})
			if seeded.err != nil {
				return
			}
		}
		seeded.took = time.Since(start)
	})
	if seeded.err != nil {
		b.Fatal(seeded.err)
	}
	return seeded.db, seeded.events
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

func run(b *testing.B, db string, out io.Writer, args ...string) {
	var stderr bytes.Buffer
	env := func(k string) string {
		if k == "DEADBOLT_DB" {
			return db
		}
		return ""
	}
	if code := cli.Main(context.Background(), args, out, &stderr, env); code != 0 {
		b.Fatalf("deadbolt %v: exit %d: %s", args, code, stderr.String())
	}
}

// cpuTime is this process's user plus system CPU time: on a shared
// machine, events per CPU-second say more than events per wall second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs the command b.N times and reports events per wall second
// and per CPU second.
func measure(b *testing.B, db string, events int, args ...string) {
	start, cpu0 := time.Now(), cpuTime()
	for b.Loop() {
		run(b, db, io.Discard, args...)
	}
	n := float64(events) * float64(b.N)
	b.ReportMetric(n/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(n/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
}

func BenchmarkAuditVerify(b *testing.B) {
	db, events := seed(b)
	b.Logf("seeded %d events in %s", events, seeded.took.Round(time.Millisecond))
	measure(b, db, events, "audit", "verify")
}

func BenchmarkAuditExport(b *testing.B) {
	db, events := seed(b)
	for _, format := range []string{"jsonl", "csv"} {
		b.Run(format, func(b *testing.B) {
			measure(b, db, events, "audit", "export", "--format", format)
		})
	}
}
