package siem

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/siem/siemtest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// endpoints are the streams measured, each with its own copy of every
// event in the outbox.
var endpoints = []string{"rs-single", "rs-batch", "json-single", "json-batch", "ndjson-batch"}

var seeded struct {
	once   sync.Once
	db     *sqlite.Store
	events int
	err    error
}

// seed queues SIEM_EVENTS audit events to every endpoint, once per run.
func seed(b *testing.B) (*sqlite.Store, int) {
	seeded.once.Do(func() {
		seeded.events = 5000
		if v := os.Getenv("SIEM_EVENTS"); v != "" {
			if seeded.events, seeded.err = strconv.Atoi(v); seeded.err != nil {
				return
			}
		}
		dir, err := os.MkdirTemp("", "deadbolt-bench-siem-")
		if err != nil {
			seeded.err = err
			return
		}
		ctx := context.Background()
		s, err := sqlite.Open(ctx, filepath.Join(dir, "deadbolt.db"), sqlite.Options{AutoMigrate: true})
		if err != nil {
			seeded.err = err
			return
		}
		seeded.db = s
		now := time.Now().UTC()
		t := store.Tenant{ID: ids.New(), Name: "acme", CreatedAt: now}
		seeded.err = s.Update(ctx, func(tx store.Tx) error {
			if err := tx.CreateTenant(ctx, t); err != nil {
				return err
			}
			for i := range seeded.events {
				if err := store.AppendAudit(ctx, tx, t.ID, "cli:root", "account.unlocked", fmt.Sprintf("account:a%d", i),
					map[string]any{"reason": "bench"}, now); err != nil {
					return err
				}
			}
			return nil
		})
		if seeded.err != nil {
			return
		}
		_, seeded.err = (&siem.Job{Store: s, Clock: clock.Real{}, Endpoints: endpoints, Batch: 5000}).RunOnce(ctx)
	})
	if seeded.err != nil {
		b.Fatal(seeded.err)
	}
	return seeded.db, seeded.events
}

// single delivers ep's messages as the outbox did before batching: a
// claim of notify.Batch, then for each message one delivery (one syslog
// connection, one POST) and one FinishOutbox.
func single(ctx context.Context, db *sqlite.Store, ep string, c notify.Carrier) (int, error) {
	delivered := 0
	for {
		msgs, err := db.ClaimEndpoint(ctx, ep, time.Now(), notify.Lease, notify.Batch)
		if err != nil || len(msgs) == 0 {
			return delivered, err
		}
		for _, m := range msgs {
			if err := c.Deliver(ctx, m); err != nil {
				return delivered, err
			}
			if err := db.FinishOutbox(ctx, store.OutboxResult{ID: m.ID, At: time.Now(), Delivered: true}); err != nil {
				return delivered, err
			}
			delivered++
		}
	}
}

// batched delivers ep's messages with a notify.Streamer.
func batched(ctx context.Context, db *sqlite.Store, ep string, c notify.BatchCarrier) (int, error) {
	st := &notify.Streamer{Store: db, Clock: clock.Real{}, Endpoints: map[string]notify.BatchCarrier{ep: c},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	delivered := 0
	for {
		n, err := st.RunOnce(ctx)
		delivered += n
		if err != nil || n == 0 {
			return delivered, err
		}
	}
}

// measure runs deliver once and reports events/s.
func measure(b *testing.B, events int, deliver func() (int, error)) float64 {
	b.Helper()
	start := time.Now()
	n, err := deliver()
	took := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	if n != events {
		b.Fatalf("delivered %d of %d", n, events)
	}
	rate := float64(n) / took.Seconds()
	b.ReportMetric(rate, "events/s")
	return rate
}

var rates sync.Map // name → events/s, for the ratios

func ratio(b *testing.B, single, batch string) {
	s, ok1 := rates.Load(single)
	t, ok2 := rates.Load(batch)
	if ok1 && ok2 {
		b.Logf("%s / %s = %.1f×", batch, single, t.(float64)/s.(float64))
	}
}

func BenchmarkSyslog(b *testing.B) {
	db, events := seed(b)
	rs := siemtest.StartRsyslog(b, siemtest.DirectQueue)
	c := &siem.Syslog{Address: rs.Addr(), Host: "bench", Egress: egress.Policy{AllowPrivate: true}}
	for _, m := range []struct {
		name    string
		deliver func() (int, error)
	}{
		{"single", func() (int, error) { return single(b.Context(), db, "rs-single", c) }},
		{"batch", func() (int, error) { return batched(b.Context(), db, "rs-batch", c) }},
	} {
		b.Run(m.name, func(b *testing.B) {
			if b.N > 1 {
				b.Skip("one pass over the queued events: run with -benchtime 1x")
			}
			rates.Store("syslog/"+m.name, measure(b, events, m.deliver))
		})
	}
	ratio(b, "syslog/single", "syslog/batch")
}

func BenchmarkJSON(b *testing.B) {
	db, events := seed(b)
	var lines atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines.Add(1)
		}
	}))
	defer srv.Close()
	client := egress.Policy{AllowPrivate: true}.Client(10 * time.Second)
	for _, m := range []struct {
		name    string
		deliver func() (int, error)
	}{
		{"single", func() (int, error) {
			return single(b.Context(), db, "json-single", &siem.JSON{URL: srv.URL, Client: client})
		}},
		{"batch", func() (int, error) {
			return batched(b.Context(), db, "json-batch", &siem.JSON{URL: srv.URL, Client: client})
		}},
		{"ndjson", func() (int, error) {
			return batched(b.Context(), db, "ndjson-batch", &siem.JSON{URL: srv.URL, Client: client, Lines: true})
		}},
	} {
		b.Run(m.name, func(b *testing.B) {
			if b.N > 1 {
				b.Skip("one pass over the queued events: run with -benchtime 1x")
			}
			rates.Store("json/"+m.name, measure(b, events, m.deliver))
		})
	}
	ratio(b, "json/single", "json/batch")
	ratio(b, "json/single", "json/ndjson")
}
