package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
)

// Fault names what is wrong with the first bad record of a chain.
type Fault string

// Faults a chain can have.
const (
	// FaultHash: the record's content does not match its hash (a field
	// was changed).
	FaultHash Fault = "hash mismatch"
	// FaultGap: seqs are missing before this record (records were
	// deleted).
	FaultGap Fault = "gap"
	// FaultOrder: the record's seq is not above the one before it
	// (records reordered or duplicated).
	FaultOrder Fault = "reordered"
	// FaultLink: the record's prev_hash is not the hash of the record
	// before it (a record before it was replaced).
	FaultLink Fault = "broken link"
	// FaultMalformed: the record cannot be hashed (bad prev_hash or data).
	FaultMalformed Fault = "malformed"
)

// Break is the first bad record a Chain met. It wraps ErrChainBroken.
type Break struct {
	Tenant string
	Seq    int64 // the bad record's seq
	Fault  Fault
	Detail string
}

func (b *Break) Error() string {
	return fmt.Sprintf("%s: tenant %s, seq %d: %s: %s", ErrChainBroken, b.Tenant, b.Seq, b.Fault, b.Detail)
}

// Unwrap makes errors.Is(b, ErrChainBroken) true.
func (b *Break) Unwrap() error { return ErrChainBroken }

// Chain checks one tenant's records one at a time, in seq order, in
// constant memory, so that a chain of any length can be verified as it is
// read. The zero value expects seq 1. It is not safe for concurrent use.
type Chain struct {
	started  bool
	next     int64  // the seq the next record must have
	prevHash string // the hash the next record must point at
	// Partial accepts a chain with gaps (a filtered export): records
	// after a gap are checked for their own hash only, and links are
	// checked between consecutive seqs.
	Partial bool
	// Gaps counts the gaps a Partial chain skipped.
	Gaps int
}

// Resume starts a chain after a record already known to be good (seq and
// hash), e.g. a checkpoint.
func (c *Chain) Resume(seq int64, hash string) {
	c.started, c.next, c.prevHash = true, seq+1, hash
}

// A Sum is what recomputing one record's hash found. It depends on the
// record alone (its stored prev_hash and its content), so the sums of many
// records can be worked out at once, on any goroutine, before a Chain
// checks the links between them in order (AddSummed).
type Sum struct {
	match bool  // the recomputed hash is the stored one
	err   error // the record could not be hashed
}

// SumsOf recomputes the hash of each record, writing nothing but into the
// slice it returns (one Sum a record, in the same order).
func SumsOf(records []Record) []Sum {
	sums := make([]Sum, len(records))
	var scratch []byte
	for i, r := range records {
		var h [sha256.Size]byte
		h, scratch, sums[i].err = r.sum(scratch)
		if sums[i].err == nil {
			var x [2 * sha256.Size]byte
			hex.Encode(x[:], h[:])
			sums[i].match = string(x[:]) == r.Hash
		}
	}
	return sums
}

// Add checks r, the next record, and returns a *Break if it is bad.
func (c *Chain) Add(r Record) error {
	return c.AddSummed(r, SumsOf([]Record{r})[0])
}

// AddAll checks records, the next ones in order, hashing them on up to
// workers goroutines at once (the links are still checked in order). It
// returns how many were good before the first *Break.
func (c *Chain) AddAll(records []Record, workers int) (int, error) {
	sums := make([]Sum, 0, len(records))
	if workers < 1 {
		workers = 1
	}
	chunk := max(1, (len(records)+workers-1)/workers)
	parts := make([][]Sum, 0, workers)
	var wg sync.WaitGroup
	for lo := 0; lo < len(records); lo += chunk {
		hi := min(lo+chunk, len(records))
		parts = append(parts, nil)
		part := &parts[len(parts)-1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			*part = SumsOf(records[lo:hi])
		}()
	}
	wg.Wait()
	for _, p := range parts {
		sums = append(sums, p...)
	}
	for i, r := range records {
		if err := c.AddSummed(r, sums[i]); err != nil {
			return i, err
		}
	}
	return len(records), nil
}

// AddSummed checks r, the next record, given its Sum (from SumsOf), and
// returns a *Break if it is bad. What is wrong with the links (seq, order,
// prev_hash) is named before what is wrong with the content, as Add does.
func (c *Chain) AddSummed(r Record, s Sum) error {
	if !c.started {
		c.started, c.next, c.prevHash = true, 1, GenesisHash
		if c.Partial && r.Seq > 1 {
			c.next, c.prevHash = r.Seq, r.PrevHash // an export that starts later
		}
	}
	brk := func(f Fault, format string, args ...any) error {
		return &Break{Tenant: r.TenantID, Seq: r.Seq, Fault: f, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case r.Seq < c.next:
		return brk(FaultOrder, "expected seq %d next, found %d", c.next, r.Seq)
	case r.Seq > c.next && !c.Partial:
		if c.next == r.Seq-1 {
			return brk(FaultGap, "seq %d is missing", c.next)
		}
		return brk(FaultGap, "seqs %d to %d are missing", c.next, r.Seq-1)
	case r.Seq > c.next:
		c.Gaps++
	case r.PrevHash != c.prevHash:
		return brk(FaultLink, "prev_hash is not the hash of seq %d", r.Seq-1)
	}
	if s.err != nil {
		return brk(FaultMalformed, "%v", s.err)
	}
	if !s.match {
		return brk(FaultHash, "its content does not match its hash (a field was changed)")
	}
	c.next, c.prevHash = r.Seq+1, r.Hash
	return nil
}
