package checklog

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Mode chooses whether a check waits for its record to be durable.
type Mode string

// Modes.
const (
	Sync  Mode = "sync"
	Async Mode = "async"
)

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("check log closed")

// Observer receives batch sizes and commit durations (for metrics). May be nil.
type Observer interface {
	ObserveBatch(size int, d time.Duration, err error)
}

// Options tune a Writer. Zero values take defaults.
type Options struct {
	Mode     Mode
	MaxBatch int // records per transaction; default 1024
	Queue    int // records that may wait; default 8192
	Observer Observer
	Logger   *slog.Logger
}

type item struct {
	rec  store.CheckRecord
	done chan error // nil in async mode
}

// Writer group-commits check records. It is safe for concurrent use.
type Writer struct {
	app  store.CheckLogAppender
	opts Options
	ch   chan item

	mu     sync.RWMutex // guards closed against sends racing Close
	closed bool
	wg     sync.WaitGroup

	health sync.Mutex
	// lastErr is the error of the latest commit that failed, kept until a
	// later commit succeeds; lastErrAt is when it failed.
	lastErr   error
	lastErrAt time.Time
}

// LastError returns the error of the latest batch that could not be
// written (disk full, read-only, I/O error, database unreachable) and when
// it failed, or nil once a later batch has been written. Readiness reads
// it: a node whose check log cannot be written can decide no check.
func (w *Writer) LastError() (error, time.Time) {
	w.health.Lock()
	defer w.health.Unlock()
	return w.lastErr, w.lastErrAt
}

func (w *Writer) setHealth(err error) {
	w.health.Lock()
	defer w.health.Unlock()
	w.lastErr = err
	if err != nil {
		w.lastErrAt = time.Now()
	}
}

// New starts a writer. Call Close to flush and stop it.
func New(app store.CheckLogAppender, opts Options) *Writer {
	if opts.Mode == "" {
		opts.Mode = Sync
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.Queue <= 0 {
		opts.Queue = 8192
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	w := &Writer{app: app, opts: opts, ch: make(chan item, opts.Queue)}
	w.wg.Add(1)
	go w.run()
	return w
}

// Mode reports the writer's mode.
func (w *Writer) Mode() Mode { return w.opts.Mode }

// Write logs rec. In sync mode it returns once rec is durable (or the
// commit failed, or ctx ended first: then the record may still be written).
func (w *Writer) Write(ctx context.Context, rec store.CheckRecord) error {
	it := item{rec: rec}
	if w.opts.Mode == Sync {
		it.done = make(chan error, 1)
	}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.ch <- it:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	if it.done == nil {
		return nil
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting records, writes everything queued and returns when
// done or when ctx ends.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *Writer) run() {
	defer w.wg.Done()
	batch := make([]item, 0, w.opts.MaxBatch)
	recs := make([]store.CheckRecord, 0, w.opts.MaxBatch)
	for first := range w.ch {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < w.opts.MaxBatch {
			select {
			case it, ok := <-w.ch:
				if !ok {
					break fill
				}
				batch = append(batch, it)
			default:
				break fill
			}
		}
		recs = recs[:0]
		for _, it := range batch {
			recs = append(recs, it.rec)
		}
		err := w.commit(recs)
		for _, it := range batch {
			if it.done != nil {
				it.done <- err
			}
		}
	}
}

// commit writes one batch. Async batches are retried, because nobody else
// will notice their loss; sync callers get the error and answer 503.
func (w *Writer) commit(recs []store.CheckRecord) error {
	attempts := 1
	if w.opts.Mode == Async {
		attempts = 5
	}
	var err error
	for i := range attempts {
		if i > 0 {
			time.Sleep(time.Duration(1<<i) * 50 * time.Millisecond)
		}
		start := time.Now()
		err = w.app.AppendChecks(context.Background(), recs)
		if w.opts.Observer != nil {
			w.opts.Observer.ObserveBatch(len(recs), time.Since(start), err)
		}
		if err == nil {
			w.setHealth(nil)
			return nil
		}
	}
	w.setHealth(err)
	w.opts.Logger.Error("check log: batch not written", "records", len(recs), "mode", w.opts.Mode, "err", err)
	return err
}
