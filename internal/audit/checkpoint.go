package audit

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// KeyLabel is the label the checkpoint key's seed is derived from the
// master key under (seal.Box.Derive): every node that shares the master
// key signs with the same key, and nobody stores it.
const KeyLabel = "deadbolt audit checkpoint key v1"

// Checkpoint is the server's signature over one record of a tenant's
// chain: that at time At the record with Seq had Hash. A copy kept outside
// the database (a witness) lets a later verify notice a history that was
// rewritten and re-chained, which the chain alone cannot show.
type Checkpoint struct {
	TenantID  string    `json:"tenant"`
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"` // hex, the record's hash
	At        time.Time `json:"at"`   // when it was signed
	KeyID     string    `json:"key_id"`
	Signature []byte    `json:"signature"` // Ed25519 over Message, base64 in JSON
}

// Message returns the bytes a checkpoint's signature covers: a versioned
// line of each signed field.
func (c Checkpoint) Message() []byte {
	return []byte("deadbolt audit checkpoint v1\n" + c.TenantID + "\n" + strconv.FormatInt(c.Seq, 10) + "\n" +
		c.Hash + "\n" + c.At.UTC().Format(time.RFC3339Nano) + "\n")
}

// PublicKey is the key checkpoints are verified with.
type PublicKey struct {
	ID  string            // KeyID of Key
	Key ed25519.PublicKey // 32 bytes
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// ParsePublicKey reads a public key as `deadbolt audit key` prints it: 32
// bytes in base64 (standard or URL alphabet) or hex.
func ParsePublicKey(s string) (PublicKey, error) {
	for _, dec := range []func(string) ([]byte, error){
		base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString,
	} {
		if b, err := dec(s); err == nil && len(b) == ed25519.PublicKeySize {
			return PublicKey{ID: KeyID(b), Key: b}, nil
		}
	}
	return PublicKey{}, fmt.Errorf("audit key: want 32 bytes in base64 or hex")
}

// Signer signs checkpoints. It is safe for concurrent use.
type Signer struct {
	key ed25519.PrivateKey
	pub PublicKey
}

// NewSigner returns the signer of a 32-byte seed (derived from the master
// key under KeyLabel).
func NewSigner(seed []byte) (*Signer, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit: checkpoint key seed must be %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	key := ed25519.NewKeyFromSeed(seed)
	pub := key.Public().(ed25519.PublicKey)
	return &Signer{key: key, pub: PublicKey{ID: KeyID(pub), Key: pub}}, nil
}

// PublicKey returns the key that verifies s's checkpoints.
func (s *Signer) PublicKey() PublicKey { return s.pub }

// Sign returns the checkpoint of record (tenant, seq, hash) at time at.
func (s *Signer) Sign(tenantID string, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{TenantID: tenantID, Seq: seq, Hash: hash, At: at.UTC(), KeyID: s.pub.ID}
	c.Signature = ed25519.Sign(s.key, c.Message())
	return c
}

// Verify reports whether c was signed by k.
func (k PublicKey) Verify(c Checkpoint) bool {
	return c.KeyID == k.ID && len(c.Signature) == ed25519.SignatureSize && ed25519.Verify(k.Key, c.Message(), c.Signature)
}

// Faults a checkpoint can show.
const (
	// FaultSignature: a checkpoint's signature does not verify with the
	// audit key (forged or altered checkpoint).
	FaultSignature Fault = "checkpoint signature"
	// FaultCheckpoint: the chain's record at a checkpoint's seq has another
	// hash, or is missing (history rewritten and re-chained, or the tail
	// cut off after the checkpoint).
	FaultCheckpoint Fault = "checkpoint mismatch"
)

// Witness checks a tenant's records, as they pass in seq order, against
// its signed checkpoints. Make it with NewWitness; call Record for each
// record that the Chain accepted, and End after the last.
type Witness struct {
	key     PublicKey
	pending []Checkpoint // sorted by seq, duplicates removed
	goodSeq int64        // seq of the last checkpoint that matched
	// Checked counts the checkpoints that matched.
	Checked int
	// Skipped counts checkpoints whose seq a Partial chain did not hold.
	Skipped int
}

// NewWitness returns a Witness of checkpoints (of one tenant, in any
// order; the same checkpoint twice, as at-least-once delivery may leave
// it, counts once) verified with key.
func NewWitness(key PublicKey, checkpoints []Checkpoint) *Witness {
	cs := slices.Clone(checkpoints)
	slices.SortStableFunc(cs, func(a, b Checkpoint) int { return int(a.Seq - b.Seq) })
	cs = slices.CompactFunc(cs, func(a, b Checkpoint) bool {
		return a.Seq == b.Seq && a.Hash == b.Hash && a.At.Equal(b.At) && string(a.Signature) == string(b.Signature)
	})
	return &Witness{key: key, pending: cs}
}

// Record checks r against the checkpoints at its seq; partial says that
// records may be missing on purpose (a filtered export), so checkpoints
// of seqs that never pass are skipped rather than faults.
func (w *Witness) Record(r Record, partial bool) error {
	for len(w.pending) > 0 && w.pending[0].Seq <= r.Seq {
		c := w.pending[0]
		w.pending = w.pending[1:]
		if !w.key.Verify(c) {
			return w.signatureBreak(c)
		}
		if c.Seq < r.Seq {
			if partial {
				w.Skipped++
				continue
			}
			return w.breakAt(c, fmt.Sprintf("the checkpoint of %s signed seq %d, which the chain does not hold", c.At.Format(time.RFC3339), c.Seq))
		}
		if c.Hash != r.Hash {
			return w.breakAt(c, fmt.Sprintf("the checkpoint of %s signed hash %s for seq %d, the chain holds %s: records after seq %d were rewritten",
				c.At.Format(time.RFC3339), short(c.Hash), c.Seq, short(r.Hash), w.goodSeq))
		}
		w.goodSeq = c.Seq
		w.Checked++
	}
	return nil
}

// End checks the checkpoints left after the chain's last record (lastSeq):
// each is a tail that was cut off, unless the chain is partial.
func (w *Witness) End(lastSeq int64, partial bool) error {
	for _, c := range w.pending {
		if !w.key.Verify(c) {
			return w.signatureBreak(c)
		}
		if partial {
			w.Skipped++
			continue
		}
		return w.breakAt(c, fmt.Sprintf("the chain ends at seq %d but the checkpoint of %s signed seq %d: records after seq %d were deleted",
			lastSeq, c.At.Format(time.RFC3339), c.Seq, lastSeq))
	}
	w.pending = nil
	return nil
}

func (w *Witness) signatureBreak(c Checkpoint) error {
	why := "its signature does not verify with the audit key"
	if c.KeyID != w.key.ID {
		why = fmt.Sprintf("it was signed by key %s, not by the audit key %s", c.KeyID, w.key.ID)
	}
	return &Break{Tenant: c.TenantID, Seq: c.Seq, Fault: FaultSignature, Detail: why}
}

func (w *Witness) breakAt(c Checkpoint, detail string) error {
	return &Break{Tenant: c.TenantID, Seq: c.Seq, Fault: FaultCheckpoint, Detail: detail}
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// ReadCheckpoints reads checkpoints written one a line as JSON (a file
// witness, or the bodies a webhook witness received), in any order. A line
// that is not a checkpoint stops it with an error naming the line.
func ReadCheckpoints(r io.Reader) ([]Checkpoint, error) {
	dec := json.NewDecoder(r)
	var out []Checkpoint
	for n := 1; ; n++ {
		var c Checkpoint
		err := dec.Decode(&c)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint %d is not JSON: %w", n, err)
		}
		if c.TenantID == "" || c.Seq <= 0 || c.Hash == "" || len(c.Signature) == 0 {
			return nil, fmt.Errorf("checkpoint %d lacks tenant, seq, hash or signature", n)
		}
		out = append(out, c)
	}
}

// Head is the last record of a tenant's chain: what a checkpoint signs.
type Head struct {
	TenantID string
	Seq      int64
	Hash     string
	At       time.Time
}
