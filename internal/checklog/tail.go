package checklog

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// CursorKind is the stream cursor kind of check-log positions: a cursor of
// this kind holds the check time (Unix nanoseconds) read up to.
const CursorKind = "checks"

// DefaultSettle is Tail.Settle's default.
const DefaultSettle = 2 * time.Second

// IdleAdvance is how far behind until a cursor may fall while its reads
// find no records: a page with no records moves the cursor (a write) only
// when the cursor is at least this old, so an idle tenant costs one
// cursor write per IdleAdvance rather than one per round, and a restart
// reads at most about this much of an idle window again.
const IdleAdvance = 5 * time.Minute

// Tail reads a tenant's check log forward, page by page, past a durable
// stream cursor (endpoint Endpoint, kind CursorKind, one per tenant), off
// the lock check's path: the jobs that react to or forward check decisions
// (blocked-signin, the SIEM stream) share it.
//
// It reads by time, never by the backend's write order alone: on
// PostgreSQL the check log's seq is taken when a row is inserted, and
// transactions commit in any order, so a cursor on seq would pass over a
// row whose transaction commits after a later one's. Tail reads only
// records older than Settle, which are all written by then (the check log
// commits within milliseconds, async batches retry for about 1.5 s, and
// nodes' clocks differ a little); a record written later than that after
// its own time is not seen, the known gap of reading by time.
//
// Within the settled part the order by (time, write order) no longer
// changes, so a page ends exactly: a full page stops before the records of
// its last instant (the next page starts with them), and a page that is
// one instant whole reads that instant to its end. Each record is so read
// once, unless the cursor is not moved (Page.Advance not committed), in
// which case the same records are read again: at least once. A page with
// no records leaves the cursor where it is (Page.Advance writes nothing)
// until the cursor is IdleAdvance behind: an idle round writes nothing.
type Tail struct {
	// Endpoint names the cursors. Configured endpoints may not start
	// with "deadbolt:"; deadbolt's own jobs' names do.
	Endpoint string
	// LockedOnly reads only the answers that refused the sign-in.
	LockedOnly bool
	// Settle is how old a record must be to be read (default
	// DefaultSettle).
	Settle time.Duration
	// Batch is how many records a page holds (default 500); a page of a
	// single instant holds all of that instant's records.
	Batch int
}

// Until is the end of what a Tail reads at now: now minus Settle.
func (t Tail) Until(now time.Time) time.Time {
	settle := t.Settle
	if settle <= 0 {
		settle = DefaultSettle
	}
	return now.Add(-settle)
}

// Page is one page a Tail read, and where its cursor goes next.
type Page struct {
	// Records are the page's records, oldest first.
	Records []store.CheckRecord
	// More says that records may follow before until: read another page.
	More bool

	tail     Tail
	tenantID string
	next     int64
	move     bool
}

// Read reads, in tx, the next page of the tenant's records before until
// (Until(now)). It starts where the tenant's cursor is, or where from says:
// from gets the cursor's time and whether the tenant has a cursor yet, and
// returns the time to read from (the cursor's, or a later one). Nothing is
// read, and the cursor stays, when that is not before until.
func (t Tail) Read(ctx context.Context, tx store.Tx, tenantID string, until time.Time, from func(cursor time.Time, found bool) time.Time) (Page, error) {
	p := Page{tail: t, tenantID: tenantID}
	cur, err := tx.StreamCursor(ctx, t.Endpoint, tenantID, CursorKind)
	if err != nil {
		return p, err
	}
	since := time.Unix(0, cur).UTC()
	if from != nil {
		since = from(since, cur != 0)
	}
	if !since.Before(until) {
		return p, nil
	}
	batch := t.Batch
	if batch <= 0 {
		batch = 500
	}
	recs, pos, err := tx.TenantChecks(ctx, tenantID, t.LockedOnly, since, until, store.CheckPosition{}, batch)
	if err != nil {
		return p, err
	}
	p.next = until.UnixNano()
	if len(recs) < batch {
		// Nothing read: keep the cursor (no write) unless it is
		// IdleAdvance behind.
		p.move = len(recs) > 0 || until.Sub(since) >= IdleAdvance
		p.Records = recs
		return p, nil
	}
	p.move, p.More = true, true
	last := recs[len(recs)-1].At
	if last.UnixNano() > since.UnixNano() {
		// The next page starts with the last instant's records.
		for len(recs) > 0 && recs[len(recs)-1].At.Equal(last) {
			recs = recs[:len(recs)-1]
		}
		p.Records, p.next = recs, last.UnixNano()
		return p, nil
	}
	// The whole page is one instant: read the rest of it, and go on
	// after it.
	end := since.Add(1)
	for {
		more, next, err := tx.TenantChecks(ctx, tenantID, t.LockedOnly, since, end, pos, batch)
		if err != nil {
			return p, err
		}
		recs, pos = append(recs, more...), next
		if len(more) < batch {
			break
		}
	}
	p.Records, p.next = recs, end.UnixNano()
	return p, nil
}

// Advance moves the tenant's cursor past the page, in tx: commit it in the
// transaction that handled the page's records. It writes nothing for a
// page with no records whose cursor is less than IdleAdvance behind.
func (p Page) Advance(ctx context.Context, tx store.Tx) error {
	if !p.move {
		return nil
	}
	return tx.SetStreamCursor(ctx, p.tail.Endpoint, p.tenantID, CursorKind, p.next)
}
