package apitoken

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Recorder remembers when tokens were used and writes it in batches: a
// request costs a map update, and the store one transaction per Flush
// however many requests there were. A crash loses at most the uses since
// the last Flush, which only makes a token's last use look older.
type Recorder struct {
	Store store.APITokenToucher
	Log   *slog.Logger

	mu   sync.Mutex
	used map[string]time.Time
}

// Used records that token id was used at at.
func (r *Recorder) Used(id string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used == nil {
		r.used = make(map[string]time.Time)
	}
	if at.After(r.used[id]) {
		r.used[id] = at
	}
}

// Flush writes the uses recorded since the last Flush. On failure they
// are kept for the next one.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	batch := r.used
	r.used = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.Store.TouchAPITokens(ctx, batch)
	if err != nil {
		for id, at := range batch {
			r.Used(id, at)
		}
	}
	return err
}

// FinalFlush bounds the flush Run makes when its context ends.
const FinalFlush = 5 * time.Second

// Run flushes every interval until ctx ends, then once more (within
// FinalFlush), and returns after that last flush: a server that waits for
// Run to return after its last request has that request's use written.
func (r *Recorder) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), FinalFlush)
			defer cancel()
			r.logErr(r.Flush(fctx))
			return
		case <-t.C:
			r.logErr(r.Flush(ctx))
		}
	}
}

func (r *Recorder) logErr(err error) {
	if err != nil && r.Log != nil {
		r.Log.Warn("api tokens: last use not written; kept for the next try", "err", err)
	}
}
