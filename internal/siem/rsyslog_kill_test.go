package siem_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/siem/siemtest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// killAfter is a carrier that passes batches on to a syslog carrier and,
// once n messages were delivered, kills rsyslogd: the next batches of the
// same round meet a dead receiver.
type killAfter struct {
	next   notify.BatchCarrier
	n      int
	kill   func()
	mu     sync.Mutex
	ok     int
	failed int
}

func (k *killAfter) DeliverBatch(ctx context.Context, msgs []store.OutboxMessage) []error {
	errs := k.next.DeliverBatch(ctx, msgs)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, err := range errs {
		if err != nil {
			k.failed++
			continue
		}
		if k.ok++; k.ok == k.n {
			k.kill()
		}
	}
	return errs
}

var seqParam = regexp.MustCompile(`seq="(\d+)"`)

// TestRsyslogKilledMidStream streams 120 audit events to a real rsyslog,
// in batches of 20, kills it with SIGKILL after the 40th delivery (in the
// middle of the streamer's round), starts it again on the same port, and
// shows every
// event arrives: at least once, counted by its idempotency key (tenant and
// seq). The receiver runs with a direct main queue, so that it closes a
// connection only once it has written the message: with rsyslog's default
// in-memory queue, a message it had read but not yet written when killed
// would be lost inside rsyslog, after deadbolt was told it arrived. Waits
// are on conditions with a deadline; the fake clock moves the retries.
func TestRsyslogKilledMidStream(t *testing.T) {
	const events = 120
	s := newStream(t, events)
	rs := siemtest.StartRsyslog(t, siemtest.DirectQueue)
	port := rs.Port()
	carrier := &killAfter{next: &siem.Syslog{Address: rs.Addr(), Host: "node1", Egress: egress.Policy{AllowPrivate: true}},
		n: events / 3, kill: rs.Kill}
	deliver := s.streamer(carrier, 20)

	// Deliver until the kill: the round that kills goes on against the
	// dead receiver, and those messages fail and wait for their retry.
	siemtest.WaitFor(t, "the kill", func() bool {
		if _, err := deliver.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		return !rs.Running()
	})
	carrier.mu.Lock()
	delivered, failed := carrier.ok, carrier.failed
	carrier.mu.Unlock()
	if delivered != events/3 || failed == 0 {
		t.Fatalf("at the kill: %d delivered, %d failed; want %d delivered and the rest of the round failed", delivered, failed, events/3)
	}
	// Still dead: retries fail and are kept.
	s.clk.Advance(notify.Backoff(1))
	if n, err := deliver.RunOnce(t.Context()); err != nil || n != 0 {
		t.Fatalf("delivered %d, %v to a dead receiver", n, err)
	}

	rs.Start(port)
	siemtest.WaitFor(t, "every message delivered", func() bool {
		s.clk.Advance(time.Hour) // every retry is due
		if _, err := deliver.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		carrier.mu.Lock()
		defer carrier.mu.Unlock()
		return carrier.ok >= events
	})

	seen := map[string]int{}
	siemtest.WaitFor(t, "rsyslog to hold every event", func() bool {
		clear(seen)
		for _, l := range rs.Lines() {
			if m := seqParam.FindStringSubmatch(l); m != nil && strings.Contains(l, `tenant="`+s.tenant.ID+`"`) {
				seen[s.tenant.ID+":"+m[1]]++ // the idempotency key
			}
		}
		return len(seen) >= events
	})
	for i := 1; i <= events; i++ {
		if seen[s.key(i)] == 0 {
			t.Errorf("event %d never arrived", i)
		}
	}
	if len(seen) != events {
		t.Fatalf("rsyslog holds %d distinct events, want %d", len(seen), events)
	}
	retried := 0
	for _, m := range s.messages(t) {
		if m.DeliveredAt.IsZero() {
			t.Errorf("message %s not delivered: %s", m.ID, m.LastError)
		}
		if m.Attempts > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("no message needed a retry: the kill did not cut the stream")
	}
	t.Logf("%d events, %d delivered before the kill, %d retried after it", events, delivered, retried)
}
