package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// config is the run command's flags.
type config struct {
	bench.Flags
	Postgres string        `json:"-"`
	Params   string        `json:"postgres_url_params,omitempty"`
	Accounts int           `json:"accounts"`
	Sample   int           `json:"token_sample"`
	Workers  int           `json:"workers"`
	Warmup   time.Duration `json:"warmup_ns"`
	Duration time.Duration `json:"duration_ns"`
	Rounds   int           `json:"rounds"`
	Trials   int           `json:"propagation_trials"`
	SQLite   bool          `json:"sqlite_too"`
}

func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	c.Register(fs, "where the SQLite data set goes", "the work directory and the PostgreSQL database", 30*time.Minute)
	fs.StringVar(&c.Postgres, "postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL server (a URL of any database on it) on which to create the benchmark database")
	fs.StringVar(&c.Params, "params", "", "extra URL parameters for the nodes' database URL, e.g. pool_max_conns=16")
	fs.IntVar(&c.Accounts, "accounts", 1_000_000, "enrolled accounts")
	fs.IntVar(&c.Sample, "sample", 10000, "distinct accounts (one token each) checked, chosen at random")
	fs.IntVar(&c.Workers, "workers", 32, "concurrent keep-alive connections")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "warm-up before each measured window (not counted)")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "measured window of each run")
	fs.IntVar(&c.Rounds, "rounds", 2, "baseline/deadbolt pairs to measure")
	fs.IntVar(&c.Trials, "trials", 200, "lock propagation trials")
	fs.BoolVar(&c.SQLite, "sqlite", true, "also measure the SQLite data set the PostgreSQL one was copied from")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.Accounts < 10 || c.Sample < 1 || c.Workers < 1 || c.Duration <= 0 || c.Rounds < 1 || c.Trials < 1 {
		return c, fmt.Errorf("-accounts (at least 10), -sample, -workers, -duration, -rounds and -trials must be positive")
	}
	return c, nil
}

// run is one benchmark's state.
type run struct {
	c       config
	bin     string
	logDir  string
	dataDir string
	issuer  string
	secret  []byte
	pgURL   string
	rng     *mrand.Rand
	rep     report
}

// report is everything a run measured.
type report struct {
	bench.Machine
	Postgres    string      `json:"postgres_version"`
	Config      config      `json:"config"`
	ImportSecs  float64     `json:"sqlite_import_seconds"`
	CopySecs    float64     `json:"copy_seconds"`
	CopiedRows  int64       `json:"copied_rows"`
	Runs        []loadRun   `json:"runs"`
	Ratios      []float64   `json:"postgres_vs_baseline"`
	SQLiteRatio float64     `json:"sqlite_vs_baseline,omitempty"`
	Propagation propagation `json:"propagation"`
}

// loadRun is one closed-loop load run.
type loadRun struct {
	Server     string  `json:"server"` // baseline, postgres or sqlite
	Throughput float64 `json:"throughput"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	OK         int     `json:"ok"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	// ServerCPU is the CPU time per answered request of the server process,
	// DatabaseCPU that of the PostgreSQL backends serving it, in µs.
	ServerCPU   float64 `json:"server_cpu_us_per_req"`
	DatabaseCPU float64 `json:"database_cpu_us_per_req,omitempty"`
}

