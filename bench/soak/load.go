package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

// opKind is a change an operator makes to an account through the CLI.
type opKind string

const (
	opLock   opKind = "lock"
	opUnlock opKind = "unlock" // for longer than the soak lasts
	opOnce   opKind = "once"
)

// op is one CLI change: when it began, and when (if ever) it was
// acknowledged, that is when the CLI exited 0.
type op struct {
	install, account string
	kind             opKind
	start, ack       time.Time // ack is zero when the CLI failed
	err              string
}

// answer is one lock check as the checker saw it.
type answer struct {
	install, node, account string
	start, end             time.Time
	status                 int    // HTTP status; 0 for a transport error
	locked                 bool   // with status 200
	decision               string // with status 200
	session                string // with status 200
	cause                  string // error code or transport error class otherwise
}

// recorder keeps every op and answer of the run.
type recorder struct {
	mu      sync.Mutex
	ops     []op
	answers []answer
}

func (r *recorder) op(o op) {
	r.mu.Lock()
	r.ops = append(r.ops, o)
	r.mu.Unlock()
}

func (r *recorder) answer(a answer) {
	r.mu.Lock()
	r.answers = append(r.answers, a)
	r.mu.Unlock()
}

// operate changes one account until ctx ends: always back through a lock,
// so that every unlock starts from a known locked state (then "a once-unlock
// opened at most one check" can be counted exactly).
func operate(ctx context.Context, c *cluster, in *install, account string, rec *recorder, pause time.Duration) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	next := opLock
	for ctx.Err() == nil {
		args := []string{"account", "lock", "--app", in.issuer, "--account", account}
		switch next {
		case opUnlock:
			args = []string{"account", "unlock", "--app", in.issuer, "--account", account, "--for", "24h"}
		case opOnce:
			args = []string{"account", "unlock", "--app", in.issuer, "--account", account, "--once"}
		}
		o := op{install: in.name, account: account, kind: next, start: time.Now()}
		// The CLI is not cancelled by the end of the run: an op that was
		// started is always seen through, so its outcome is known.
		_, err := c.cli(context.Background(), in, args...)
		if err != nil {
			o.err = err.Error()
		} else {
			o.ack = time.Now()
		}
		rec.op(o)
		switch {
		case err != nil:
			// A change that failed may or may not have been made: go back
			// through a lock before the next unlock, so that a once-unlock
			// never follows an unlock that might still hold.
			next = opLock
		case next == opLock:
			if rng.IntN(3) == 0 {
				next = opOnce
			} else {
				next = opUnlock
			}
		default:
			next = opLock
		}
		sleep(ctx, pause/2+time.Duration(rng.Int64N(int64(pause))))
	}
}

// checkLoop sends lock checks for random accounts of random nodes at about
// rate per second until ctx ends.
func checkLoop(ctx context.Context, c *cluster, rec *recorder, rate float64) {
	type target struct {
		n   *node
		cli *client.Client
	}
	var targets []target
	for _, n := range c.nodes {
		cl, err := client.New(client.Config{URL: n.url(), Issuer: n.inst.issuer, Key: mustKey(n.inst.key),
			Timeout: 3 * time.Second, IntegrationType: "soak"})
		if err != nil {
			panic(err) // the configuration is the soak's own
		}
		targets = append(targets, target{n, cl})
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, 32) // at most 32 checks in flight
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t := targets[rng.IntN(len(targets))]
		all := t.n.inst.accounts
		if rng.IntN(4) == 0 && len(t.n.inst.requestAccounts) > 0 {
			all = t.n.inst.requestAccounts
		}
		account := all[rng.IntN(len(all))]
		select {
		case sem <- struct{}{}:
		default:
			continue // the cluster is stalled; don't pile up
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			a := answer{install: t.n.inst.name, node: t.n.name, account: account, start: time.Now()}
			d, err := t.cli.Check(context.Background(), account, client.Context{IP: "203.0.113.9", Device: "soak"})
			a.end = time.Now()
			var he *client.HTTPError
			switch {
			case err == nil:
				a.status, a.locked, a.decision, a.session = 200, d.Locked, d.Status, d.SessionID
			case errors.As(err, &he):
				a.status, a.cause = he.Status, he.Code
				if a.cause == "" {
					a.cause = "no error code"
				}
			default:
				a.cause = transportCause(err)
			}
			rec.answer(a)
		}()
	}
}

// transportCause names the class of a failed request.
func transportCause(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "other transport error"
	}
}

func mustKey(b64 string) []byte {
	k, err := client.DecodeKey(b64)
	if err != nil {
		panic(err)
	}
	return k
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
