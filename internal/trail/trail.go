package trail

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Page is how many records one read fetches.
const Page = 5000

// pageSize is Page, smaller in tests.
var pageSize = Page

// Reading says how Verify and Export read a trail. With Ahead > 0, up to
// Ahead pages are read at once, each on its own goroutine, which also
// hashes (Verify) or encodes (Export) the page it read; the caller's
// goroutine then checks the links or writes the pages in seq order. With
// Ahead 0 one page is read after another, all on the caller's goroutine.
type Reading struct{ Ahead int }

// OneByOne reads one page after another on the caller's goroutine (the
// portal: one request should not take every core).
var OneByOne = Reading{}

// Parallel reads and works on as many pages at once as there are cores,
// at least two (the CLI).
func Parallel() Reading { return Reading{Ahead: max(2, runtime.GOMAXPROCS(0))} }

// Result is a verified chain.
type Result struct {
	Events   int64
	LastSeq  int64
	LastHash string
	// Checkpoints counts the signed checkpoints that matched.
	Checkpoints int
}

// Verify recomputes the chain of tenantID from its first record to its
// last, and, when key is not nil, checks every signed checkpoint stored
// with it and those in extra (a witness's copy). The first bad record
// ends it with an error wrapping an *audit.Break that names its seq and
// fault; other errors are the store's. Records are hashed as their pages
// are read (audit.SumsOf), and the chain is checked one record after
// another in seq order, so the first bad record is the same however
// rd reads. progress, when not nil, is told how many records have been
// checked after each page.
func Verify(ctx context.Context, s store.AuditReader, rd Reading, tenantID string, key *audit.PublicKey,
	extra []audit.Checkpoint, progress func(int64)) (Result, error) {
	var res Result
	var c audit.Chain
	var w *audit.Witness
	if key != nil {
		stored, err := s.Checkpoints(ctx, tenantID)
		if err != nil {
			return res, err
		}
		w = audit.NewWitness(*key, append(stored, extra...))
	}
	err := readPages(ctx, s, rd, tenantID, audit.SumsOf, func(page []audit.Record, sums []audit.Sum) error {
		for i, r := range page {
			if err := c.AddSummed(r, sums[i]); err != nil {
				return err
			}
			if w != nil {
				if err := w.Record(r, false); err != nil {
					return err
				}
			}
			res.Events++
			res.LastSeq, res.LastHash = r.Seq, r.Hash
		}
		if progress != nil {
			progress(res.Events)
		}
		return nil
	})
	if err == nil && w != nil {
		err = w.End(res.LastSeq, false)
		res.Checkpoints = w.Checked
	}
	return res, err
}

// Export writes the records of tenantID that f selects to w, oldest
// first, and returns how many it read and wrote. It does not flush w.
// Records are encoded as their pages are read, and written in seq order.
// progress, when not nil, is told how many records have been read after
// each page.
func Export(ctx context.Context, s store.AuditReader, rd Reading, tenantID string, f audit.Filter, w *audit.Writer,
	progress func(read int64)) (read, written int64, err error) {
	encode := func(page []audit.Record) []encoded {
		out := make([]encoded, len(page))
		var buf []byte
		for i, r := range page {
			if !f.Match(r) {
				continue
			}
			start := len(buf)
			buf, out[i].err = w.Format().AppendRecord(buf, r)
			out[i].start, out[i].end, out[i].selected = start, len(buf), true
			if start == 0 { // room for the rest of the page at this record's size and a tenth
				buf = slices.Grow(buf, len(buf)*11/10*(len(page)-i))
			}
		}
		for i := range out {
			out[i].buf = buf
		}
		return out
	}
	err = readPages(ctx, s, rd, tenantID, encode, func(page []audit.Record, enc []encoded) error {
		for _, e := range enc {
			read++
			if !e.selected {
				continue
			}
			if e.err != nil {
				return e.err
			}
			written++
			if err := w.WriteEncoded(e.buf[e.start:e.end]); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(read)
		}
		return nil
	})
	return read, written, err
}

// encoded is one record of a page that Export encoded: buf[start:end],
// the page's buffer, when the filter selected it.
type encoded struct {
	buf        []byte
	start, end int
	selected   bool
	err        error
}

