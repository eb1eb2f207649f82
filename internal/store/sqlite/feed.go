package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
)

// The change counter: triggers bump it in the transaction of every change
// to data the lock check caches (migrations 0004, 0007, 0012), whichever
// process makes it. Key use, the check log and unlock requests do not move
// it.
const qChangeCounterSQL = `SELECT version FROM config_version WHERE id = 1`

// errNotFollowing: Poll was called while no Follow runs.
var errNotFollowing = errors.New("sqlite: change feed: not following")

// feed is the Store's change feed (see Follow and Poll).
type feed struct {
	following atomic.Bool
	// seen is the WAL-index header as of the last catch-up; a poll that
	// finds the same header knows that nothing committed since.
	seen atomic.Pointer[walHeader]

	mu    sync.Mutex // one catch-up at a time; guards what follows
	h     cache.Handler
	conn  *sql.Conn // pinned for the counter read while following
	stmt  *sql.Stmt // qChangeCounterSQL on conn
	known int64     // the change counter as last read
	// shm is mapped by the first Follow and released by Store.Close;
	// Poll reads it without mu, after following.Load.
	shm *walIndex
	why string // why there is no WAL index to watch; "" when there is
}

// Follow implements cache.Feed. It tells h of every committed change to
// the data the lock check caches, from this process or any other, as
// cache.All when the change counter moved; it finds them when Poll asks
// (the cache polls before every answer from memory), not by itself.
// Follow calls h.Subscribed once it has read the counter, and h.Lost and
// tries again (backing off up to 5 seconds) if that read fails. It returns
// ctx's error when ctx ends.
func (s *Store) Follow(ctx context.Context, h cache.Handler) error {
	wait := 50 * time.Millisecond
	for {
		err := s.followOnce(ctx, h)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		h.Lost(err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// followOnce subscribes h and waits for ctx to end; it returns early only
// when it cannot subscribe.
func (s *Store) followOnce(ctx context.Context, h cache.Handler) error {
	f := &s.feed
	conn, err := s.rdb.Conn(ctx)
	if err != nil {
		return wrap("change feed", err)
	}
	defer conn.Close()
	stmt, err := conn.PrepareContext(ctx, qChangeCounterSQL)
	if err != nil {
		return wrap("change feed", err)
	}
	defer stmt.Close()

	f.mu.Lock()
	if f.h != nil {
		f.mu.Unlock()
		return errors.New("sqlite: change feed: already followed")
	}
	// Read the counter on the pinned connection first: it then has the
	// WAL index open, so the -shm file exists and stays while we watch.
	if err := stmt.QueryRowContext(ctx).Scan(&f.known); err != nil {
		f.mu.Unlock()
		return wrap("change feed: read change counter", err)
	}
	if f.shm == nil && f.why == "" {
		f.shm, err = mapWALIndex(shmPath(s.path))
		if err != nil {
			f.why = err.Error()
		}
	}
	// The header before the counter: a commit between the two is seen
	// again by the next poll.
	if hdr, ok := f.shm.header(); ok {
		f.seen.Store(&hdr)
	} else {
		f.seen.Store(nil)
	}
	if err := stmt.QueryRowContext(ctx).Scan(&f.known); err != nil {
		f.mu.Unlock()
		return wrap("change feed: read change counter", err)
	}
	f.h, f.conn, f.stmt = h, conn, stmt
	f.mu.Unlock()
	f.following.Store(true)
	h.Subscribed()

	<-ctx.Done()
	f.following.Store(false)
	f.mu.Lock()
	f.h, f.conn, f.stmt = nil, nil, nil
	f.mu.Unlock()
	return ctx.Err()
}

// Poll implements cache.Feed. When the WAL-index header (see walIndex)
// is the same as at the last catch-up, nothing committed since and Poll
// returns at once, having read a few words of shared memory and no SQL.
// When it moved, Poll reads the change counter once, on the connection
// Follow pinned, and tells the handler cache.All if the counter moved too;
// a commit that changed nothing cached (an audit record) costs that one read
// and no drop. Without a WAL index to watch, every Poll reads the counter.
func (s *Store) Poll(ctx context.Context) error {
	f := &s.feed
	if !f.following.Load() {
		return errNotFollowing
	}
	if seen := f.seen.Load(); seen != nil {
		if hdr, ok := f.shm.header(); ok && hdr == *seen {
			return nil
		}
	}
	return f.catchUp(ctx)
}

// catchUp reads the change counter and tells the handler if it moved.
func (f *feed) catchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h == nil {
		return errNotFollowing
	}
	hdr, ok := f.shm.header()
	if seen := f.seen.Load(); ok && seen != nil && hdr == *seen {
		return nil // another poll caught up meanwhile
	}
	var v int64
	if err := f.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return wrap("change feed: read change counter", err)
	}
	if v != f.known {
		f.known = v
		f.h.Changed([]cache.Event{{Kind: cache.All}})
	}
	if ok {
		f.seen.Store(&hdr)
	}
	return nil
}

// Watching implements cache.Feed.
func (s *Store) Watching() string {
	f := &s.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.why != "":
		return fmt.Sprintf("change counter read by SQL on every check: cannot watch the WAL index (%s)", f.why)
	case f.shm == nil:
		return "not following"
	}
	return "wal-index"
}

// close releases the WAL index; call it after every connection of the
// store is closed.
func (f *feed) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen.Store(nil)
	return f.shm.close()
}

// shmPath is the WAL index SQLite uses for the database at path: SQLite
// resolves symbolic links in the database's path and keeps its -shm
// beside the real file, so watching the link's location would watch a
// file nobody writes (or none at all).
func shmPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return path + "-shm"
}
