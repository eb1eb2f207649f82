package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// pgServer is a private PostgreSQL server the soak starts with initdb and
// pg_ctl from the machine's PostgreSQL binaries, in a directory of its own
// on a free loopback port. Its restart fault restarts this server only,
// never one that other people on the machine use.
type pgServer struct {
	bin  string // directory of initdb and pg_ctl
	data string // its data directory
	log  string // the server's log file
	port int
	as   []string // runuser prefix when running as root (initdb refuses root)
}

// startPGServer initialises and starts a server under dir.
func startPGServer(ctx context.Context, dir string) (*pgServer, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		return nil, errors.New("no /usr/lib/postgresql/*/bin/pg_ctl: install PostgreSQL's server binaries, or pass -postgres")
	}
	sort.Slice(bins, func(i, j int) bool { return pgMajor(bins[i]) < pgMajor(bins[j]) })
	s := &pgServer{bin: filepath.Dir(bins[len(bins)-1]), data: filepath.Join(dir, "pgdata"), log: filepath.Join(dir, "postgres.log")}
	if err := os.MkdirAll(s.data, 0o700); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, initdb needs another user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, s.data} {
			if err := os.Chown(p, uid, gid); err != nil {
				return nil, err
			}
		}
		// The postgres user must reach dir: let it traverse (not list)
		// the soak's directory above it.
		if err := os.Chmod(filepath.Dir(dir), 0o711); err != nil {
			return nil, err
		}
		s.as = []string{"runuser", "-u", "postgres", "--"}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	if out, err := s.run(ctx, "initdb", "-D", s.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=200", s.port, s.data)
	if out, err := s.run(ctx, "pg_ctl", "-D", s.data, "-o", opts, "-l", s.log, "-w", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w: %s", err, out)
	}
	return s, nil
}

// URL is the maintenance database's URL.
func (s *pgServer) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// restart stops the server (fast: sessions are cut) and starts it again
// with the same options, waiting for both. The log file must be given
// again: without it the new server writes to pg_ctl's output, which it
// then holds open, and reading that output would never end.
func (s *pgServer) restart(ctx context.Context) error {
	if out, err := s.run(ctx, "pg_ctl", "-D", s.data, "-m", "fast", "-l", s.log, "-w", "restart"); err != nil {
		return fmt.Errorf("pg_ctl restart: %w: %s", err, out)
	}
	return nil
}

// stop stops the server.
func (s *pgServer) stop() error {
	out, err := s.run(context.Background(), "pg_ctl", "-D", s.data, "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

func (s *pgServer) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	argv := append(append([]string{}, s.as...), append([]string{filepath.Join(s.bin, prog)}, args...)...)
	return exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
}

// pgMajor is the major version in a /usr/lib/postgresql/N/bin path.
func pgMajor(path string) int {
	parts := strings.Split(path, string(filepath.Separator))
	for i, p := range parts {
		if p == "postgresql" && i+1 < len(parts) {
			n, _ := strconv.Atoi(parts[i+1])
			return n
		}
	}
	return 0
}