// readPages calls prepare with each page of a tenant's records as it is
// read, and fn with each page and what prepare made of it (one T a
// record), in seq order, each record once, as a scan of one page after
// another would. With rd.Ahead > 0, prepare runs on the reading
// goroutines, several pages at once; fn always runs on the caller's.
func readPages[T any](ctx context.Context, s store.AuditReader, rd Reading, tenantID string,
	prepare func([]audit.Record) []T, fn func([]audit.Record, []T) error) error {
	var last int64
	var done bool
	var err error
	if rd.Ahead > 0 {
		last, done, err = readAhead(ctx, s, rd.Ahead, tenantID, prepare, fn)
	}
	for !done && err == nil {
		var recs []audit.Record
		if recs, err = s.AuditRecords(ctx, tenantID, last, pageSize); err == nil {
			err = fn(recs, prepare(recs))
		}
		if done = len(recs) < pageSize; !done {
			last = recs[len(recs)-1].Seq
		}
	}
	return err
}

// readAhead reads up to ahead pages at once, each on a goroutine that
// also prepares it, while fn works on the page before. Page k is read as
// the records after seq k*pageSize, which is where page k-1 ends when
// seqs have no gaps. A gap makes a page reach past that point, so the
// next one overlaps it: then the overlap is dropped and readAhead returns
// the last seq given to fn with done false, for the caller to go on one
// page at a time. It returns once every goroutine it started has ended.
func readAhead[T any](ctx context.Context, s store.AuditReader, ahead int, tenantID string,
	prepare func([]audit.Record) []T, fn func([]audit.Record, []T) error) (last int64, done bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	type page struct {
		recs     []audit.Record
		prepared []T
		err      error
	}
	pending := make(chan chan page, ahead)
	wg.Go(func() {
		defer close(pending)
		for k := int64(0); ; k++ {
			next := make(chan page, 1)
			select {
			case pending <- next:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				recs, err := s.AuditRecords(ctx, tenantID, k*int64(pageSize), pageSize)
				var prepared []T
				if err == nil {
					prepared = prepare(recs)
				}
				next <- page{recs, prepared, err}
			})
		}
	})
	for next := range pending {
		p := <-next
		if p.err != nil {
			return last, true, p.err
		}
		full := len(p.recs) == pageSize
		skip := 0
		for skip < len(p.recs) && p.recs[skip].Seq <= last {
			skip++
		}
		if err := fn(p.recs[skip:], p.prepared[skip:]); err != nil {
			return last, true, err
		}
		if len(p.recs) > 0 {
			last = max(last, p.recs[len(p.recs)-1].Seq)
		}
		if !full {
			return last, true, nil
		}
		if skip > 0 {
			return last, false, nil
		}
	}
	return last, true, ctx.Err()
}

// scanChunk is how many records Newest reads at a time, walking back.
const scanChunk = 500

// Newest lists up to n records of tenantID that f selects, newest first,
// among those with seq < before (0: from the newest), and returns where
// the next page starts (0: there is none). It walks back at most scan
// records per call, so a filter that matches rarely still answers
// quickly: the page may then be short, and the next one goes on from
// where it stopped.
func Newest(ctx context.Context, s store.AuditReader, tenantID string, f audit.Filter, before int64, n, scan int) ([]audit.Record, int64, error) {
	if before <= 0 {
		heads, err := s.AuditHeads(ctx)
		if err != nil {
			return nil, 0, err
		}
		for _, h := range heads {
			if h.TenantID == tenantID {
				before = h.Seq + 1
			}
		}
		if before <= 0 {
			return nil, 0, nil
		}
	}
	var out []audit.Record
	for scanned := 0; before > 1 && len(out) < n && scanned < scan; scanned += scanChunk {
		from := max(0, before-1-scanChunk)
		recs, err := s.AuditRecords(ctx, tenantID, from, int(before-1-from))
		if err != nil {
			return nil, 0, err
		}
		for len(recs) > 0 && recs[len(recs)-1].Seq >= before { // rows deleted below make the read reach past
			recs = recs[:len(recs)-1]
		}
		i := len(recs) - 1
		for ; i >= 0 && len(out) < n; i-- {
			if f.Match(recs[i]) {
				out = append(out, recs[i])
			}
		}
		if i >= 0 { // the page filled inside this chunk
			return out, recs[i+1].Seq, nil
		}
		before = from + 1
	}
	if before <= 1 {
		before = 0
	}
	return out, before, nil
}
