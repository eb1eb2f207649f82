package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is a state change to record: who did what to which target.
type Event struct {
	TenantID string
	Actor    string         // "cli:root", "member:<id>", "api-token:<id>", "system"
	Action   string         // dotted verb, e.g. "account.unlocked"
	Target   string         // what changed, e.g. "account:<id>"
	Data     map[string]any // details; must marshal to JSON
}

// Record is an Event placed in its tenant's chain.
type Record struct {
	TenantID string          `json:"tenant"`
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Target   string          `json:"target"`
	Data     json.RawMessage `json:"data"`
	PrevHash string          `json:"prev_hash"` // hex
	Hash     string          `json:"hash"`      // hex
}

// GenesisHash is the prev_hash of a tenant's first record: 32 zero bytes, hex.
var GenesisHash = hex.EncodeToString(make([]byte, sha256.Size))

// ErrChainBroken reports a record whose hash or sequence does not follow from
// the record before it.
var ErrChainBroken = errors.New("audit chain broken")

// Next places e after prev (nil for a tenant's first record) at time at.
func Next(prev *Record, e Event, at time.Time) (Record, error) {
	data := []byte("{}")
	if len(e.Data) > 0 {
		var err error
		if data, err = json.Marshal(e.Data); err != nil {
			return Record{}, fmt.Errorf("audit: encode data of %s: %w", e.Action, err)
		}
	}
	r := Record{
		TenantID: e.TenantID, Seq: 1, At: at.UTC(), Actor: e.Actor,
		Action: e.Action, Target: e.Target, Data: data, PrevHash: GenesisHash,
	}
	if prev != nil {
		r.Seq = prev.Seq + 1
		r.PrevHash = prev.Hash
	}
	h, err := r.computeHash()
	if err != nil {
		return Record{}, err
	}
	r.Hash = h
	return r, nil
}

// computeHash returns SHA-256(prev_hash bytes || canonical JSON), hex.
func (r Record) computeHash() (string, error) {
	sum, _, err := r.sum(nil)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(sum[:]), nil
}

// sum returns SHA-256(prev_hash bytes || canonical JSON), writing the
// hashed bytes into scratch (returned for reuse).
func (r Record) sum(scratch []byte) (sum [sha256.Size]byte, _ []byte, err error) {
	b, err := hex.AppendDecode(scratch[:0], []byte(r.PrevHash))
	if err != nil || len(b) != sha256.Size {
		return sum, scratch, fmt.Errorf("%w: seq %d has a malformed prev_hash", ErrChainBroken, r.Seq)
	}
	if b, err = r.appendCanonical(b); err != nil {
		return sum, scratch, err
	}
	return sha256.Sum256(b), b, nil
}

// Canonical returns the canonical JSON of the record's hashed fields.
func (r Record) Canonical() ([]byte, error) { return r.appendCanonical(nil) }

func errNotJSON(seq int64) error {
	return fmt.Errorf("%w: seq %d has data that is not JSON", ErrChainBroken, seq)
}

// Verify checks that records, in order, form an unbroken chain of one tenant
// starting at seq 1. It returns the index of the first bad record with an
// error wrapping ErrChainBroken (a *Break), or -1 and nil.
func Verify(records []Record) (int, error) {
	var c Chain
	for i, r := range records {
		if err := c.Add(r); err != nil {
			return i, err
		}
	}
	return -1, nil
}
