package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
)

// propagation is how soon a change committed through the database is seen
// by a check on another node, in milliseconds.
type propagation struct {
	Trials    int     `json:"trials"`
	LockP50   float64 `json:"lock_p50_ms"`
	LockP99   float64 `json:"lock_p99_ms"`
	LockMax   float64 `json:"lock_max_ms"`
	UnlockP50 float64 `json:"unlock_p50_ms"`
	UnlockP99 float64 `json:"unlock_p99_ms"`
	// Within100 is the share of locks seen within 100 ms (design §10).
	Within100 float64 `json:"locks_seen_within_100ms"`
	// CheckP50 is the median latency of the pollers' checks on node B,
	// which every figure above includes once at most.
	CheckP50 float64 `json:"check_p50_ms"`
}

// answer is one poller's check answer.
type answer struct {
	at      time.Time
	locked  bool
	took    time.Duration
	invalid bool
}

// poll keeps n pollers checking account on addr until ctx ends.
func poll(ctx context.Context, addr, tok string, n int, out chan<- answer) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+bench.CheckPath, strings.NewReader(string(bench.CheckBody)))
				req.Header.Set("x-nl3-authorization-token", tok)
				began := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				var body struct {
					Locked *bool `json:"locked"`
				}
				err = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				a := answer{at: time.Now(), took: time.Since(began), invalid: err != nil || resp.StatusCode != 200 || body.Locked == nil}
				if !a.invalid {
					a.locked = *body.Locked
				}
				select {
				case out <- a:
				case <-ctx.Done():
				}
			}
		})
	}
	return &wg
}

// propagation starts node B and, for each trial, unlocks and then locks a
// locked account through the database from this process, timing each
// change until a check on node B shows it.
func (r *run) propagation(ctx context.Context) error {
	node, err := r.serve(ctx, "node-b", r.pgURL, r.masterKeyEnv())
	if err != nil {
		return err
	}
	defer node.Stop()
	w, err := postgres.Open(ctx, r.pgURL, postgres.Options{})
	if err != nil {
		return err
	}
	defer w.Close()
	svc := &access.Service{Store: w, Clock: clock.Real{}}
	app, err := w.ApplicationByIssuer(ctx, r.issuer)
	if err != nil {
		return err
	}
	r.logf("propagation: %d trials of unlock then lock through the database, seen by checks on node B", r.c.Trials)

	var locks, unlocks, checks []time.Duration
	for trial := range r.c.Trials {
		i := r.rng.IntN(r.c.Accounts)
		if i%bench.UnlockedEvery == bench.UnlockedEvery-1 {
			i-- // a locked one
		}
		tok, err := bench.CheckToken(r.issuer, r.secret, i, node.Addr, time.Now())
		if err != nil {
			return err
		}
		pctx, stop := context.WithCancel(ctx)
		answers := make(chan answer, 64)
		wg := poll(pctx, node.Addr, tok, 4, answers)
		// wait for node B to answer "locked" (and so to hold the state in
		// its cache), then change it and wait for the change.
		seen := func(locked bool, since, committed time.Time) (time.Duration, error) {
			deadline := time.After(10 * time.Second)
			for {
				select {
				case a := <-answers:
					if !a.invalid {
						checks = append(checks, a.took)
					}
					if !a.invalid && a.locked == locked && a.at.After(since) {
						return max(0, a.at.Sub(committed)), nil
					}
				case <-deadline:
					return 0, fmt.Errorf("trial %d: node B did not answer locked=%v within 10 s", trial, locked)
				}
			}
		}
		step := func(locked bool, change func() error) (time.Duration, error) {
			began := time.Now()
			if err := change(); err != nil {
				return 0, err
			}
			return seen(locked, began, time.Now())
		}
		_, err = seen(true, time.Time{}, time.Now())
		if err == nil {
			var d time.Duration
			d, err = step(false, func() error {
				_, err := svc.Unlock(ctx, "bench", app, bench.AccountName(i), access.Unlock{For: 10 * time.Minute})
				return err
			})
			unlocks = append(unlocks, d)
			if err == nil {
				d, err = step(true, func() error { _, err := svc.Lock(ctx, "bench", app, bench.AccountName(i)); return err })
				locks = append(locks, d)
			}
		}
		stop()
		wg.Wait()
		if err != nil {
			return err
		}
	}
	for _, s := range [][]time.Duration{locks, unlocks, checks} {
		slices.Sort(s)
	}
	ms := func(s []time.Duration, p float64) float64 { return float64(bench.Percentile(s, p)) / 1e6 }
	within := 0
	for _, d := range locks {
		if d <= 100*time.Millisecond {
			within++
		}
	}
	r.rep.Propagation = propagation{Trials: r.c.Trials, LockP50: ms(locks, 50), LockP99: ms(locks, 99), LockMax: ms(locks, 100),
		UnlockP50: ms(unlocks, 50), UnlockP99: ms(unlocks, 99), Within100: float64(within) / float64(len(locks)), CheckP50: ms(checks, 50)}
	p := r.rep.Propagation
	r.logf("  lock seen on node B: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%.0f%% within 100 ms); unlock p50 %.2f ms, p99 %.2f ms; a check on B takes %.2f ms (p50)",
		p.LockP50, p.LockP99, p.LockMax, 100*p.Within100, p.UnlockP50, p.UnlockP99, p.CheckP50)
	return nil
}