func runCmd(args []string) error {
	c, err := parseConfig(args)
	if err != nil {
		return err
	}
	ctx, setup, end, err := c.Begin("deadbolt-bench-pg-")
	if err != nil {
		return err
	}
	defer end()
	c.Workdir = setup.Work
	r := &run{c: c, logDir: setup.Logs, bin: setup.Bin, dataDir: filepath.Join(c.Workdir, "data"),
		issuer: "https://bench-pg.deadbolt.test", rng: mrand.New(mrand.NewPCG(2, uint64(time.Now().UnixNano())))}
	r.rep = report{Machine: bench.ThisMachine(), Config: c}
	if err := r.seed(ctx); err != nil {
		return err
	}
	dropDB, err := r.createDatabase(ctx)
	if err != nil {
		return err
	}
	if !c.Keep {
		defer dropDB()
	}
	if err := r.copyToPostgres(ctx); err != nil {
		return err
	}
	if err := r.throughput(ctx); err != nil {
		return err
	}
	if err := r.propagation(ctx); err != nil {
		return err
	}
	return r.write()
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (r *run) sqliteDB() string { return "sqlite:" + filepath.Join(r.dataDir, "deadbolt.db") }

// masterKeyEnv gives a PostgreSQL node the SQLite install's master key.
func (r *run) masterKeyEnv() string {
	return "DEADBOLT_MASTER_KEY_FILE=" + filepath.Join(r.dataDir, "master.key")
}

// seed makes the SQLite install through the CLI, as an operator would.
func (r *run) seed(ctx context.Context) error {
	r.logf("seeding %d accounts into SQLite", r.c.Accounts)
	if err := os.MkdirAll(r.dataDir, 0o700); err != nil {
		return err
	}
	seeded, err := bench.Seed(ctx, r.bin, bench.ChildEnv("DEADBOLT_DB="+r.sqliteDB()), r.issuer, r.c.Accounts,
		filepath.Join(r.dataDir, "accounts.csv"))
	if err != nil {
		return err
	}
	r.secret, r.rep.ImportSecs = seeded.Secret, seeded.Import.Seconds()
	r.logf("  imported in %.1f s", r.rep.ImportSecs)
	return nil
}

// createDatabase makes deadbolt_bench_<random> on the server and returns
// a function that drops it.
func (r *run) createDatabase(ctx context.Context) (func(), error) {
	conn, err := pgx.Connect(ctx, r.c.Postgres)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: %w", redact(r.c.Postgres), err)
	}
	defer conn.Close(ctx)
	conn.QueryRow(ctx, `SHOW server_version`).Scan(&r.rep.Postgres)
	b := make([]byte, 5)
	rand.Read(b)
	name := "deadbolt_bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return nil, err
	}
	u, err := url.Parse(r.c.Postgres)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	if r.c.Params != "" {
		extra, err := url.ParseQuery(r.c.Params)
		if err != nil {
			return nil, fmt.Errorf("-params: %w", err)
		}
		q := u.Query()
		for k, v := range extra {
			q[k] = v
		}
		u.RawQuery = q.Encode()
	}
	r.pgURL = u.String()
	r.logf("PostgreSQL %s: database %s", r.rep.Postgres, name)
	return func() {
		c, err := pgx.Connect(context.Background(), r.c.Postgres)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	}, nil
}

// copyToPostgres moves the SQLite install to PostgreSQL with deadbolt copy.
func (r *run) copyToPostgres(ctx context.Context) error {
	r.logf("copying to PostgreSQL with deadbolt copy")
	began := time.Now()
	out, err := bench.CLI(ctx, r.bin, bench.ChildEnv(), "copy", "--from", r.sqliteDB(), "--to", r.pgURL, "--json")
	if err != nil {
		return err
	}
	r.rep.CopySecs = time.Since(began).Seconds()
	var res struct{ Rows int64 }
	json.Unmarshal(out, &res)
	r.rep.CopiedRows = res.Rows
	r.logf("  copied and verified %d rows in %.1f s", res.Rows, r.rep.CopySecs)
	return nil
}

