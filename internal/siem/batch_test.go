package siem_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/siem"
	"github.com/deadbolt-dev/deadbolt/internal/siem/siemtest"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// stream is a store holding one tenant's audit events (newStream queues
// them to the outbox for endpoint "ep"), and the store as a Streamer sees
// it, counting its FinishOutbox calls.
type stream struct {
	db     store.Store
	clk    *clock.Fake
	tenant store.Tenant
	store  *finishCounter
}

// finishCounter is the store as the Streamer sees it, noting the size of
// every FinishOutbox call: one call is one transaction.
type finishCounter struct {
	notify.StreamStore
	mu    sync.Mutex
	sizes []int
}

func (f *finishCounter) FinishOutbox(ctx context.Context, results ...store.OutboxResult) error {
	f.mu.Lock()
	f.sizes = append(f.sizes, len(results))
	f.mu.Unlock()
	return f.StreamStore.FinishOutbox(ctx, results...)
}

// newAuditLog is a store with one tenant and no audit event yet, on a
// fake clock.
func newAuditLog(t *testing.T) *stream {
	t.Helper()
	db := backends.SQLite(t)
	s := &stream{db: db, clk: clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)), store: &finishCounter{StreamStore: db}}
	s.tenant = store.Tenant{ID: ids.New(), Name: "acme", CreatedAt: s.clk.Now()}
	if err := db.Update(t.Context(), func(tx store.Tx) error { return tx.CreateTenant(t.Context(), s.tenant) }); err != nil {
		t.Fatal(err)
	}
	return s
}

