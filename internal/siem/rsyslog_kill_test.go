package siem_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
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
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
	tn := store.Tenant{ID: ids.New(), Name: "acme", CreatedAt: clk.Now()}
	err = db.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tn); err != nil {
			return err
		}
		for i := range events {
			if err := store.AppendAudit(ctx, tx, tn.ID, "cli:root", "account.unlocked", fmt.Sprintf("account:a%d", i),
				map[string]any{}, clk.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	rs := newRsyslog(t, `main_queue(queue.type="Direct")`)
	rs.start("0")
	port := rs.port
	carrier := &killAfter{next: &siem.Syslog{Address: rs.addr(), Host: "node1", Egress: egress.Policy{AllowPrivate: true}},
		n: events / 3, kill: rs.kill}
	deliver := &notify.Streamer{Store: db, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Endpoints: map[string]notify.BatchCarrier{"rs": carrier}, Batch: 20}
	if n, err := (&siem.Job{Store: db, Clock: clk, Endpoints: []string{"rs"}}).RunOnce(ctx); err != nil || n != events {
		t.Fatalf("job queued %d, %v; want %d", n, err, events)
	}

	// Deliver until the kill: the round that kills goes on against the
	// dead receiver, and those messages fail and wait for their retry.
	waitFor(t, "the kill", func() bool {
		if _, err := deliver.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return rs.cmd == nil
	})
	carrier.mu.Lock()
	delivered, failed := carrier.ok, carrier.failed
	carrier.mu.Unlock()
	if delivered != events/3 || failed == 0 {
		t.Fatalf("at the kill: %d delivered, %d failed; want %d delivered and the rest of the round failed", delivered, failed, events/3)
	}
	// Still dead: retries fail and are kept.
	clk.Advance(notify.Backoff(1))
	if n, err := deliver.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("delivered %d, %v to a dead receiver", n, err)
	}

	rs.start(port)
	waitFor(t, "every message delivered", func() bool {
		clk.Advance(time.Hour) // every retry is due
		if _, err := deliver.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		carrier.mu.Lock()
		defer carrier.mu.Unlock()
		return carrier.ok >= events
	})

	seen := map[string]int{}
	waitFor(t, "rsyslog to hold every event", func() bool {
		clear(seen)
		for _, l := range lines(rs.out) {
			if m := seqParam.FindStringSubmatch(l); m != nil && strings.Contains(l, `tenant="`+tn.ID+`"`) {
				seen[tn.ID+":"+m[1]]++ // the idempotency key
			}
		}
		return len(seen) >= events
	})
	for i := 1; i <= events; i++ {
		if seen[fmt.Sprintf("%s:%d", tn.ID, i)] == 0 {
			t.Errorf("event %d never arrived", i)
		}
	}
	if len(seen) != events {
		t.Fatalf("rsyslog holds %d distinct events, want %d", len(seen), events)
	}
	msgs, err := db.OutboxOfTenant(ctx, tn.ID, 2*events)
	if err != nil {
		t.Fatal(err)
	}
	retried := 0
	for _, m := range msgs {
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
