package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/bench"
)

// install is one deadbolt database and the application the soak protects
// in it: PostgreSQL (nodes A and B) or SQLite (node C).
type install struct {
	name     string // "pg" or "sqlite"
	db       string // DEADBOLT_DB
	issuer   string
	key      string   // base64 signing key
	accounts []string // changed by the operators
	// requestAccounts are owned by a member who approves their unlock
	// requests; the operators never touch them.
	requestAccounts []string
	nodes           []*node
}

// node is one `deadbolt serve` of an install.
type node struct {
	name    string
	inst    *install
	addr    string
	logPath string

	mu   sync.Mutex
	proc *bench.Proc // nil while down
}

func (n *node) url() string { return "http://" + n.addr }

func (n *node) current() *bench.Proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// cluster is everything the soak started.
type cluster struct {
	bin       string
	dir       string
	masterKey string
	pgServer  string    // maintenance URL
	pg        *pgServer // the soak's private server; nil with -postgres
	pgName    string    // the soak's database
	tmpfs     string    // node C's data directory's mount point ("" if not mounted)
	installs  []*install
	nodes     []*node
}

// env is the environment of every deadbolt process of the soak.
func (c *cluster) env(db string) []string {
	return bench.ChildEnv("DEADBOLT_DB="+db, "DEADBOLT_MASTER_KEY="+c.masterKey)
}

// cli runs the deadbolt CLI against an install's database.
func (c *cluster) cli(ctx context.Context, in *install, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env(in.db)
	cmd.Dir = c.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("deadbolt %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// newCluster builds deadbolt, creates both databases, sets up an
// application with accounts in each, and starts the three nodes.
func newCluster(ctx context.Context, cfg config) (*cluster, error) {
	dir, err := os.MkdirTemp("", "deadbolt-soak-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: filepath.Join(dir, "deadbolt"), pgServer: cfg.postgres}
	logf("building deadbolt")
	build := exec.CommandContext(ctx, "go", "build", "-o", c.bin, "./cmd/deadbolt")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build (run the soak from the repository root): %w", err)
	}
	mk := make([]byte, 32)
	rand.Read(mk)
	c.masterKey = base64.StdEncoding.EncodeToString(mk)

	// PostgreSQL: a server of the soak's own unless -postgres names one,
	// and a database of its own on it.
	if cfg.postgres == "" {
		logf("starting a private PostgreSQL server")
		if c.pg, err = startPGServer(ctx, filepath.Join(dir, "postgres")); err != nil {
			return c, err
		}
		cfg.postgres, c.pgServer = c.pg.URL(), c.pg.URL()
		logf("private PostgreSQL on %s", c.pg.URL())
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	c.pgName = "deadbolt_soak_" + hex.EncodeToString(suffix)
	if err := pgExec(ctx, cfg.postgres, `CREATE DATABASE `+c.pgName+` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		return nil, fmt.Errorf("creating the soak's PostgreSQL database on %s: %w", cfg.postgres, err)
	}
	pgURL, err := withDatabase(cfg.postgres, c.pgName)
	if err != nil {
		return nil, err
	}

	// SQLite: on a tmpfs of its own, so that its disk can be filled.
	sqliteDir := filepath.Join(dir, "sqlite")
	if err := os.MkdirAll(sqliteDir, 0o700); err != nil {
		return nil, err
	}
	if cfg.diskFull {
		if err := syscall.Mount("tmpfs", sqliteDir, "tmpfs", 0, fmt.Sprintf("size=%dm,mode=0700", cfg.tmpfsMB)); err != nil {
			logf("cannot mount a tmpfs for node C (%v): the disk-full fault is left out", err)
		} else {
			c.tmpfs = sqliteDir
		}
	}

	c.installs = []*install{
		{name: "pg", db: pgURL, issuer: "soak-pg.acme.test"},
		{name: "sqlite", db: "sqlite:" + filepath.Join(sqliteDir, "deadbolt.db"), issuer: "soak-sqlite.acme.test"},
	}
	for _, in := range c.installs {
		if _, err := c.cli(ctx, in, "migrate"); err != nil {
			return nil, err
		}
		if _, err := c.cli(ctx, in, "tenant", "create", "acme"); err != nil {
			return nil, err
		}
		if _, err := c.cli(ctx, in, "app", "create", "--tenant", "acme", "--name", "Soak", "--issuer", in.issuer); err != nil {
			return nil, err
		}
		out, err := c.cli(ctx, in, "key", "create", "--app", in.issuer, "--json")
		if err != nil {
			return nil, err
		}
		var k struct{ Secret string }
		if err := json.Unmarshal([]byte(out), &k); err != nil || k.Secret == "" {
			return nil, fmt.Errorf("key create printed %q", out)
		}
		in.key = k.Secret
		for i := range cfg.accounts {
			a := fmt.Sprintf("%s-%02d", in.name, i)
			if _, err := c.cli(ctx, in, "account", "enroll", "--app", in.issuer, "--account", a); err != nil {
				return nil, err
			}
			if _, err := c.cli(ctx, in, "account", "lock", "--app", in.issuer, "--account", a); err != nil {
				return nil, err
			}
			in.accounts = append(in.accounts, a)
		}
	}
	for _, spec := range []struct {
		name string
		in   *install
	}{{"A", c.installs[0]}, {"B", c.installs[0]}, {"C", c.installs[1]}} {
		addr, err := bench.FreeAddr()
		if err != nil {
			return nil, err
		}
		n := &node{name: spec.name, inst: spec.in, addr: addr, logPath: filepath.Join(cfg.out, "node-"+spec.name+".log")}
		spec.in.nodes = append(spec.in.nodes, n)
		c.nodes = append(c.nodes, n)
		if err := c.start(ctx, n); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// start starts a node's serve, with extra flags, and waits until it is
// ready.
func (c *cluster) start(ctx context.Context, n *node, extra ...string) error {
	args := append([]string{"serve", "--addr", n.addr, "--public-url", n.url(), "--job-lease", jobLease.String()}, extra...)
	p, err := bench.Start(ctx, "node "+n.name, n.addr, "/readyz", n.logPath, c.bin, c.env(n.inst.db), args...)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.proc = p
	n.mu.Unlock()
	return nil
}

// jobLease is the nodes' job lease: SIGSTOP lasts longer than this.
const jobLease = 5 * time.Second

// close stops every node and removes what the soak made.
func (c *cluster) close(keep bool) {
	for _, n := range c.nodes {
		if p := n.current(); p != nil {
			p.Signal(syscall.SIGCONT)
			p.Stop()
		}
	}
	if c.tmpfs != "" {
		syscall.Unmount(c.tmpfs, 0)
	}
	if c.pg != nil {
		if err := c.pg.stop(); err != nil {
			logf("%v", err)
		}
	}
	if !keep {
		if c.pgName != "" && c.pg == nil {
			pgExec(context.Background(), c.pgServer, `DROP DATABASE IF EXISTS `+c.pgName+` WITH (FORCE)`)
		}
		os.RemoveAll(c.dir)
	}
}

func pgExec(ctx context.Context, server, sql string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns server's URL with its database replaced by name.
func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("postgres URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
