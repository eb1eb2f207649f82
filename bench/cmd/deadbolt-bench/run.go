package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// config is the run command's flags.
type config struct {
	bench.Flags
	Label    string        `json:"label,omitempty"`
	Reuse    bool          `json:"reused_data_sets"`
	Sizes    []int         `json:"sizes"`
	Modes    []string      `json:"check_log_modes"`
	Sample   int           `json:"token_sample"`
	Workers  int           `json:"workers"`
	Warmup   time.Duration `json:"warmup_ns"`
	Duration time.Duration `json:"duration_ns"`
	Rounds   int           `json:"rounds"`
	Idle     time.Duration `json:"idle_ns"`
	Fraction float64       `json:"open_loop_fraction_of_peak"`
	Sweep    []int         `json:"sweep_workers,omitempty"`
}

func parseConfig(args []string) (config, error) {
	c := config{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	c.Register(fs, "where data directories go", "the work directory", 15*time.Minute)
	fs.StringVar(&c.Label, "label", "", "what is measured, for the report's title (run.sh passes the git commit)")
	fs.BoolVar(&c.Reuse, "reuse", false, "with -workdir, use data sets an earlier run seeded there instead of seeding again")
	sizes := fs.String("sizes", "10000,1000000", "enrolled accounts per data set, comma-separated")
	modes := fs.String("check-log", "sync,async", "check-log modes to measure, comma-separated")
	fs.IntVar(&c.Sample, "sample", 10000, "distinct accounts (one token each) checked per run, chosen at random")
	fs.IntVar(&c.Workers, "workers", 64, "concurrent keep-alive connections (64: within 10% of the peak of both servers here; see README)")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "warm-up before each measured window (not counted)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured window of each run (split over -rounds)")
	fs.DurationVar(&c.Idle, "idle", 3*time.Second, "after starting deadbolt, measure its CPU use without load for this long (0: skip)")
	fs.IntVar(&c.Rounds, "rounds", 3, "interleave the servers compared in this many rounds per run, against drifting load from other users")
	fs.Float64Var(&c.Fraction, "fraction", 0.5, "open-loop rate as a fraction of deadbolt's closed-loop peak (sync, largest size)")
	sweep := fs.String("sweep", "", "instead of the full run, compare these worker counts (comma-separated) at the largest size, first mode")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var err error
	if c.Sizes, err = ints(*sizes); err != nil || len(c.Sizes) == 0 {
		return c, fmt.Errorf("-sizes %q: want positive integers", *sizes)
	}
	slices.Sort(c.Sizes)
	slices.Reverse(c.Sizes) // largest first: its peak sets the open-loop rate
	if *sweep != "" {
		if c.Sweep, err = ints(*sweep); err != nil {
			return c, fmt.Errorf("-sweep %q: want positive integers", *sweep)
		}
	}
	for m := range strings.SplitSeq(*modes, ",") {
		if m != "sync" && m != "async" {
			return c, fmt.Errorf("-check-log %q: want sync and/or async", *modes)
		}
		c.Modes = append(c.Modes, m)
	}
	switch {
	case c.Workers < 1, c.Sample < 1, c.Duration <= 0, c.Warmup < 0, c.Rounds < 1:
		return c, fmt.Errorf("-workers, -sample, -rounds and -duration must be positive")
	case c.Fraction <= 0 || c.Fraction > 1:
		return c, fmt.Errorf("-fraction must be in (0, 1]")
	}
	return c, nil
}