// write prints the report and, with -out, saves it.
func (r *run) write() error { return bench.WriteReport(r.c.Out, r.rep.markdown(), r.rep) }

func (rep report) markdown() string {
	var b strings.Builder
	c := rep.Config
	fmt.Fprintf(&b, "## deadbolt on PostgreSQL — %s\n\n", rep.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "%s, %d CPUs, %s, PostgreSQL %s on the same machine. %d enrolled accounts (one owner per %d, one in %d unlocked), "+
		"seeded into SQLite with `deadbolt import` in %.1f s and moved to PostgreSQL with `deadbolt copy` (%d rows copied and verified) in %.1f s.\n\n",
		rep.Host, rep.CPUs, rep.GoVersion, rep.Postgres, c.Accounts, bench.AccountsPerOwner, bench.UnlockedEvery, rep.ImportSecs, rep.CopiedRows, rep.CopySecs)
	fmt.Fprintf(&b, "### Lock-check throughput (closed loop, %d connections, %v windows after %v warm-up, %d random accounts, sync check log)\n\n",
		c.Workers, c.Duration, c.Warmup, c.Sample)
	b.WriteString("| server | req/s | p50 ms | p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | errors |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, run := range rep.Runs {
		db := ""
		if run.Server == "postgres" {
			db = fmt.Sprintf("%.1f", run.DatabaseCPU)
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.2f | %.1f | %s | %d |\n", run.Server, run.Throughput, run.P50, run.P99, run.ServerCPU, db, run.Errors)
	}
	var sum float64
	for _, x := range rep.Ratios {
		sum += x
	}
	fmt.Fprintf(&b, "\nPostgreSQL / baseline: %s (mean %.2f; target ≥ 0.4)", ratios(rep.Ratios), sum/float64(len(rep.Ratios)))
	if rep.SQLiteRatio > 0 {
		fmt.Fprintf(&b, "; SQLite / baseline in the same run: %.2f", rep.SQLiteRatio)
	}
	b.WriteString(".\n\n")
	p := rep.Propagation
	fmt.Fprintf(&b, "### Propagation between nodes (%d trials)\n\n", p.Trials)
	fmt.Fprintf(&b, "A change committed through the database (as a node's API or the CLI makes it) until a check on another node answers it:\n\n")
	b.WriteString("| change | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| lock | %.2f | %.2f | %.2f |\n| unlock | %.2f | %.2f | |\n\n", p.LockP50, p.LockP99, p.LockMax, p.UnlockP50, p.UnlockP99)
	fmt.Fprintf(&b, "%.0f%% of locks were seen within 100 ms (target: all). The figures include one check on node B (p50 %.2f ms).\n",
		100*p.Within100, p.CheckP50)
	return b.String()
}

func ratios(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}
