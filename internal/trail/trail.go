package trail

import (
	"context"
	"runtime"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Page is how many records one read fetches.
const Page = 5000

// Pager calls fn with each page of a tenant's records in seq order, each
// record once. Pages is one; the CLI has a faster one that reads ahead.
type Pager func(ctx context.Context, s store.AuditReader, tenantID string, fn func([]audit.Record) error) error

// Pages is a Pager that reads one page after another.
func Pages(ctx context.Context, s store.AuditReader, tenantID string, fn func([]audit.Record) error) error {
	var after int64
	for {
		recs, err := s.AuditRecords(ctx, tenantID, after, Page)
		if err != nil {
			return err
		}
		if err := fn(recs); err != nil {
			return err
		}
		if len(recs) < Page {
			return nil
		}
		after = recs[len(recs)-1].Seq
	}
}

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
// fault; other errors are the store's. progress, when not nil, is told
// how many records have been checked after each page.
func Verify(ctx context.Context, s store.AuditReader, pages Pager, tenantID string, key *audit.PublicKey,
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
	err := pages(ctx, s, tenantID, func(page []audit.Record) error {
		n, err := c.AddAll(page, runtime.GOMAXPROCS(0))
		if w != nil {
			for _, r := range page[:n] {
				if err := w.Record(r, false); err != nil {
					return err
				}
			}
		}
		res.Events += int64(n)
		if n > 0 {
			res.LastSeq, res.LastHash = page[n-1].Seq, page[n-1].Hash
		}
		if progress != nil {
			progress(res.Events)
		}
		return err
	})
	if err == nil && w != nil {
		err = w.End(res.LastSeq, false)
		res.Checkpoints = w.Checked
	}
	return res, err
}

// Export writes the records of tenantID that f selects to w, oldest
// first, and returns how many it read and wrote. It does not flush w.
// progress, when not nil, is told how many records have been read after
// each page.
func Export(ctx context.Context, s store.AuditReader, pages Pager, tenantID string, f audit.Filter, w *audit.Writer,
	progress func(read int64)) (read, written int64, err error) {
	err = pages(ctx, s, tenantID, func(page []audit.Record) error {
		for _, r := range page {
			read++
			if !f.Match(r) {
				continue
			}
			written++
			if err := w.Write(r); err != nil {
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
