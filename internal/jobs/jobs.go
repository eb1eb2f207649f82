package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Job is one background job.
type Job struct {
	Name     string
	Interval time.Duration // between rounds
	Run      func(ctx context.Context) error
}

// Runner runs jobs under leases. Start it once; it stops when its context
// ends.
type Runner struct {
	Store  store.Leaser
	Clock  clock.Clock
	Log    *slog.Logger
	Holder string        // this node's name; default a random one
	TTL    time.Duration // lease length; default 15 s
	Jobs   []Job

	mu   sync.Mutex
	held map[string]bool
}

// NewHolder returns a random node name.
func NewHolder() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "node-" + hex.EncodeToString(b)
}

// Run runs every job until ctx ends, and returns when all have stopped.
func (r *Runner) Run(ctx context.Context) {
	if r.Holder == "" {
		r.Holder = NewHolder()
	}
	if r.TTL <= 0 {
		r.TTL = 15 * time.Second
	}
	var wg sync.WaitGroup
	for _, j := range r.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.loop(ctx, j)
		}()
	}
	wg.Wait()
}

// Held lists the jobs this node holds the lease of now, sorted.
func (r *Runner) Held() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for name, ok := range r.held {
		if ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func (r *Runner) setHeld(name string, held bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held == nil {
		r.held = map[string]bool{}
	}
	if r.held[name] != held && r.Log != nil {
		r.Log.Info("job lease", "job", name, "holder", r.Holder, "held", held)
	}
	r.held[name] = held
}

func (r *Runner) isHeld(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held[name]
}

// release gives a held lease up at shutdown by renewing it for a moment, so
// another node takes the job over at once instead of after the TTL (a
// rolling restart would otherwise leave the job idle that long).
func (r *Runner) release(job string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := r.Store.TryLease(ctx, job, r.Holder, r.Clock.Now(), time.Nanosecond); err != nil && r.Log != nil {
		r.Log.Warn("job lease not released", "job", job, "err", err)
	}
}

// loop renews the lease every round; the interval is kept below a third of
// the TTL so a live holder never lets its lease lapse.
func (r *Runner) loop(ctx context.Context, j Job) {
	every := min(j.Interval, r.TTL/3)
	t := time.NewTicker(every)
	defer t.Stop()
	var last time.Time
	for {
		ok, err := r.Store.TryLease(ctx, j.Name, r.Holder, r.Clock.Now(), r.TTL)
		if err != nil && ctx.Err() == nil && r.Log != nil {
			r.Log.Warn("job lease not taken", "job", j.Name, "err", err)
		}
		r.setHeld(j.Name, ok && err == nil)
		if ok && err == nil && time.Since(last) >= j.Interval {
			last = time.Now()
			if err := j.Run(ctx); err != nil && ctx.Err() == nil && r.Log != nil {
				r.Log.Warn("job round failed", "job", j.Name, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			if r.isHeld(j.Name) {
				r.release(j.Name)
			}
			r.setHeld(j.Name, false)
			return
		case <-t.C:
		}
	}
}
