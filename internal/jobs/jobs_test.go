package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestOneHolderAtATimeAndHandover runs two runners on one real SQLite
// database: only one runs the job; when it stops, the other takes over
// once the lease has run out.
func TestOneHolderAtATimeAndHandover(t *testing.T) {
	s := backends.SQLite(t)
	var runsA, runsB atomic.Int64
	mk := func(name string, n *atomic.Int64) *Runner {
		return &Runner{Store: s, Clock: clock.Real{}, Holder: name, TTL: 600 * time.Millisecond,
			Jobs: []Job{{Name: "outbox", Interval: 50 * time.Millisecond, Run: func(context.Context) error { n.Add(1); return nil }}}}
	}
	a, b := mk("a", &runsA), mk("b", &runsB)
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan struct{})
	go func() { a.Run(ctxA); close(doneA) }()
	time.Sleep(100 * time.Millisecond)
	go b.Run(ctxB)
	time.Sleep(500 * time.Millisecond)
	if runsA.Load() == 0 || runsB.Load() != 0 {
		t.Fatalf("while a holds the lease: a ran %d, b ran %d", runsA.Load(), runsB.Load())
	}
	if got := a.Held(); len(got) != 1 || got[0] != "outbox" {
		t.Fatalf("a holds %v", got)
	}
	stopA() // a shuts down and gives its lease up
	<-doneA
	deadline := time.Now().Add(3 * time.Second)
	for runsB.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if runsB.Load() == 0 {
		t.Fatal("b never took over the job")
	}
}

// TestCleanStopReleasesTheLease: after a runner stops, another holder gets
// the job at once, not after the TTL.
func TestCleanStopReleasesTheLease(t *testing.T) {
	s := backends.SQLite(t)
	r := &Runner{Store: s, Clock: clock.Real{}, Holder: "a", TTL: time.Hour,
		Jobs: []Job{{Name: "outbox", Interval: time.Hour, Run: func(context.Context) error { return nil }}}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	for len(r.Held()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if ok, err := s.TryLease(context.Background(), "outbox", "b", time.Now(), time.Hour); err != nil || !ok {
		t.Fatalf("after a clean stop the lease is still held (%v, %v)", ok, err)
	}
}

// TestHandoverAfterDeathWaitsForTheTTL: a holder that dies without
// releasing keeps the job until its lease runs out.
func TestHandoverAfterDeathWaitsForTheTTL(t *testing.T) {
	s := backends.SQLite(t)
	now := time.Now()
	if ok, _ := s.TryLease(context.Background(), "outbox", "dead", now, time.Hour); !ok {
		t.Fatal("lease not taken")
	}
	var runs atomic.Int64
	r := &Runner{Store: s, Clock: clock.Real{}, Holder: "alive", TTL: 600 * time.Millisecond,
		Jobs: []Job{{Name: "outbox", Interval: 50 * time.Millisecond, Run: func(context.Context) error { runs.Add(1); return nil }}}}
	ctx, stop := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer stop()
	r.Run(ctx)
	if runs.Load() != 0 {
		t.Fatal("took over a lease that had not run out")
	}
}
