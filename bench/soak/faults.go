package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

// fault is one injected failure and what it cost.
type fault struct {
	name       string
	nodes      []string      // the nodes it hit
	start, end time.Time     // when it was injected and when it was lifted
	recovery   time.Duration // from end until every hit node answered a check again; -1 if never
	note       string
	skippedWhy string
}

// injector runs the fault rotation.
type injector struct {
	c        *cluster
	cfg      config
	faults   []fault
	rotation []func(context.Context) fault
}

func newInjector(c *cluster, cfg config) *injector {
	in := &injector{c: c, cfg: cfg}
	a, b, cNode := c.nodes[0], c.nodes[1], c.nodes[2]
	in.rotation = []func(context.Context) fault{
		func(ctx context.Context) fault { return in.kill(ctx, a) },
		in.pgRestart,
		func(ctx context.Context) fault { return in.diskFull(ctx, cNode) },
		func(ctx context.Context) fault { return in.pause(ctx, b) },
		func(ctx context.Context) fault { return in.kill(ctx, cNode) },
		func(ctx context.Context) fault { return in.kill(ctx, b) },
		func(ctx context.Context) fault { return in.pause(ctx, a) },
		func(ctx context.Context) fault { return in.clockJump(ctx, b) },
	}
	return in
}

// run injects one fault every cfg.faultEvery until ctx ends.
func (in *injector) run(ctx context.Context) {
	for i := 0; ; i++ {
		sleep(ctx, in.cfg.faultEvery)
		if ctx.Err() != nil {
			return
		}
		f := in.rotation[i%len(in.rotation)](ctx)
		if f.skippedWhy == "" {
			logf("fault %-22s on %s: lifted after %s, answering again %s later", f.name, strings.Join(f.nodes, ","),
				f.end.Sub(f.start).Round(time.Millisecond), showRecovery(f.recovery))
		} else {
			logf("fault %-22s skipped: %s", f.name, f.skippedWhy)
		}
		in.faults = append(in.faults, f)
	}
}

func showRecovery(d time.Duration) string {
	if d < 0 {
		return "never"
	}
	return d.Round(time.Millisecond).String()
}

// kill ends a node with SIGKILL and starts it again.
func (in *injector) kill(ctx context.Context, n *node) fault {
	f := fault{name: "kill -9", nodes: []string{n.name}, start: time.Now()}
	n.mu.Lock()
	p := n.proc
	n.proc = nil
	n.mu.Unlock()
	p.Kill()
	sleep(ctx, 2*time.Second) // a crashed node is down for a while
	if err := in.c.start(context.Background(), n); err != nil {
		f.note = "restart failed: " + err.Error()
	}
	f.end = time.Now()
	f.recovery = in.recovered(f.end, n)
	return f
}

// pgRestart restarts the soak's private PostgreSQL server under nodes A
// and B (never a server the soak did not start).
func (in *injector) pgRestart(ctx context.Context) fault {
	f := fault{name: "PostgreSQL restart", nodes: []string{"A", "B"}, start: time.Now()}
	if in.c.pg == nil || !in.cfg.pgRestart {
		f.skippedWhy = "-no-pg-restart, or -postgres named a server the soak does not own"
		return f
	}
	if err := in.c.pg.restart(context.Background()); err != nil {
		f.note = err.Error()
	}
	f.end = time.Now()
	f.recovery = in.recovered(f.end, in.c.nodes[0], in.c.nodes[1])
	return f
}

// diskFull fills node C's filesystem, holds it full, then frees it.
func (in *injector) diskFull(ctx context.Context, n *node) fault {
	f := fault{name: "disk full", nodes: []string{n.name}, start: time.Now()}
	if in.c.tmpfs == "" {
		f.skippedWhy = "node C's data directory is not on a tmpfs the soak could mount"
		return f
	}
	filler := filepath.Join(in.c.tmpfs, "filler")
	file, err := os.Create(filler)
	if err != nil {
		f.skippedWhy = err.Error()
		return f
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := file.Write(chunk); err != nil {
			break // ENOSPC: full
		}
	}
	for { // the last partial megabyte
		if _, err := file.Write(chunk[:4096]); err != nil {
			break
		}
	}
	file.Close()
	readyz := probeReadyz(n)
	sleep(ctx, 10*time.Second)
	f.note = "/readyz while full: " + readyz
	os.Remove(filler)
	f.end = time.Now()
	f.recovery = in.recovered(f.end, n)
	return f
}

// pause stops a node with SIGSTOP for longer than its job lease.
func (in *injector) pause(ctx context.Context, n *node) fault {
	f := fault{name: "SIGSTOP past the lease", nodes: []string{n.name}, start: time.Now()}
	p := n.current()
	if p == nil {
		f.skippedWhy = "node is down"
		return f
	}
	p.Signal(syscall.SIGSTOP)
	sleep(ctx, 3*jobLease)
	p.Signal(syscall.SIGCONT)
	f.end = time.Now()
	f.recovery = in.recovered(f.end, n)
	return f
}

// clockJump restarts a node with its clock two minutes ahead (serve's
// test-only clock offset: the real clock cannot be moved for one process),
// lets it run so for a while, then restarts it on the true time.
func (in *injector) clockJump(ctx context.Context, n *node) fault {
	f := fault{name: "clock +2m", nodes: []string{n.name}, start: time.Now()}
	restart := func(extra ...string) error {
		n.mu.Lock()
		p := n.proc
		n.proc = nil
		n.mu.Unlock()
		p.Stop()
		return in.c.start(context.Background(), n, extra...)
	}
	if err := restart("--test-clock-offset", "2m"); err != nil {
		f.note = "restart with the offset failed: " + err.Error()
	}
	sleep(ctx, 20*time.Second)
	if err := restart(); err != nil {
		f.note += " restart on the true time failed: " + err.Error()
	}
	f.end = time.Now()
	f.recovery = in.recovered(f.end, n)
	return f
}

// recovered waits until every node answers a (side-effect free) check and
// returns how long that took after since; -1 after a minute.
func (in *injector) recovered(since time.Time, nodes ...*node) time.Duration {
	deadline := since.Add(time.Minute)
	for _, n := range nodes {
		cl, _ := client.New(client.Config{URL: n.url(), Issuer: n.inst.issuer, Key: mustKey(n.inst.key), Timeout: time.Second})
		for {
			_, err := cl.Check(context.Background(), n.inst.accounts[0], client.Context{Peek: true})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return -1
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return time.Since(since)
}

// probeReadyz says what a node's /readyz answered.
func probeReadyz(n *node) string {
	cl := &http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(n.url() + "/readyz")
	if err != nil {
		return transportCause(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	return fmt.Sprintf("%s %s", resp.Status, strings.TrimSpace(string(body)))
}
