// Package siemtest runs a real rsyslogd for the tests and benchmarks of
// SIEM delivery (internal/siem, bench/siem): unprivileged, with an imtcp
// input on a loopback port and every message it receives written to a
// file, one line each. A test can kill it with SIGKILL, as a crash would,
// and start it again on the same port.
//
// Without rsyslogd (Debian package rsyslog) a test skips, unless CI=true:
// there a skip would prove nothing, so it fails (scripts/test installs
// rsyslog).
package siemtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Queue is the main queue rsyslogd runs with.
type Queue string

const (
	// MemoryQueue is rsyslogd's default in-memory queue: it may close a
	// connection before it has written what it read.
	MemoryQueue Queue = ""
	// DirectQueue writes each message before rsyslogd reads the next, so
	// that it closes a connection only once it has written all it read
	// (what docs/audit.md advises): a kill loses nothing it acknowledged.
	DirectQueue Queue = `main_queue(queue.type="Direct")`
)

// Rsyslog is an rsyslogd a test starts, kills and starts again, on one
// port and one output file. Each line of the file is a message's MSGID
// and its structured data.
type Rsyslog struct {
	tb     testing.TB
	bin    string
	dir    string
	out    string
	port   string
	queue  Queue
	starts int
	cmd    *exec.Cmd
}

// StartRsyslog runs rsyslogd with queue on a free loopback port until the
// test ends.
func StartRsyslog(tb testing.TB, queue Queue) *Rsyslog {
	tb.Helper()
	r := NewRsyslog(tb, queue)
	r.Start("0")
	return r
}

// NewRsyslog prepares an rsyslogd with queue, not yet started, and kills
// it when the test ends.
func NewRsyslog(tb testing.TB, queue Queue) *Rsyslog {
	tb.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("rsyslogd is not installed (Debian package rsyslog) — failing, not skipping, because CI=true")
		}
		tb.Skip("rsyslogd is not installed (Debian package rsyslog)")
	}
	dir := tb.TempDir()
	r := &Rsyslog{tb: tb, bin: bin, dir: dir, out: filepath.Join(dir, "out.log"), queue: queue}
	tb.Cleanup(r.Kill)
	return r
}

// Addr is the loopback address rsyslogd listens on.
func (r *Rsyslog) Addr() string { return "127.0.0.1:" + r.port }

// Port is the port rsyslogd listens on, to start it again there.
func (r *Rsyslog) Port() string { return r.port }

// Running tells whether rsyslogd was started and not killed since.
func (r *Rsyslog) Running() bool { return r.cmd != nil }

// Start runs rsyslogd listening on port ("0": any free one, read back
// from its port file), and returns once it takes connections.
func (r *Rsyslog) Start(port string) {
	tb := r.tb
	tb.Helper()
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
		tb.Fatal(err)
	}
	cmd := exec.Command(r.bin, "-n", "-f", confFile, "-i", filepath.Join(r.dir, fmt.Sprintf("rsyslogd%d.pid", r.starts)))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	r.cmd = cmd
	if port != "0" {
		// rsyslogd writes the port file only for port 0: wait until the
		// port takes connections (an empty session, which it ignores).
		r.port = port
		WaitFor(tb, "rsyslogd to listen on "+port, func() bool {
			c, err := net.Dial("tcp", r.Addr())
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		return
	}
	WaitFor(tb, "rsyslogd's port file", func() bool {
		b, _ := os.ReadFile(portFile)
		r.port = strings.TrimSpace(string(b))
		return r.port != ""
	})
}

// Kill ends rsyslogd with SIGKILL, as a crash would: no flush, no
// goodbye.
func (r *Rsyslog) Kill() {
	if r.cmd == nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGKILL)
	r.cmd.Wait()
	r.cmd = nil
}

// Lines are the lines rsyslogd has written so far.
func (r *Rsyslog) Lines() []string {
	f, err := os.Open(r.out)
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

// WaitLines waits until rsyslogd has written at least n lines and
// returns them all (more than n if it wrote more).
func (r *Rsyslog) WaitLines(n int) []string {
	r.tb.Helper()
	WaitFor(r.tb, fmt.Sprintf("rsyslogd to write %d lines", n), func() bool { return len(r.Lines()) >= n })
	return r.Lines()
}

// WaitFor polls cond until it holds, for at most 10 s, and fails the test
// if it does not.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			tb.Fatalf("timed out waiting for %s", what)
		}
	}
}
