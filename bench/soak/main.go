package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// config is the soak's command line.
type config struct {
	duration   time.Duration
	faultEvery time.Duration
	accounts   int
	rate       float64
	pause      time.Duration
	postgres   string
	out        string
	tmpfsMB    int
	diskFull   bool
	pgRestart  bool
	keep       bool
}

func main() {
	var cfg config
	fs := flag.NewFlagSet("soak", flag.ExitOnError)
	fs.DurationVar(&cfg.duration, "duration", 30*time.Minute, "how long the load runs")
	fs.DurationVar(&cfg.faultEvery, "fault-every", 2*time.Minute, "time between faults (they rotate: kill -9, PostgreSQL restart, disk full, SIGSTOP, …)")
	fs.IntVar(&cfg.accounts, "accounts", 12, "accounts per database, each with an operator changing it through the CLI")
	fs.Float64Var(&cfg.rate, "rate", 150, "lock checks per second, spread over the three nodes")
	fs.DurationVar(&cfg.pause, "op-pause", 2*time.Second, "mean pause between one operator's changes")
	fs.StringVar(&cfg.postgres, "postgres", "", "PostgreSQL server to create the soak's database on (default: a private server the soak starts with initdb and pg_ctl, and the only one it ever restarts; with this flag the PostgreSQL restart is left out)")
	fs.StringVar(&cfg.out, "out", "", "report directory (default bench/soak/results/<UTC time>)")
	fs.IntVar(&cfg.tmpfsMB, "tmpfs-mb", 256, "size of the tmpfs under node C")
	noDisk := fs.Bool("no-disk-full", false, "leave out the disk-full fault (it mounts a tmpfs, which needs root)")
	noPG := fs.Bool("no-pg-restart", false, "leave out the PostgreSQL restart (of the soak's private server)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the databases and the data directory afterwards")
	fs.Parse(os.Args[1:])
	cfg.diskFull, cfg.pgRestart = !*noDisk, !*noPG && cfg.postgres == ""
	if cfg.out == "" {
		cfg.out = filepath.Join("bench", "soak", "results", time.Now().UTC().Format("20060102T150405Z"))
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(cfg config) error {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := newCluster(ctx, cfg)
	if c != nil {
		defer c.close(cfg.keep)
	}
	if err != nil {
		return err
	}
	logf("cluster up: A %s, B %s (PostgreSQL), C %s (SQLite); load for %s", c.nodes[0].addr, c.nodes[1].addr, c.nodes[2].addr, cfg.duration)

	var approvers []*approver
	for _, in := range c.installs {
		ap, err := newApprover(ctx, c, in)
		if err != nil {
			return err
		}
		approvers = append(approvers, ap)
	}

	rec := &recorder{}
	smp := &sampler{}
	inj := newInjector(c, cfg)
	loadCtx, endLoad := context.WithTimeout(ctx, cfg.duration)
	defer endLoad()
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); smp.run(loadCtx, c) }()
	go func() { defer wg.Done(); inj.run(loadCtx) }()
	go func() { defer wg.Done(); checkLoop(loadCtx, c, rec, cfg.rate) }()
	for _, in := range c.installs {
		for _, a := range in.accounts {
			wg.Add(1)
			go func() { defer wg.Done(); operate(loadCtx, c, in, a, rec, cfg.pause) }()
		}
	}
	for _, ap := range approvers {
		wg.Add(1)
		go func() { defer wg.Done(); ap.run(loadCtx, cfg.pause) }()
	}
	go progress(loadCtx, start, cfg.duration, rec)
	wg.Wait()
	end := time.Now()
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted")
	}

	logf("load done; every node must answer again before verification")
	for _, n := range c.nodes {
		if n.current() == nil {
			if err := c.start(context.Background(), n); err != nil {
				return err
			}
		}
	}
	if inj.recovered(time.Now(), c.nodes...) < 0 {
		return fmt.Errorf("a node does not answer after the run; see the logs in %s", cfg.out)
	}
	logf("verifying %d answers and %d changes", len(rec.answers), len(rec.ops))
	v, err := verify(context.Background(), c, rec, approvers)
	if err != nil {
		return err
	}
	smp.mu.Lock()
	samples := smp.samples
	smp.mu.Unlock()
	path, err := writeReport(cfg.out, cfg, start, end, rec, inj.faults, samples, v)
	if err != nil {
		return err
	}
	logf("report: %s", path)
	if !v.ok() {
		return fmt.Errorf("violations found; see %s", path)
	}
	return nil
}

// progress prints a line every 30 s so that a long run shows it is alive.
func progress(ctx context.Context, start time.Time, total time.Duration, rec *recorder) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rec.mu.Lock()
		n, o := len(rec.answers), len(rec.ops)
		rec.mu.Unlock()
		el := time.Since(start)
		logf("%3.0f%%  %s of %s: %d checks, %d changes", 100*el.Seconds()/total.Seconds(), el.Round(time.Second), total, n, o)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
