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

// The change counter and the change rows: triggers write a row to
// cache_changes, naming what changed, in the transaction of every change
// to data the lock check caches, whichever process makes it, and each row
// bumps the counter by one (migration 0023; before it, 0004, 0007, 0012
// and 0013 bumped the counter alone). Key use, the check log and unlock
// requests write no row.
//
// qChangeMarkSQL reads where the feed stands: the counter and the last
// row's number.
const qChangeMarkSQL = `SELECT version, (SELECT coalesce(max(seq), 0) FROM cache_changes)
	FROM config_version WHERE id = 1`

// qChangesSQL reads, in one snapshot, the counter, the last row's number
// and up to ?2 rows after row ?1 (a row of NULLs when there are none).
const qChangesSQL = `SELECT c.version, (SELECT coalesce(max(seq), 0) FROM cache_changes),
		ch.seq, ch.kind, ch.app_id, ch.issuer, ch.account, ch.member_id, ch.tenant_id
	FROM config_version AS c
	LEFT JOIN (SELECT * FROM cache_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2) AS ch ON 1
	WHERE c.id = 1
	ORDER BY ch.seq`

// maxNamedChanges is how many change rows one catch-up turns into events;
// past it, forgetting everything is cheaper than reading them.
const maxNamedChanges = 1024

// errNotFollowing: Poll was called while no Follow runs.
var errNotFollowing = errors.New("sqlite: change feed: not following")

// feed is the Store's change feed (see Follow and Poll).
type feed struct {
	following atomic.Bool
	// seen is the WAL-index header as of the last catch-up; a poll that
	// finds the same header knows that nothing committed since.
	seen atomic.Pointer[walHeader]

	mu      sync.Mutex // one catch-up at a time; guards what follows
	h       cache.Handler
	conn    *sql.Conn // pinned for the change reads while following
	stmt    *sql.Stmt // qChangesSQL on conn
	known   int64     // the change counter as last read
	knownAt int64     // the last change row as last read
	// shm is mapped by the first Follow and released by Store.Close;
	// Poll reads it without mu, after following.Load.
	shm *walIndex
	why string // why there is no WAL index to watch; "" when there is
}

// Follow implements cache.Feed. It tells h of every committed change to
// the data the lock check caches, from this process or any other, naming
// what changed when the change rows account for the counter's whole move,
// and as cache.All when they do not; it finds them when Poll asks (the
// cache polls before every answer from memory), not by itself. Follow
// calls h.Subscribed once it has read the counter, and h.Lost and
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
	stmt, err := conn.PrepareContext(ctx, qChangesSQL)
	if err != nil {
		return wrap("change feed", err)
	}
	defer stmt.Close()
	mark := func() error {
		err := conn.QueryRowContext(ctx, qChangeMarkSQL).Scan(&f.known, &f.knownAt)
		return wrap("change feed: read change counter", err)
	}

	f.mu.Lock()
	if f.h != nil {
		f.mu.Unlock()
		return errors.New("sqlite: change feed: already followed")
	}
	// Read the counter on the pinned connection first: it then has the
	// WAL index open, so the -shm file exists and stays while we watch.
	if err := mark(); err != nil {
		f.mu.Unlock()
		return err
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
	if err := mark(); err != nil {
		f.mu.Unlock()
		return err
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
// When it moved, Poll reads the counter and the new change rows in one
// statement, on the connection Follow pinned, and tells the handler what
// they name; a commit that changed nothing cached (an audit record) costs
// that one read and no event. Without a WAL index to watch, every Poll
// reads the counter.
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

// catchUp reads the counter and the change rows and tells the handler if
// the counter moved.
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
	v, at, rows, err := f.readChanges(ctx)
	if err != nil {
		return wrap("change feed: read change counter", err)
	}
	if v != f.known {
		events := []cache.Event{{Kind: cache.All}}
		if namesEverything(rows, v-f.known, f.knownAt, at) {
			events = changeEvents(rows)
		}
		f.h.Changed(events)
	}
	f.known, f.knownAt = v, at
	if ok {
		f.seen.Store(&hdr)
	}
	return nil
}

// changeRow is one row of cache_changes.
type changeRow struct {
	seq   int64
	event cache.Event
}

// readChanges reads, in one snapshot, the counter v, the last change
// row's number at, and the rows after the last one read (at most
// maxNamedChanges+1 of them).
func (f *feed) readChanges(ctx context.Context) (v, at int64, rows []changeRow, err error) {
	r, err := f.stmt.QueryContext(ctx, f.knownAt, maxNamedChanges+1)
	if err != nil {
		return 0, 0, nil, err
	}
	defer r.Close()
	for r.Next() {
		var seq sql.NullInt64
		var kind, app, issuer, account, member, tenant sql.NullString
		if err := r.Scan(&v, &at, &seq, &kind, &app, &issuer, &account, &member, &tenant); err != nil {
			return 0, 0, nil, err
		}
		if seq.Valid {
			rows = append(rows, changeRow{seq.Int64, cache.Event{Kind: changeKind(kind.String), AppID: app.String,
				Issuer: issuer.String, Account: account.String, MemberID: member.String, TenantID: tenant.String}})
		}
	}
	return v, at, rows, r.Err()
}

// namesEverything reports whether rows account for the counter's whole
// move: one row for each step of it, numbered on from the last row read
// (after) up to the last row there is (at). Anything else — rows pruned
// while this node fell behind, too many to read, a restore, a counter
// moved by hand or by an older deadbolt — leaves changes unnamed.
func namesEverything(rows []changeRow, moved, after, at int64) bool {
	if moved <= 0 || int64(len(rows)) != moved || len(rows) > maxNamedChanges {
		return false
	}
	for i, r := range rows {
		if r.seq != after+int64(i)+1 {
			return false
		}
	}
	return rows[len(rows)-1].seq == at
}

func changeEvents(rows []changeRow) []cache.Event {
	events := make([]cache.Event, len(rows))
	for i, r := range rows {
		events[i] = r.event
	}
	return events
}

// changeKind reads cache_changes.kind; "all", and any kind this build
// does not know, is cache.All.
func changeKind(kind string) cache.Kind {
	switch kind {
	case "app":
		return cache.App
	case "keys":
		return cache.Keys
	case "state":
		return cache.State
	case "member":
		return cache.Member
	case "policies":
		return cache.Policies
	}
	return cache.All
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