func ints(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// runResult is one load run.
type runResult struct {
	Accounts   int     `json:"accounts"`
	CheckLog   string  `json:"check_log"`
	Server     string  `json:"server"` // baseline or deadbolt
	Loop       string  `json:"loop"`   // closed or open
	Workers    int     `json:"workers"`
	Rounds     int     `json:"rounds"`
	TargetRate float64 `json:"target_rate,omitempty"`
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50_ms"`
	P90        float64 `json:"p90_ms"`
	P99        float64 `json:"p99_ms"`
	P999       float64 `json:"p99_9_ms"`
	Max        float64 `json:"max_ms"`
	OK         int     `json:"ok"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	// ServerCPU and ClientCPU are CPU microseconds per OK answer spent by
	// the server process and by this one (the load generator) in the
	// measured window; ServerCores and ClientCores are the average cores
	// each used then.
	ServerCPU   float64 `json:"server_cpu_us_per_req"`
	ClientCPU   float64 `json:"client_cpu_us_per_req"`
	ServerCores float64 `json:"server_cores"`
	ClientCores float64 `json:"client_cores"`
	// OtherCores is the CPU the rest of the machine (other users of the
	// shared box) used in the window, in cores: the noise.
	OtherCores float64 `json:"other_cores"`
	// Inside is deadbolt's own view of the window, from its /metrics.
	Inside *serverView `json:"deadbolt_metrics,omitempty"`
	// VsBaseline is this run's throughput over the baseline run made
	// just before it (deadbolt closed-loop runs only).
	VsBaseline float64 `json:"vs_baseline,omitempty"`
}

// report is everything a run measured.
type report struct {
	bench.Machine
	Config   config               `json:"config"`
	Datasets []dataset            `json:"datasets"`
	Runs     []runResult          `json:"runs"`
	OpenRate float64              `json:"open_loop_rate,omitempty"`
	Memory   map[int]bench.Memory `json:"memory_after_runs"` // by data set size
	Idle     []idleCPU            `json:"idle_cpu,omitempty"`
}

// session is one run command in progress.
type session struct {
	c        config
	bin      string
	logDir   string
	baseline *bench.Proc
	rng      *rand.Rand
	rep      report
	progress io.Writer
}

func runCmd(args []string) error {
	c, err := parseConfig(args)
	if err != nil {
		return err
	}
	ctx, setup, end, err := c.Begin("deadbolt-bench-")
	if err != nil {
		return err
	}
	defer end()
	c.Workdir = setup.Work
	s := &session{c: c, logDir: setup.Logs, bin: setup.Bin, rng: rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano()))), progress: os.Stderr}
	s.rep = report{Machine: bench.ThisMachine(), Config: c, Memory: map[int]bench.Memory{}}

	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	s.logf("starting the baseline server on %s", addr)
	if s.baseline, err = bench.Start(ctx, "baseline server", addr, "/", filepath.Join(s.logDir, "baseline.log"),
		self, os.Environ(), "baseline-server", "-addr", addr); err != nil {
		return err
	}
	defer s.baseline.Stop()

	for _, n := range c.Sizes {
		s.logf("seeding %d accounts", n)
		d, err := seed(ctx, s.bin, c.Workdir, n, c.Reuse)
		if err != nil {
			return err
		}
		s.logf("  imported %d accounts in %.1f s (database %.0f MB)", n, d.ImportSecs, float64(d.DBBytes)/1e6)
		s.rep.Datasets = append(s.rep.Datasets, d)
	}

	if len(c.Sweep) > 0 {
		err = s.sweep(ctx)
	} else {
		err = s.all(ctx)
	}
	if err != nil {
		return err
	}
	return s.write()
}

// all is the full benchmark: for each size, largest first, and each
// check-log mode, sync first, the baseline and deadbolt closed-loop, then
// deadbolt open-loop at a fraction of the first closed-loop peak (sync,
// largest size), so every mode and size meets the same rate. The first
// open-loop run is interleaved with the baseline's at that rate, the floor
// the machine sets.
func (s *session) all(ctx context.Context) error {
	modes := slices.Clone(s.c.Modes)
	slices.SortFunc(modes, func(a, b string) int { return -strings.Compare(a, b) }) // sync first
	for _, d := range s.rep.Datasets {
		for _, mode := range modes {
			srv, err := s.serve(ctx, d, mode)
			if err != nil {
				return err
			}
			db := target{srv, "deadbolt", mode}
			err = s.pair(ctx, d, db, s.c.Workers)
			if err == nil {
				if s.rep.OpenRate == 0 {
					s.rep.OpenRate = s.c.Fraction * s.last("deadbolt").Throughput
					_, err = s.compare(ctx, d, s.c.Workers, s.rep.OpenRate, db, target{s.baseline, "baseline", ""})
				} else {
					_, err = s.compare(ctx, d, s.c.Workers, s.rep.OpenRate, db)
				}
			}
			if err == nil {
				err = s.after(d, srv)
			}
			if serr := srv.Stop(); err == nil && serr != nil {
				err = fmt.Errorf("deadbolt serve: %w", serr)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// sweep compares worker counts at the largest size and the first mode.
func (s *session) sweep(ctx context.Context) error {
	d, mode := s.rep.Datasets[0], s.c.Modes[0]
	srv, err := s.serve(ctx, d, mode)
	if err != nil {
		return err
	}
	defer srv.Stop()
	for _, w := range s.c.Sweep {
		if err := s.pair(ctx, d, target{srv, "deadbolt", mode}, w); err != nil {
			return err
		}
	}
	return s.after(d, srv)
}

// pair compares the baseline with deadbolt, closed-loop, and records the
// throughput ratio.
func (s *session) pair(ctx context.Context, d dataset, db target, workers int) error {
	idx, err := s.compare(ctx, d, workers, 0, target{s.baseline, "baseline", ""}, db)
	if err != nil {
		return err
	}
	base, r := s.rep.Runs[idx[0]], &s.rep.Runs[idx[1]]
	if base.Throughput > 0 {
		r.VsBaseline = r.Throughput / base.Throughput
		s.logf("  deadbolt/baseline = %.2f", r.VsBaseline)
	}
	return nil
}

// target is a server a run is aimed at.
type target struct {
	p      *bench.Proc
	server string // baseline or deadbolt
	mode   string // deadbolt's check-log mode
}

// slice is one load run and what was measured around it.
type slice struct {
	res bench.Result
	w   window
}

// warmupAgain is the warm-up of a target's later rounds: its server is
// warm, only the connections are new.
const warmupAgain = 500 * time.Millisecond

// compare measures the targets in turn, in -rounds rounds that share the
// measured window, so that load the machine's other users add falls on
// all of them alike; a single target gets one run. It records one result
// per target and returns their indexes in the report.
func (s *session) compare(ctx context.Context, d dataset, workers int, rate float64, targets ...target) ([]int, error) {
	rounds := s.c.Rounds
	if len(targets) == 1 {
		rounds = 1
	}
	per := s.c.Duration / time.Duration(rounds)
	got := make([][]slice, len(targets))
	for round := range rounds {
		warm := s.c.Warmup
		if round > 0 {
			warm = min(warm, warmupAgain)
		}
		for i, t := range targets {
			reqs, err := bench.CheckRequests(d.Issuer, d.Secret, bench.Sample(d.Accounts, s.c.Sample, s.rng), t.p.Addr, time.Now())
			if err != nil {
				return nil, err
			}
			watch := s.watchWindow(ctx, t.p, t.server == "deadbolt", warm, per)
			res, err := bench.Run(ctx, bench.Options{Addr: t.p.Addr, Requests: reqs, Workers: workers,
				Warmup: warm, Duration: per, Rate: rate})
			if err != nil {
				return nil, err
			}
			w := <-watch
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			got[i] = append(got[i], slice{res, w})
		}
	}
	idx := make([]int, len(targets))
	for i, t := range targets {
		if err := s.record(d, t, workers, rate, got[i]); err != nil {
			return nil, err
		}
		idx[i] = len(s.rep.Runs) - 1
	}
	return idx, nil
}

// record merges a target's slices into one result and adds it to the
// report.
func (s *session) record(d dataset, t target, workers int, rate float64, got []slice) error {
	var parts []bench.Result
	var w window
	inside := samples{}
	for _, sl := range got {
		parts = append(parts, sl.res)
		if w.err = cmp.Or(w.err, sl.w.err); w.err == nil {
			w.server += sl.w.server
			w.client += sl.w.client
			w.machine += sl.w.machine
			for k, v := range sl.w.delta {
				inside[k] += v
			}
		}
	}
	res := bench.Merge(parts...)
	ms := func(p float64) float64 { return float64(res.Percentile(p)) / 1e6 }
	r := runResult{Accounts: d.Accounts, CheckLog: t.mode, Server: t.server, Loop: "closed", Workers: workers,
		Rounds: len(got), TargetRate: rate, Throughput: res.Throughput(),
		P50: ms(50), P90: ms(90), P99: ms(99), P999: ms(99.9), Max: ms(100), OK: res.OK, Errors: res.Errors}
	if rate > 0 {
		r.Loop = "open"
	}
	if w.err == nil && res.OK > 0 {
		secs := res.Elapsed.Seconds()
		r.ServerCores, r.ClientCores = w.server.Seconds()/secs, w.client.Seconds()/secs
		r.OtherCores = max(0, (w.machine-w.server-w.client).Seconds()/secs)
		r.ServerCPU = float64(w.server.Microseconds()) / float64(res.OK)
		r.ClientCPU = float64(w.client.Microseconds()) / float64(res.OK)
		if t.server == "deadbolt" && len(inside) > 0 {
			v := viewOf(inside)
			r.Inside = &v
		}
	}
	if res.FirstError != nil {
		r.FirstError = res.FirstError.Error()
	}
	s.rep.Runs = append(s.rep.Runs, r)
	s.logf("  %-8s %-5s %-6s %3d conns: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  server %5.1f µs/req (%.2f cores)  client %.2f cores  others %.2f cores  errors %d %s",
		t.server, t.mode, r.Loop, workers, r.Throughput, r.P50, r.P99, r.ServerCPU, r.ServerCores, r.ClientCores, r.OtherCores, r.Errors, r.FirstError)
	if v := r.Inside; v != nil {
		s.logf("           in-handler p99 ≤ %s ms, check log: %.1f checks per commit, %.2f ms per commit", le(v.HandlerP99), v.Batch, v.Commit)
	}
	if res.OK == 0 {
		return fmt.Errorf("%s answered no request with 2xx (%v, statuses %v)", t.server, res.FirstError, res.Statuses)
	}
	return nil
}

// window is what was measured around a run's measured window: CPU time of
// the server, of this process and of the whole machine, and the change in
// deadbolt's /metrics.
type window struct {
	server, client, machine time.Duration
	delta                   samples
	err                     error
}

// watchWindow measures, in the background, the CPU time of p, of this
// process and of the machine between the end of the warm-up and the end of
// the measured window of a run starting now; with metrics it also scrapes
// p's /metrics at both ends.
func (s *session) watchWindow(ctx context.Context, p *bench.Proc, metrics bool, warmup, dur time.Duration) <-chan window {
	out := make(chan window, 1)
	began := time.Now()
	type point struct {
		server, client, machine time.Duration
		m                       samples
	}
	take := func() (x point, err error) {
		if x.server, err = bench.CPUTime(p.Cmd.Process.Pid); err != nil {
			return x, err
		}
		if x.client, err = bench.CPUTime(os.Getpid()); err != nil {
			return x, err
		}
		if x.machine, err = bench.MachineBusy(); err != nil {
			return x, err
		}
		if metrics {
			x.m = scrape(p.Addr)
		}
		return x, nil
	}
	go func() {
		var w window
		defer func() { out <- w }()
		var at [2]point
		for i, after := range []time.Duration{warmup, warmup + dur} {
			select {
			case <-time.After(time.Until(began.Add(after))):
			case <-ctx.Done():
				w.err = ctx.Err()
				return
			}
			if at[i], w.err = take(); w.err != nil {
				return
			}
		}
		w.server, w.client, w.machine = at[1].server-at[0].server, at[1].client-at[0].client, at[1].machine-at[0].machine
		w.delta = delta(at[0].m, at[1].m)
	}()
	return out
}

// last returns the latest run against server.
func (s *session) last(server string) runResult {
	for i := len(s.rep.Runs) - 1; i >= 0; i-- {
		if s.rep.Runs[i].Server == server {
			return s.rep.Runs[i]
		}
	}
	return runResult{}
}

// serve starts deadbolt on d and checks that it answers a lock check.
func (s *session) serve(ctx context.Context, d dataset, mode string) (*bench.Proc, error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return nil, err
	}
	s.logf("%d accounts, check log %s: starting deadbolt serve on %s", d.Accounts, mode, addr)
	// A stopped node keeps its background-job leases until they run out
	// (--job-lease, 15 s by default): the next start on the same data
	// would run no jobs for that long. A short lease makes every start
	// take its jobs within seconds, as the first one does.
	p, err := bench.Start(ctx, "deadbolt serve", addr, "/readyz", filepath.Join(s.logDir, fmt.Sprintf("deadbolt-%d-%s.log", d.Accounts, mode)),
		s.bin, bench.ChildEnv("DEADBOLT_DB="+d.db()), "serve", "--addr", addr, "--check-log", mode, "--job-lease", jobLease.String())
	if err != nil {
		return nil, err
	}
	reqs, err := bench.CheckRequests(d.Issuer, d.Secret, []int{0}, addr, time.Now())
	if err == nil {
		err = probe(addr, reqs[0])
	}
	if err == nil {
		err = s.idle(ctx, d, p, mode)
	}
	if err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// jobLease is the --job-lease deadbolt serve is started with.
const jobLease = 2 * time.Second

// idle waits until the background-job leases the previous server on the
// same data left have run out, so that p runs its jobs from now on, and
// then, with -idle, records the CPU p uses with no load: its jobs.
func (s *session) idle(ctx context.Context, d dataset, p *bench.Proc, mode string) error {
	select {
	case <-time.After(jobLease + time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.c.Idle <= 0 {
		return nil
	}
	before, err := bench.CPUTime(p.Cmd.Process.Pid)
	if err != nil {
		return err
	}
	select {
	case <-time.After(s.c.Idle):
	case <-ctx.Done():
		return ctx.Err()
	}
	after, err := bench.CPUTime(p.Cmd.Process.Pid)
	if err != nil {
		return err
	}
	cores := (after - before).Seconds() / s.c.Idle.Seconds()
	s.rep.Idle = append(s.rep.Idle, idleCPU{Accounts: d.Accounts, CheckLog: mode, Cores: cores})
	s.logf("  idle for %s: deadbolt used %.3f cores", s.c.Idle, cores)
	return nil
}

// idleCPU is what deadbolt serve used doing nothing.
type idleCPU struct {
	Accounts int     `json:"accounts"`
	CheckLog string  `json:"check_log"`
	Cores    float64 `json:"cores"`
}

// probe sends one lock check and wants a 200 whose "locked" is a JSON
// boolean.
func probe(addr string, raw []byte) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct{ Locked *bool }
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		err = json.Unmarshal(body, &answer)
	}
	if resp.StatusCode != http.StatusOK || err != nil || answer.Locked == nil {
		return fmt.Errorf("deadbolt refused the probe lock check: %s %s", resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

// after records deadbolt's bench.Memory and keeps its final /metrics next to its
// log.
func (s *session) after(d dataset, srv *bench.Proc) error {
	m, err := srv.Memory()
	if err != nil {
		return fmt.Errorf("deadbolt memory: %w", err)
	}
	if old, ok := s.rep.Memory[d.Accounts]; !ok || m.RSS > old.RSS {
		s.rep.Memory[d.Accounts] = m
	}
	s.logf("  deadbolt VmRSS %.0f MB, VmHWM %.0f MB", float64(m.RSS)/mb, float64(m.Peak)/mb)
	if body := scrapeText(srv.Addr); body != nil {
		os.WriteFile(strings.TrimSuffix(srv.Log, ".log")+".metrics", body, 0o644)
	}
	return nil
}

func (s *session) logf(format string, args ...any) {
	fmt.Fprintf(s.progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// write prints the report and, with -out, saves it.
func (s *session) write() error { return bench.WriteReport(s.c.Out, s.rep.markdown(), s.rep) }
