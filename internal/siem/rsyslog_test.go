package siem_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// startRsyslog runs rsyslogd, unprivileged, with an imtcp input on a free
// loopback port and every message written to a file; it returns the port
// and the file.
func startRsyslog(t *testing.T) (addr, out string) {
	r := newRsyslog(t, "")
	r.start("0")
	return r.addr(), r.out
}

// rsyslog is an rsyslogd the test starts, kills and starts again, on one
// port and one output file.
type rsyslog struct {
	t      *testing.T
	bin    string
	dir    string
	out    string
	port   string
	queue  string // main_queue parameters, if any
	starts int
	cmd    *exec.Cmd
}

func newRsyslog(t *testing.T, queue string) *rsyslog {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		// Under CI a skip would prove nothing: scripts/test installs it.
		if os.Getenv("CI") == "true" {
			t.Fatal("rsyslogd is not installed (Debian package rsyslog) — failing, not skipping, because CI=true")
		}
		t.Skip("rsyslogd is not installed (Debian package rsyslog)")
	}
	dir := t.TempDir()
	r := &rsyslog{t: t, bin: bin, dir: dir, out: filepath.Join(dir, "out.log"), queue: queue}
	t.Cleanup(r.kill)
	return r
}

func (r *rsyslog) addr() string { return "127.0.0.1:" + r.port }

// start runs rsyslogd listening on port ("0": any free one, read back
// from its port file).
func (r *rsyslog) start(port string) {
	t := r.t
	t.Helper()
	r.starts++
	portFile := filepath.Join(r.dir, fmt.Sprintf("port%d", r.starts))
	conf := fmt.Sprintf(`global(workDirectory=%q)
%s
module(load="imtcp")
template(name="line" type="string" string="%%msgid%% %%structured-data%%\n")
input(type="imtcp" address="127.0.0.1" port=%q listenPortFileName=%q)
action(type="omfile" file=%q template="line")
`, r.dir, r.queue, port, portFile, r.out)
	confFile := filepath.Join(r.dir, fmt.Sprintf("rsyslog%d.conf", r.starts))
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(r.bin, "-n", "-f", confFile, "-i", filepath.Join(r.dir, fmt.Sprintf("rsyslogd%d.pid", r.starts)))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.cmd = cmd
	if port != "0" {
		// rsyslogd writes the port file only for port 0: wait until the
		// port takes connections (an empty session, which it ignores).
		r.port = port
		waitFor(t, "rsyslogd to listen on "+port, func() bool {
			c, err := net.Dial("tcp", r.addr())
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		return
	}
	waitFor(t, "rsyslogd's port file", func() bool {
		b, _ := os.ReadFile(portFile)
		r.port = strings.TrimSpace(string(b))
		return r.port != ""
	})
}

// kill ends rsyslogd with SIGKILL, as a crash would: no flush, no
// goodbye.
func (r *rsyslog) kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.cmd.Wait()
	r.cmd = nil
}

// waitFor polls cond until it holds, for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// deliverAll runs the streamer until it has delivered want messages,
// and fails if it delivered more.
func deliverAll(t *testing.T, d *notify.Streamer, want int) {
	t.Helper()
	got := 0
	waitFor(t, "the outbox to deliver", func() bool {
		n, err := d.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		got += n
		return got >= want
	})
	if got != want {
		t.Fatalf("delivered %d, want %d", got, want)
	}
}

func lines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		out = append(out, sc.Text())
	}
	return out
}

func TestStreamToRsyslog(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "d.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
	tn := store.Tenant{ID: ids.New(), Name: "acme", CreatedAt: clk.Now()}
	audit := func(n int) {
		t.Helper()
		err := db.Update(ctx, func(tx store.Tx) error {
			for i := 0; i < n; i++ {
				if err := store.AppendAudit(ctx, tx, tn.ID, "cli:root", "account.unlocked", fmt.Sprintf("account:a%d", i),
					map[string]any{"note": `quote " and ] bracket`}, clk.Now()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(ctx, func(tx store.Tx) error { return tx.CreateTenant(ctx, tn) }); err != nil {
		t.Fatal(err)
	}
	audit(5)

	addr, out := startRsyslog(t)
	job := &siem.Job{Store: db, Clock: clk, Endpoints: []string{"rs"}, Batch: 2}
	deliver := &notify.Streamer{Store: db, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Endpoints: map[string]notify.BatchCarrier{"rs": &siem.Syslog{Address: addr, Host: "node1",
			Egress: egress.Policy{AllowPrivate: true}}}}
	stream := func(want int) {
		t.Helper()
		if n, err := job.RunOnce(ctx); err != nil || n != want {
			t.Fatalf("job queued %d, %v; want %d", n, err, want)
		}
		// The cursor moved with the messages: nothing is queued twice.
		if n, err := job.RunOnce(ctx); err != nil || n != 0 {
			t.Fatalf("second run queued %d, %v; want 0", n, err)
		}
		deliverAll(t, deliver, want)
	}
	stream(5)
	audit(3)
	stream(3)

	waitFor(t, "8 lines in rsyslog's file", func() bool { return len(lines(out)) >= 8 })
	got := lines(out)
	if len(got) != 8 {
		t.Fatalf("rsyslog wrote %d lines, want 8:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i, l := range got {
		want := fmt.Sprintf(`account.unlocked [deadbolt@32473 tenant="%s" seq="%d" actor="cli:root" target="account:a%d"`,
			tn.ID, i+1, []int{0, 1, 2, 3, 4, 0, 1, 2}[i])
		if !strings.HasPrefix(l, want) {
			t.Errorf("line %d:\n got %s\nwant %s…", i, l, want)
		}
	}
}

func TestSyslogEgress(t *testing.T) {
	addr, _ := startRsyslog(t)
	s := &siem.Syslog{Address: addr, Egress: egress.Policy{}} // loopback not allowed
	err := s.Deliver(context.Background(), store.OutboxMessage{ID: "m", Payload: []byte(`{"tenant":"t","seq":1}`)})
	if !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("Deliver to loopback without AllowPrivate: %v, want egress refusal", err)
	}
}