// measure makes one closed-loop run against p, counting the CPU time of
// p and, with dbPIDs, of the PostgreSQL backends it lists at the start of
// the measured window (the pool opens connections as load needs them).
func (r *run) measure(ctx context.Context, server string, p *bench.Proc, dbPIDs func() []int) (loadRun, error) {
	addr := p.Addr
	reqs, err := bench.CheckRequests(r.issuer, r.secret, bench.Sample(r.c.Accounts, r.c.Sample, r.rng), addr, time.Now())
	if err != nil {
		return loadRun{}, err
	}
	type cpu struct{ server, db time.Duration }
	window := make(chan [2]cpu, 1)
	began := time.Now()
	go func() {
		var at [2]cpu
		var pids []int
		for i, after := range []time.Duration{r.c.Warmup, r.c.Warmup + r.c.Duration} {
			time.Sleep(time.Until(began.Add(after)))
			if i == 0 && dbPIDs != nil {
				pids = dbPIDs()
			}
			at[i].server, _ = bench.CPUTime(p.Cmd.Process.Pid)
			at[i].db = cpuOf(pids)
		}
		window <- at
	}()
	res, err := bench.Run(ctx, bench.Options{Addr: addr, Requests: reqs, Workers: r.c.Workers, Warmup: r.c.Warmup, Duration: r.c.Duration})
	if err != nil {
		return loadRun{}, err
	}
	at := <-window
	ms := func(p float64) float64 { return float64(res.Percentile(p)) / 1e6 }
	lr := loadRun{Server: server, Throughput: res.Throughput(), P50: ms(50), P99: ms(99), OK: res.OK, Errors: res.Errors}
	if res.OK > 0 {
		lr.ServerCPU = float64((at[1].server - at[0].server).Microseconds()) / float64(res.OK)
		lr.DatabaseCPU = float64((at[1].db - at[0].db).Microseconds()) / float64(res.OK)
	}
	if res.FirstError != nil {
		lr.FirstError = res.FirstError.Error()
	}
	r.rep.Runs = append(r.rep.Runs, lr)
	r.logf("  %-8s %3d conns: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  server %5.1f µs/req  database %5.1f µs/req  errors %d %s",
		server, r.c.Workers, lr.Throughput, lr.P50, lr.P99, lr.ServerCPU, lr.DatabaseCPU, lr.Errors, lr.FirstError)
	if res.OK == 0 {
		return lr, fmt.Errorf("%s answered no request with 2xx (%v, statuses %v)", server, res.FirstError, res.Statuses)
	}
	return lr, nil
}

// serve starts deadbolt serve on db.
func (r *run) serve(ctx context.Context, name, db string, extraEnv ...string) (*bench.Proc, error) {
	addr, err := bench.FreeAddr()
	if err != nil {
		return nil, err
	}
	env := bench.ChildEnv(append([]string{"DEADBOLT_DB=" + db}, extraEnv...)...)
	return bench.Start(ctx, "deadbolt serve ("+name+")", addr, "/readyz", filepath.Join(r.logDir, "deadbolt-"+name+".log"),
		r.bin, env, "serve", "--addr", addr, "--check-log", "sync")
}

// throughput alternates baseline and deadbolt-on-PostgreSQL runs.
func (r *run) throughput(ctx context.Context) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	addr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	base, err := bench.Start(ctx, "baseline server", addr, "/", filepath.Join(r.logDir, "baseline.log"), self, bench.ChildEnv(), "baseline-server", "-addr", addr)
	if err != nil {
		return err
	}
	defer base.Stop()
	node, err := r.serve(ctx, "postgres", r.pgURL, r.masterKeyEnv())
	if err != nil {
		return err
	}
	defer node.Stop()
	r.logf("throughput at %d accounts: baseline vs deadbolt on PostgreSQL (sync check log)", r.c.Accounts)
	dbPIDs := func() []int {
		pids, err := backends(ctx, r.pgURL, "deadbolt")
		if err != nil {
			r.logf("  cannot list the node's database backends: %v", err)
		}
		return pids
	}
	for range r.c.Rounds {
		b, err := r.measure(ctx, "baseline", base, nil)
		if err != nil {
			return err
		}
		p, err := r.measure(ctx, "postgres", node, dbPIDs)
		if err != nil {
			return err
		}
		r.rep.Ratios = append(r.rep.Ratios, p.Throughput/b.Throughput)
		r.logf("  postgres/baseline = %.2f", p.Throughput/b.Throughput)
	}
	if err := node.Stop(); err != nil {
		return err
	}
	if r.c.SQLite {
		lite, err := r.serve(ctx, "sqlite", r.sqliteDB())
		if err != nil {
			return err
		}
		defer lite.Stop()
		b, err := r.measure(ctx, "baseline", base, nil)
		if err != nil {
			return err
		}
		s, err := r.measure(ctx, "sqlite", lite, nil)
		if err != nil {
			return err
		}
		r.rep.SQLiteRatio = s.Throughput / b.Throughput
		r.logf("  sqlite/baseline = %.2f", r.rep.SQLiteRatio)
		if err := lite.Stop(); err != nil {
			return err
		}
	}
	return nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a URL that does not parse)"
	}
	return u.Redacted()
}
