package exposure

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/cli"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// days is the report's period.
const days = 30

var seeded struct {
	once            sync.Once
	dir, db         string
	since, until    time.Time
	checks, audited int
	accounts        int
	took            time.Duration
	err             error
}

func env(name string, def int) (int, error) {
	if v := os.Getenv(name); v != "" {
		return strconv.Atoi(v)
	}
	return def, nil
}

// seed plays 30 days (and the day before) of one tenant.
func seed(b *testing.B) {
	seeded.once.Do(func() { seeded.err = play() })
	if seeded.err != nil {
		b.Fatal(seeded.err)
	}
}

func play() error {
	accounts, err := env("EXPOSURE_ACCOUNTS", 10_000)
	if err != nil {
		return err
	}
	checks, err := env("EXPOSURE_CHECKS", 1_000_000)
	if err != nil {
		return err
	}
	noise, err := env("EXPOSURE_AUDIT_NOISE", 100_000)
	if err != nil {
		return err
	}
	seeded.dir, err = os.MkdirTemp("", "deadbolt-bench-exposure-")
	if err != nil {
		return err
	}
	path := filepath.Join(seeded.dir, "deadbolt.db")
	seeded.db = "sqlite:" + path
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	until := start.UTC().Truncate(time.Hour)
	since := until.Add(-days * 24 * time.Hour)
	seeded.since, seeded.until, seeded.accounts, seeded.checks = since, until, accounts, checks
	clk := clock.NewFake(since.Add(-24 * time.Hour))
	box, err := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	if err != nil {
		return err
	}
	adm := &admin.Service{Store: s, Clock: clk, Box: box}
	t, err := adm.CreateTenant(ctx, "cli:root", "acme")
	if err != nil {
		return err
	}
	app, err := adm.CreateApp(ctx, "cli:root", admin.NewApp{TenantID: t.ID, Name: "Wiki", Issuer: "https://wiki.acme.test",
		DefaultUnlock: 15 * time.Minute, MaxUnlock: 8 * time.Hour})
	if err != nil {
		return err
	}
	key, _, err := adm.CreateKey(ctx, "cli:root", app, time.Time{})
	if err != nil {
		return err
	}
	// Every account enrolled, one owner per 10 accounts.
	name := func(i int) string { return fmt.Sprintf("user%06d", i) }
	for done := 0; done < accounts; done += 1000 {
		err := s.Update(ctx, func(tx store.Tx) error {
			for i := done; i < min(done+1000, accounts); i++ {
				if _, err := access.EnrollTx(ctx, tx, "cli:root", app, name(i), fmt.Sprintf("owner%05d@acme.test", i/10), clk.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	first := policy.Date{Year: since.Year() - 1, Month: since.Month(), Day: 1}
	// A night shift for a group of 100 owners, changed mid-period; a lock
	// policy on the application for an hour a week.
	g, err := adm.CreateGroup(ctx, "cli:root", t.ID, "night", "")
	if err != nil {
		return err
	}
	for i := range 100 {
		if _, _, err := adm.AddToGroup(ctx, "cli:root", t.ID, g.ID, fmt.Sprintf("owner%05d@acme.test", i)); err != nil {
			return err
		}
	}
	night := policy.Policy{Name: "night shift", Type: policy.Scheduled, Action: policy.Unlock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "UTC", Every: policy.Daily, From: 22 * 60, To: 23 * 60, Start: first}}
	if _, err := adm.CreatePolicy(ctx, "cli:root", t.ID, night); err != nil {
		return err
	}
	if _, err := adm.Assign(ctx, "cli:root", t.ID, "night shift", admin.Target{Group: g.ID}); err != nil {
		return err
	}
	maint := policy.Policy{Name: "maintenance", Type: policy.Scheduled, Action: policy.Lock, Enabled: true,
		Schedule: &policy.Schedule{Zone: "UTC", Every: policy.Weekly, Days: []time.Weekday{time.Sunday}, From: 3 * 60, To: 4 * 60, Start: first}}
	if _, err := adm.CreatePolicy(ctx, "cli:root", t.ID, maint); err != nil {
		return err
	}
	if _, err := adm.Assign(ctx, "cli:root", t.ID, "maintenance", admin.Target{App: app.ID}); err != nil {
		return err
	}

	// 30 days: 5 000 unlocks (each signed into once), the audit noise,
	// the night shift moved on day 10, a member removed on day 20.
	rng := rand.New(rand.NewPCG(1, 2))
	const unlocks = 5000
	step := (until.Sub(since)) / unlocks
	var recs []store.CheckRecord
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := s.AppendChecks(ctx, recs)
		recs = recs[:0]
		return err
	}
	check := func(account string, at time.Time, locked bool) error {
		status := "unlocked"
		if locked {
			status = "locked"
		}
		recs = append(recs, store.CheckRecord{ID: ids.New(), TenantID: t.ID, AppID: app.ID, KID: key.KID, Account: account, At: at,
			Locked: locked, Status: status, IP: fmt.Sprintf("198.51.%d.%d", rng.IntN(4), rng.IntN(250))})
		if len(recs) == 10_000 {
			return flush()
		}
		return nil
	}
	perUnlock := noise / unlocks
	for i := range unlocks {
		now := since.Add(time.Duration(i) * step)
		clk.Set(now)
		switch i {
		case unlocks / 3:
			night.Schedule.From = 21 * 60
			if _, err := adm.UpdatePolicy(ctx, "cli:root", t.ID, "night shift", night); err != nil {
				return err
			}
		case 2 * unlocks / 3:
			m, err := s.MemberByEmail(ctx, t.ID, "owner00001@acme.test")
			if err != nil {
				return err
			}
			if _, _, err := adm.RemoveMember(ctx, admin.Operator("cli:root"), m.ID); err != nil {
				return err
			}
		}
		account := name(rng.IntN(accounts))
		err := s.Update(ctx, func(tx store.Tx) error {
			a, err := tx.Account(ctx, app.ID, account)
			if err != nil {
				return err
			}
			if _, err := access.GrantTx(ctx, tx, "cli:root", app, a, time.Hour, false, "bench", now); err != nil {
				return err
			}
			for j := range perUnlock {
				e := audit.Event{TenantID: t.ID, Actor: "cli:root", Action: "member.signed_in", Target: "member:bench",
					Data: map[string]any{"n": j}}
				if _, err := tx.AppendAudit(ctx, e, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := check(account, now.Add(5*time.Minute), false); err != nil {
			return err
		}
	}
	// The rest of the check log: sign-ins spread over the period, one in
	// ten refused.
	for i := unlocks; i < checks; i++ {
		at := since.Add(time.Duration(rng.Int64N(int64(until.Sub(since)))))
		if err := check(name(rng.IntN(accounts)), at, rng.IntN(10) == 0); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	heads, err := s.AuditHeads(ctx)
	if err != nil {
		return err
	}
	for _, h := range heads {
		if h.TenantID == t.ID {
			seeded.audited = int(h.Seq)
		}
	}
	seeded.took = time.Since(start)
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seeded.dir != "" {
		os.RemoveAll(seeded.dir)
	}
	os.Exit(code)
}

// cpuTime is this process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkExposure(b *testing.B) {
	seed(b)
	b.Logf("seeded %d accounts, %d check records, %d audit records in %s", seeded.accounts, seeded.checks, seeded.audited,
		seeded.took.Round(time.Millisecond))
	for _, format := range []string{"json", "html"} {
		b.Run(format, func(b *testing.B) {
			args := []string{"report", "exposure", "--tenant", "acme", "--since", seeded.since.Format(time.RFC3339),
				"--until", seeded.until.Format(time.RFC3339), "--format", format}
			start, cpu0 := time.Now(), cpuTime()
			for b.Loop() {
				var stderr bytes.Buffer
				env := func(k string) string {
					if k == "DEADBOLT_DB" {
						return seeded.db
					}
					return ""
				}
				if code := cli.Main(context.Background(), args, io.Discard, &stderr, env); code != 0 {
					b.Fatalf("deadbolt %v: exit %d: %s", args, code, stderr.String())
				}
			}
			n := float64(seeded.checks+seeded.audited) * float64(b.N)
			wall := time.Since(start)
			b.ReportMetric(wall.Seconds()/float64(b.N), "s/report")
			b.ReportMetric(n/wall.Seconds(), "records/s")
			b.ReportMetric(n/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
		})
	}
}