// audit appends n audit events of the tenant, on accounts a0…a(n-1),
// each with data.
func (s *stream) audit(t *testing.T, n int, data map[string]any) {
	t.Helper()
	ctx := t.Context()
	err := s.db.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := store.AppendAudit(ctx, tx, s.tenant.ID, "cli:root", "account.unlocked", fmt.Sprintf("account:a%d", i),
				data, s.clk.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// newStream writes events audit events and queues them to "ep".
func newStream(t *testing.T, events int) *stream {
	t.Helper()
	s := newAuditLog(t)
	s.audit(t, events, map[string]any{})
	if n, err := (&siem.Job{Store: s.db, Clock: s.clk, Endpoints: []string{"ep"}}).RunOnce(t.Context()); err != nil || n != events {
		t.Fatalf("job queued %d, %v; want %d", n, err, events)
	}
	return s
}

// streamer delivers the stream's messages through c, batch at a time.
func (s *stream) streamer(c notify.BatchCarrier, batch int) *notify.Streamer {
	return &notify.Streamer{Store: s.store, Clock: s.clk, Endpoints: map[string]notify.BatchCarrier{"ep": c}, Batch: batch,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// run runs one round and checks how many it delivered.
func (s *stream) run(t *testing.T, st *notify.Streamer, want int) {
	t.Helper()
	if n, err := st.RunOnce(t.Context()); err != nil || n != want {
		t.Fatalf("round delivered %d, %v; want %d", n, err, want)
	}
}

// messages are the tenant's outbox messages, oldest first.
func (s *stream) messages(t *testing.T) []store.OutboxMessage {
	t.Helper()
	msgs, err := s.db.OutboxOfTenant(t.Context(), s.tenant.ID, 10000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(msgs)
	return msgs
}

// key is an event's idempotency key.
func (s *stream) key(seq int) string { return s.tenant.ID + ":" + strconv.Itoa(seq) }

// countingProxy passes TCP connections on to upstream, half-closes and
// all, and counts them.
func countingProxy(t *testing.T, upstream string) (addr string, conns func() int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer up.Close()
				done := make(chan struct{})
				go func() {
					io.Copy(up, c)
					up.(*net.TCPConn).CloseWrite()
					close(done)
				}()
				io.Copy(c, up)
				c.(*net.TCPConn).CloseWrite()
				<-done
			}()
		}
	}()
	return ln.Addr().String(), func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// TestSyslogBatchOneConnection streams 300 audit events to a real
// rsyslog, through a proxy that counts connections: batches of 128 go on
// one connection each (3 for 300 events, where one connection per event
// made 300), arrive complete and in order, and each batch is finished in
// one store transaction.
func TestSyslogBatchOneConnection(t *testing.T) {
	const events, batch = 300, 128
	s := newStream(t, events)
	rs := siemtest.StartRsyslog(t, siemtest.MemoryQueue)
	addr, conns := countingProxy(t, rs.Addr())
	st := s.streamer(&siem.Syslog{Address: addr, Host: "node1", Egress: egress.Policy{AllowPrivate: true}}, batch)
	s.run(t, st, events)

	if n := conns(); n != 3 {
		t.Errorf("%d connections for %d events in batches of %d, want 3", n, events, batch)
	}
	if want := []int{128, 128, 44}; !slices.Equal(s.store.sizes, want) {
		t.Errorf("FinishOutbox calls of %v results, want %v (one transaction a batch)", s.store.sizes, want)
	}
	for _, m := range s.messages(t) {
		if m.State() != store.OutboxDelivered || m.Attempts != 1 {
			t.Fatalf("message %s: %s after %d attempts", m.ID, m.State(), m.Attempts)
		}
	}
	got := rs.WaitLines(events)
	if len(got) != events {
		t.Fatalf("rsyslog wrote %d lines, want %d", len(got), events)
	}
	for i, l := range got {
		if m := seqParam.FindStringSubmatch(l); m == nil || m[1] != strconv.Itoa(i+1) {
			t.Fatalf("line %d is %q, want seq %d: out of order", i, l, i+1)
		}
	}
}

// frames reads octet-counted syslog frames from r until it ends or until
// max were read, and returns the seq of each.
func frames(r *bufio.Reader, max int) []int {
	var seqs []int
	for len(seqs) < max {
		head, err := r.ReadString(' ')
		if err != nil {
			return seqs
		}
		n, err := strconv.Atoi(strings.TrimSpace(head))
		if err != nil {
			return seqs
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(r, msg); err != nil {
			return seqs
		}
		m := seqParam.FindSubmatch(msg)
		if m == nil {
			return seqs
		}
		seq, _ := strconv.Atoi(string(m[1]))
		seqs = append(seqs, seq)
	}
	return seqs
}

// TestSyslogReceiverDropsMidBatch: a receiver that reads 80 messages of
// a batch and then drops the connection (a reset, as a crash would) makes
// the whole batch fail: what it read is not known to have arrived, so
// every message is sent again, in order, and nothing is lost.
func TestSyslogReceiverDropsMidBatch(t *testing.T) {
	const events = 200
	s := newStream(t, events)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var sessions [][]int // the seqs each connection read
	go func() {
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			limit := events
			if first {
				limit = 80
			}
			seqs := frames(bufio.NewReader(c), limit)
			mu.Lock()
			sessions = append(sessions, seqs)
			mu.Unlock()
			if first {
				c.(*net.TCPConn).SetLinger(0) // close with a reset
			}
			c.Close()
		}
	}()
	st := s.streamer(&siem.Syslog{Address: ln.Addr().String(), Host: "node1", Egress: egress.Policy{AllowPrivate: true}}, events)
	s.run(t, st, 0)
	for _, m := range s.messages(t) {
		if m.State() != store.OutboxPending || m.Attempts != 1 || m.LastError == "" {
			t.Fatalf("after the drop, message %s: %s, %d attempts, error %q; want pending, to retry", m.ID, m.State(), m.Attempts, m.LastError)
		}
	}
	s.clk.Advance(notify.Backoff(1))
	s.run(t, st, events)

	mu.Lock()
	defer mu.Unlock()
	if len(sessions) != 2 || len(sessions[0]) != 80 || len(sessions[1]) != events {
		t.Fatalf("receiver read %d connections (%d, …), want 80 messages then %d", len(sessions), len(sessions[0]), events)
	}
	for i, seq := range sessions[1] {
		if seq != i+1 {
			t.Fatalf("second connection: message %d has seq %d, want them in order", i, seq)
		}
	}
	if want := []int{events, events}; !slices.Equal(s.store.sizes, want) {
		t.Errorf("FinishOutbox calls of %v results, want %v", s.store.sizes, want)
	}
	for _, m := range s.messages(t) {
		if m.State() != store.OutboxDelivered || m.Attempts != 2 {
			t.Fatalf("message %s: %s after %d attempts, want delivered at the second", m.ID, m.State(), m.Attempts)
		}
	}
}

// jsonReceiver is a loopback SIEM endpoint that keeps every event it
// accepts by idempotency key, in arrival order; answer decides each
// request's fate from its number (0 first) and the keys it carries.
type jsonReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	keys     []string // accepted, in order, repeats included
}

var keyOfLine = regexp.MustCompile(`"tenant":"([^"]+)","seq":(\d+)`)

func newJSONReceiver(t *testing.T, answer func(request int, keys []string) (accept int, status int)) *jsonReceiver {
	r := &jsonReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var keys []string
		if k := req.Header.Get("Idempotency-Key"); k != "" {
			io.Copy(io.Discard, req.Body)
			keys = []string{k}
		} else {
			if req.Header.Get("Content-Type") != siem.NDJSONType {
				http.Error(w, "want NDJSON", http.StatusUnsupportedMediaType)
				return
			}
			sc := bufio.NewScanner(req.Body)
			for sc.Scan() {
				m := keyOfLine.FindStringSubmatch(sc.Text())
				if m == nil {
					http.Error(w, "a line without its key", http.StatusBadRequest)
					return
				}
				keys = append(keys, m[1]+":"+m[2])
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		accept, status := answer(r.requests, keys)
		r.requests++
		r.keys = append(r.keys, keys[:accept]...)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// TestJSONBatch: events posted as NDJSON, one request a batch, and one
// POST each (format json), against receivers that fail a request, or
// take part of it: every event ends up accepted, in order, and only
// messages the receiver accepted are finished as delivered.
func TestJSONBatch(t *testing.T) {
	const events = 30
	client := egress.Policy{AllowPrivate: true}.Client(5 * time.Second)
	for _, c := range []struct {
		name  string
		lines bool
		// answer: the receiver's fate of each request.
		answer func(request int, keys []string) (accept, status int)
		// first: messages delivered by the first round (the rest at the
		// retry); posts: requests in all.
		first, posts int
	}{
		{"ndjson 500 then 200", true, func(request int, keys []string) (int, int) {
			if request == 0 {
				return 0, http.StatusInternalServerError
			}
			return len(keys), http.StatusOK
		}, 0, 2},
		{"ndjson half taken", true, func(request int, keys []string) (int, int) {
			if request == 0 {
				return len(keys) / 2, http.StatusServiceUnavailable
			}
			return len(keys), http.StatusOK
		}, 0, 2},
		{"json one post each, the 11th fails once", false, func(request int, keys []string) (int, int) {
			if request == 10 {
				return 0, http.StatusInternalServerError
			}
			return 1, http.StatusOK
		}, 10, events + 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newStream(t, events)
			rcv := newJSONReceiver(t, c.answer)
			st := s.streamer(&siem.JSON{URL: rcv.URL, Client: client, Lines: c.lines}, 100)
			s.run(t, st, c.first)
			for i, m := range s.messages(t) {
				// One POST each stops at the failed one: the rest were
				// not sent and count no attempt.
				attempts := 1
				if !c.lines && i > c.first {
					attempts = 0
				}
				if i < c.first != (m.State() == store.OutboxDelivered) || m.Attempts != attempts {
					t.Fatalf("after the first round, message %d: %s after %d attempts, want %d", i, m.State(), m.Attempts, attempts)
				}
			}
			s.clk.Advance(notify.Backoff(1))
			s.run(t, st, events-c.first)
			for _, m := range s.messages(t) {
				if m.State() != store.OutboxDelivered {
					t.Fatalf("message %s: %s", m.ID, m.State())
				}
			}
			if len(s.store.sizes) != 2 {
				t.Errorf("FinishOutbox calls of %v results, want one per round", s.store.sizes)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if rcv.requests != c.posts {
				t.Errorf("%d requests, want %d", rcv.requests, c.posts)
			}
			// Every event, in order after the repeats of a taken part.
			seen := map[string]bool{}
			var firsts []string
			for _, k := range rcv.keys {
				if !seen[k] {
					seen[k] = true
					firsts = append(firsts, k)
				}
			}
			for i := range events {
				if i >= len(firsts) || firsts[i] != s.key(i+1) {
					t.Fatalf("receiver accepted %v, want every event in order", rcv.keys)
				}
			}
			if len(firsts) != events {
				t.Fatalf("receiver accepted %d distinct events, want %d", len(firsts), events)
			}
		})
	}
}

// TestJSONBatchStopsAtDeadline: a json batch whose time is up (its ctx
// ended) posts nothing more, and reports the rest not sent, so that they
// count no attempt.
func TestJSONBatchStopsAtDeadline(t *testing.T) {
	s := newStream(t, 3)
	rcv := newJSONReceiver(t, func(int, []string) (int, int) { return 1, http.StatusOK })
	j := &siem.JSON{URL: rcv.URL, Client: egress.Policy{AllowPrivate: true}.Client(5 * time.Second)}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for i, err := range j.DeliverBatch(ctx, s.messages(t)) {
		if !errors.Is(err, notify.ErrNotSent) {
			t.Fatalf("message %d after the deadline: %v, want not sent", i, err)
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if rcv.requests != 0 {
		t.Fatalf("%d requests after the deadline", rcv.requests)
	}
}
