package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// scripted is a BatchCarrier that records the payloads of each batch and
// answers with reply.
type scripted struct {
	mu      sync.Mutex
	batches [][]string
	reply   func(msgs []store.OutboxMessage) []error
}

func (c *scripted) DeliverBatch(_ context.Context, msgs []store.OutboxMessage) []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b []string
	for _, m := range msgs {
		b = append(b, string(m.Payload))
	}
	c.batches = append(c.batches, b)
	if c.reply != nil {
		return c.reply(msgs)
	}
	return make([]error, len(msgs))
}

var errDown = errors.New("receiver down")

// TestStreamer: each endpoint's messages go out in batches, oldest first;
// a message's result is its own (delivered, given up, retried with
// back-off); a failed batch ends its endpoint's round but not the
// others'; a carrier that reports on fewer messages than it was given
// delivered none of them.
func TestStreamer(t *testing.T) {
	ctx := t.Context()
	s := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	tenant := store.Tenant{ID: ids.New(), Name: "acme", CreatedAt: clk.Now()}
	enqueue := func(endpoint string, n int) {
		t.Helper()
		err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateTenant(ctx, tenant); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
			for i := range n {
				if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: tenant.ID, Channel: store.ChannelSIEM,
					Endpoint: endpoint, Type: "audit.event", Payload: fmt.Appendf(nil, "%s%d", endpoint, i), CreatedAt: clk.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enqueue("a", 7)
	enqueue("b", 4)
	a := &scripted{}
	b := &scripted{reply: func(msgs []store.OutboxMessage) []error {
		errs := make([]error, len(msgs))
		for i := range errs {
			errs[i] = errDown
		}
		errs[0] = fmt.Errorf("%w: not a record", notify.ErrPermanent)
		return errs
	}}
	st := &notify.Streamer{Store: s, Clock: clk, Endpoints: map[string]notify.BatchCarrier{"a": a, "b": b}, Batch: 3,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if n, err := st.RunOnce(ctx); err != nil || n != 7 {
		t.Fatalf("round delivered %d, %v; want a's 7", n, err)
	}
	want := [][]string{{"a0", "a1", "a2"}, {"a3", "a4", "a5"}, {"a6"}}
	if !slices.EqualFunc(a.batches, want, slices.Equal) {
		t.Fatalf("a's batches %v, want %v", a.batches, want)
	}
	// b's first batch failed: its round ended there, b3 waits.
	if want := [][]string{{"b0", "b1", "b2"}}; !slices.EqualFunc(b.batches, want, slices.Equal) {
		t.Fatalf("b's batches %v, want %v", b.batches, want)
	}
	state := func() map[string]store.OutboxMessage {
		msgs, err := s.OutboxOfTenant(ctx, tenant.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.OutboxMessage{}
		for _, m := range msgs {
			out[string(m.Payload)] = m
		}
		return out
	}
	got := state()
	for _, p := range []string{"a0", "a6"} {
		if m := got[p]; m.State() != store.OutboxDelivered || m.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts", p, m.State(), m.Attempts)
		}
	}
	if m := got["b0"]; m.State() != store.OutboxFailed || m.Attempts != 1 {
		t.Errorf("b0 (permanent): %s after %d attempts", m.State(), m.Attempts)
	}
	for _, p := range []string{"b1", "b2"} {
		if m := got[p]; m.State() != store.OutboxPending || m.Attempts != 1 || m.LastError != errDown.Error() ||
			!m.NextAttemptAt.Equal(clk.Now().Add(notify.Backoff(1))) {
			t.Errorf("%s (to retry): %+v", p, m)
		}
	}
	if m := got["b3"]; m.Attempts != 0 {
		t.Errorf("b3 tried in a round that had failed: %+v", m)
	}

	// A carrier that answers for fewer messages than it got: none is
	// taken as delivered.
	b.reply = func(msgs []store.OutboxMessage) []error { return make([]error, len(msgs)-1) }
	clk.Advance(notify.Backoff(1))
	if n, err := st.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("round delivered %d, %v; want none of a short report", n, err)
	}
	got = state()
	for _, p := range []string{"b1", "b2", "b3"} {
		if m := got[p]; m.State() != store.OutboxPending || m.LastError == "" {
			t.Errorf("%s after a short report: %+v", p, m)
		}
	}
}

// queueSIEM queues n SIEM messages for endpoint, with payloads
// endpoint0…, oldest first, for a new tenant, and returns the tenant's ID
// and theirs in that order.
func queueSIEM(t *testing.T, s store.Store, clk clock.Clock, endpoint string, n int) (string, []string) {
	t.Helper()
	ctx := t.Context()
	tenant := store.Tenant{ID: ids.New(), Name: "acme-" + ids.New(), CreatedAt: clk.Now()}
	var out []string
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateTenant(ctx, tenant); err != nil {
			return err
		}
		for i := range n {
			id := ids.New()
			out = append(out, id)
			if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: id, TenantID: tenant.ID, Channel: store.ChannelSIEM, Endpoint: endpoint,
				Type: "audit.event", Payload: fmt.Appendf(nil, "%s%d", endpoint, i), CreatedAt: clk.Now().Add(time.Duration(i - n))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tenant.ID, out
}

// A message the receiver always refuses stops its batch, like format
// json's POST per event: the messages behind it were never sent, so they
// count no attempt and are not given up with it. It is given up alone
// after MaxAttempts, and then they are delivered.
func TestStreamerUnsentCountNoAttempt(t *testing.T) {
	ctx := t.Context()
	s := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	tenant, queued := queueSIEM(t, s, clk, "a", 3)
	poison := queued[0]
	c := &scripted{reply: func(msgs []store.OutboxMessage) []error {
		errs := make([]error, len(msgs))
		for i, m := range msgs {
			if m.ID == poison {
				errs[i] = errDown
				for k := i + 1; k < len(msgs); k++ {
					errs[k] = fmt.Errorf("%w: an earlier event failed", notify.ErrNotSent)
				}
				return errs
			}
		}
		return errs
	}}
	st := &notify.Streamer{Store: s, Clock: clk, Endpoints: map[string]notify.BatchCarrier{"a": c}, Batch: 10,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for range notify.MaxAttempts - 1 {
		if _, err := st.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
	}
	state := func() map[string]store.OutboxMessage {
		list, err := s.OutboxOfTenant(ctx, tenant, 10)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.OutboxMessage{}
		for _, m := range list {
			out[m.ID] = m
		}
		return out
	}
	for id, m := range state() {
		if want := map[bool]int{true: notify.MaxAttempts - 1, false: 0}[id == poison]; m.State() != store.OutboxPending || m.Attempts != want {
			t.Fatalf("after %d rounds, %s: %s after %d attempts, want pending after %d", notify.MaxAttempts-1, m.Payload, m.State(), m.Attempts, want)
		}
	}
	// The last attempt gives the poison up; the next round sends the rest.
	for range 2 {
		if _, err := st.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
	}
	for id, m := range state() {
		want := map[bool]string{true: store.OutboxFailed, false: store.OutboxDelivered}[id == poison]
		if m.State() != want {
			t.Fatalf("%s: %s after %d attempts, want %s", m.Payload, m.State(), m.Attempts, want)
		}
	}
	if last := c.batches[len(c.batches)-1]; fmt.Sprint(last) != "[a1 a2]" {
		t.Fatalf("last batch %v, want the two never sent", last)
	}
}

// A batch delivered while the job's ctx ends (the node shutting down) is
// still recorded, not sent again after the lease.
func TestStreamerRecordsBatchAfterCancel(t *testing.T) {
	s := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	tenant, _ := queueSIEM(t, s, clk, "a", 3)
	ctx, cancel := context.WithCancel(t.Context())
	c := &scripted{reply: func(msgs []store.OutboxMessage) []error {
		cancel()
		return make([]error, len(msgs))
	}}
	st := &notify.Streamer{Store: s, Clock: clk, Endpoints: map[string]notify.BatchCarrier{"a": c},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if n, err := st.RunOnce(ctx); err != nil || n != 3 {
		t.Fatalf("round delivered %d, %v; want 3", n, err)
	}
	list, err := s.OutboxOfTenant(t.Context(), tenant, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.State() != store.OutboxDelivered {
			t.Fatalf("%s: %s, want delivered", m.Payload, m.State())
		}
	}
}
