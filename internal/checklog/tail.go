package checklog

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// CursorKind is the stream cursor kind of check-log positions: a cursor of
// this kind holds the commit position (store.CommitPosition.Pos) of the
// first record not yet read. One that an earlier deadbolt wrote holds a
// check time instead (Unix nanoseconds, store.PositionIsTime); Tail reads
// it as the commit position of that time (see the package documentation).
const CursorKind = "checks"

// IdleAdvance is how long a cursor may go unwritten while its reads find no
// records: a page with no records moves the stored cursor (a write) only
// once it is at least this long since the cursor was written (or since
// this process first read it), so an idle tenant costs one cursor write
// per IdleAdvance rather than one per round. Meanwhile the reader
// remembers in memory how far it has found nothing (IdleCursors), so it
// does not scan that range again; a restart scans it once.
const IdleAdvance = 5 * time.Minute

// Tail reads a tenant's check log forward in commit order, page by page,
// past a durable stream cursor (endpoint Endpoint, kind CursorKind, one
// per tenant), off the lock check's path: the jobs that react to or
// forward check decisions (blocked-signin, the SIEM stream) share it.
//
// It reads by commit position (store.CommittedChecks), never by time nor
// by PostgreSQL's seq: a record is read once it is committed, however late
// after its own time (a node's clock behind, an async batch that stalled),
// and no record is ever committed below the position a cursor has passed.
// A page ends exactly: a full page stops before the records of its last
// commit position (the next page starts with them), and a page that is
// one position whole (one PostgreSQL transaction larger than a page) reads
// that position to its end. Each record is so read once, unless the cursor
// is not moved (Page.Advance not committed), in which case the same
// records are read again: at least once.
type Tail struct {
	// Endpoint names the cursors. Configured endpoints may not start
	// with "deadbolt:"; deadbolt's own jobs' names do.
	Endpoint string
	// LockedOnly reads only the answers that refused the sign-in.
	LockedOnly bool
	// Batch is how many records a page holds (default 500); a page of a
	// single commit position holds all of that position's records.
	Batch int
	// Idle remembers how far idle reads have found nothing, so that a
	// page with no records writes the cursor only every IdleAdvance; nil
	// never writes the cursor for a page with no records.
	Idle *IdleCursors
}

// IdleCursors is what a process knows of the check-log cursors it reads
// beyond what is stored: for each, where an idle reader stands, not yet
// written, and since when the stored cursor has stood still. It is only
// an optimisation: a reader without it (after a restart) starts at the
// stored cursor and finds the same records. The zero value is empty and
// ready; it is safe for concurrent use. A job keeps one across its rounds.
type IdleCursors struct {
	mu sync.Mutex
	m  map[idleKey]idle
}

type idleKey struct{ endpoint, tenant string }

// idle is an idle reader's place: pos, where to read from, goes with the
// stored cursor base (a stored cursor that changed meanwhile, moved by
// another node holding the job's lease, makes it void); since is when base
// was written or first read.
type idle struct {
	base, pos int64
	since     time.Time
}

func (c *IdleCursors) get(k idleKey) (idle, bool) {
	if c == nil {
		return idle{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	return e, ok
}

func (c *IdleCursors) set(k idleKey, e idle) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[idleKey]idle{}
	}
	c.m[k] = e
}

// Page is one page a Tail read, and where its cursor goes next.
type Page struct {
	// Records are the page's records, in commit order.
	Records []store.CheckRecord
	// More says that more records may already be readable: read another
	// page.
	More bool

	tail     Tail
	tenantID string
	next     int64
	move     bool
	idle     idle // the reader's place after the page, once Advance commits
}

// Read reads, in tx, the next page of the tenant's records. It starts at
// the tenant's cursor; a tenant without one starts at the commit position
// of the time start returns (store.CheckCommitPosition; start nil: from
// the first record), and a cursor that holds a time (written by an earlier
// deadbolt) at the commit position of that time. now is the job's clock,
// for IdleAdvance.
func (t Tail) Read(ctx context.Context, tx store.Tx, tenantID string, now time.Time, start func() time.Time) (Page, error) {
	p := Page{tail: t, tenantID: tenantID}
	cur, err := tx.StreamCursor(ctx, t.Endpoint, tenantID, CursorKind)
	if err != nil {
		return p, err
	}
	key := idleKey{t.Endpoint, tenantID}
	known, ok := t.Idle.get(key)
	if !ok || known.base != cur {
		known = idle{base: cur, since: now}
		switch {
		case cur == 0:
			var at time.Time
			if start != nil {
				at = start()
			}
			known.pos, err = tx.CheckCommitPosition(ctx, tenantID, at)
		case store.PositionIsTime(cur):
			known.pos, err = tx.CheckCommitPosition(ctx, tenantID, time.Unix(0, cur))
		default:
			known.pos = cur
		}
		if err != nil {
			return p, err
		}
	}
	from := known.pos
	batch := t.Batch
	if batch <= 0 {
		batch = 500
	}
	page, err := tx.CommittedChecks(ctx, tenantID, t.LockedOnly, store.CommitPosition{Pos: from, Seq: math.MinInt64}, batch)
	if err != nil {
		return p, err
	}
	recs, pos := page.Records, page.Positions
	p.next = page.Horizon
	switch {
	case len(recs) == 0:
		// Nothing read: remember how far, and write the cursor only
		// once it has stood still for IdleAdvance.
		p.next = max(p.next, from)
		p.move = p.next != cur && now.Sub(known.since) >= IdleAdvance
		p.idle = idle{base: cur, pos: p.next, since: known.since}
	case len(recs) < batch:
		p.move, p.Records = true, recs
	case pos[len(pos)-1].Pos > from:
		// The next page starts with the last position's records.
		last := pos[len(pos)-1].Pos
		for len(pos) > 0 && pos[len(pos)-1].Pos == last {
			recs, pos = recs[:len(recs)-1], pos[:len(pos)-1]
		}
		p.move, p.More, p.Records, p.next = true, true, recs, last
	default:
		// The whole page is one position: read the rest of it, and go
		// on after it.
		for {
			more, err := tx.CommittedChecks(ctx, tenantID, t.LockedOnly, pos[len(pos)-1], batch)
			if err != nil {
				return p, err
			}
			n := 0
			for n < len(more.Records) && more.Positions[n].Pos == from {
				n++
			}
			recs, pos = append(recs, more.Records[:n]...), append(pos, more.Positions[:n]...)
			if n < batch {
				break
			}
		}
		p.move, p.More, p.Records, p.next = true, true, recs, from+1
	}
	// A cursor that holds a time is written as a position at once, so
	// that it is converted once: converted again later, it would start at
	// a later horizon and pass over what was committed meanwhile.
	p.move = p.move || store.PositionIsTime(cur)
	if p.move {
		p.idle = idle{base: p.next, pos: p.next, since: now}
	}
	return p, nil
}

// Advance moves the tenant's cursor past the page, in tx: commit it in the
// transaction that handled the page's records. It writes nothing for a
// page with no records whose cursor has stood still for less than
// IdleAdvance. The reader's place is remembered (Tail.Idle) whether or
// not tx commits: a write that rolls back leaves the stored cursor where
// it was, which voids what was remembered with the new one.
func (p Page) Advance(ctx context.Context, tx store.Tx) error {
	p.tail.Idle.set(idleKey{p.tail.Endpoint, p.tenantID}, p.idle)
	if !p.move {
		return nil
	}
	return tx.SetStreamCursor(ctx, p.tail.Endpoint, p.tenantID, CursorKind, p.next)
}
