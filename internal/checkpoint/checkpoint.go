package checkpoint

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// MessageType is the outbox type of a checkpoint sent to a witness.
const MessageType = "audit.checkpoint"

// Store is what the job needs of the store.
type Store interface {
	store.AuditReader
	store.Updater
}

// Job signs the audit chains' heads when they are due.
type Job struct {
	Store  Store
	Signer *audit.Signer
	Clock  clock.Clock
	// Every is the longest a chain that moved goes without a checkpoint.
	Every time.Duration
	// Events is how many new records make a checkpoint due at once.
	Events int64
	// Witnesses are the names of the endpoints each checkpoint is sent to
	// through the outbox (store.ChannelWitness).
	Witnesses []string
}

// RunOnce signs every head that is due and returns how many it signed.
func (j *Job) RunOnce(ctx context.Context) (int, error) {
	heads, err := j.Store.AuditHeads(ctx)
	if err != nil {
		return 0, err
	}
	lasts, err := j.Store.LastCheckpoints(ctx)
	if err != nil {
		return 0, err
	}
	last := map[string]audit.Checkpoint{}
	for _, c := range lasts {
		last[c.TenantID] = c
	}
	now := j.Clock.Now()
	signed := 0
	for _, h := range heads {
		if !j.due(h, last[h.TenantID], now) {
			continue
		}
		c := j.Signer.Sign(h.TenantID, h.Seq, h.Hash, now)
		err := j.Store.Update(ctx, func(tx store.Tx) error {
			if err := tx.AddCheckpoint(ctx, c); err != nil {
				return err
			}
			return Enqueue(ctx, tx, c, j.Witnesses, now)
		})
		switch {
		case errors.Is(err, store.ErrConflict): // another node signed it meanwhile
		case err != nil:
			return signed, err
		default:
			signed++
		}
	}
	return signed, nil
}

// due reports whether head h needs a checkpoint, given the tenant's last
// one (zero: none yet).
func (j *Job) due(h audit.Head, last audit.Checkpoint, now time.Time) bool {
	if last.Seq == 0 {
		return true
	}
	if h.Seq <= last.Seq {
		return false // nothing new (or fewer records: verify names that)
	}
	return h.Seq-last.Seq >= max(j.Events, 1) || now.Sub(last.At) >= j.Every
}

// Enqueue writes c to the outbox once for each witness, inside tx.
func Enqueue(ctx context.Context, tx store.OutboxTx, c audit.Checkpoint, witnesses []string, now time.Time) error {
	if len(witnesses) == 0 {
		return nil
	}
	body, err := json.Marshal(c)
	if err != nil {
		return err
	}
	for _, w := range witnesses {
		if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: c.TenantID, Channel: store.ChannelWitness,
			Endpoint: w, Type: MessageType, Payload: body, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}
