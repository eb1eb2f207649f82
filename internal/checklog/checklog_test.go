package checklog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// memAppender records batches; it stands in for a store only in these unit
// tests of the batching logic (the store's own AppendChecks is covered by the
// conformance suite, and the server tests use real SQLite).
type memAppender struct {
	mu      sync.Mutex
	batches [][]store.CheckRecord
	fail    error
	delay   time.Duration
}

func (m *memAppender) AppendChecks(_ context.Context, recs []store.CheckRecord) error {
	time.Sleep(m.delay)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.batches = append(m.batches, append([]store.CheckRecord(nil), recs...))
	return nil
}

func (m *memAppender) count() (records, batches int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.batches {
		records += len(b)
	}
	return records, len(m.batches)
}

func TestSyncWritesAreDurableWhenAcknowledgedAndGrouped(t *testing.T) {
	app := &memAppender{delay: 2 * time.Millisecond}
	w := New(app, Options{Mode: Sync})
	const n = 400
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Write(context.Background(), store.CheckRecord{ID: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	records, batches := app.count()
	if records != n {
		t.Fatalf("acknowledged %d, written %d", n, records)
	}
	if batches >= n {
		t.Fatalf("no group commit: %d batches for %d records", batches, n)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(context.Background(), store.CheckRecord{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}

func TestSyncFailureReachesEveryWaiter(t *testing.T) {
	boom := errors.New("disk gone")
	w := New(&memAppender{fail: boom}, Options{Mode: Sync})
	defer w.Close(context.Background())
	if err := w.Write(context.Background(), store.CheckRecord{ID: "x"}); !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the commit error", err)
	}
}

func TestAsyncCloseFlushesQueue(t *testing.T) {
	app := &memAppender{delay: time.Millisecond}
	w := New(app, Options{Mode: Async})
	for i := range 1000 {
		if err := w.Write(context.Background(), store.CheckRecord{ID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if records, _ := app.count(); records != 1000 {
		t.Fatalf("Close flushed %d of 1000", records)
	}
}

// TestLastError: a failed commit is remembered for readiness until a later
// commit succeeds.
func TestLastError(t *testing.T) {
	boom := errors.New("no space left on device")
	app := &memAppender{fail: boom}
	w := New(app, Options{Mode: Sync})
	defer w.Close(context.Background())
	if err, _ := w.LastError(); err != nil {
		t.Fatalf("a new writer has error %v", err)
	}
	w.Write(context.Background(), store.CheckRecord{ID: "a"})
	if err, at := w.LastError(); !errors.Is(err, boom) || at.IsZero() {
		t.Fatalf("after a failed commit: %v at %v", err, at)
	}
	app.mu.Lock()
	app.fail = nil
	app.mu.Unlock()
	if err := w.Write(context.Background(), store.CheckRecord{ID: "b"}); err != nil {
		t.Fatal(err)
	}
	if err, _ := w.LastError(); err != nil {
		t.Fatalf("after a good commit: %v", err)
	}
}
