package siem

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// MessageType is the outbox type of an audit record streamed to a SIEM.
const MessageType = "audit.event"

// KindAudit is the stream cursor kind of the audit events.
const KindAudit = "audit"

// Store is what the job needs of the store.
type Store interface {
	store.AuditReader
	store.Updater
}

// Job queues the audit records not yet streamed to each endpoint.
type Job struct {
	Store Store
	Clock clock.Clock
	// Endpoints are the names of the configured SIEM endpoints.
	Endpoints []string
	// Batch is how many records one transaction queues (default 500).
	Batch int
}

// RunOnce queues every record past each endpoint's cursor and returns how
// many messages it queued.
func (j *Job) RunOnce(ctx context.Context) (int, error) {
	if len(j.Endpoints) == 0 {
		return 0, nil
	}
	heads, err := j.Store.AuditHeads(ctx)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, h := range heads {
		for _, ep := range j.Endpoints {
			for {
				n, err := j.step(ctx, ep, h.TenantID)
				queued += n
				if err != nil {
					return queued, err
				}
				if n == 0 {
					break
				}
			}
		}
	}
	return queued, nil
}

// step queues one batch of a tenant's records to ep and moves its cursor.
func (j *Job) step(ctx context.Context, ep, tenantID string) (int, error) {
	batch := j.Batch
	if batch <= 0 {
		batch = 500
	}
	n := 0
	err := j.Store.Update(ctx, func(tx store.Tx) error {
		n = 0
		pos, err := tx.StreamCursor(ctx, ep, tenantID, KindAudit)
		if err != nil {
			return err
		}
		recs, err := tx.AuditRecords(ctx, tenantID, pos, batch)
		if err != nil || len(recs) == 0 {
			return err
		}
		now := j.Clock.Now()
		for _, r := range recs {
			body, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: tenantID, Channel: store.ChannelSIEM,
				Endpoint: ep, Type: MessageType, Payload: body, CreatedAt: now}); err != nil {
				return err
			}
		}
		n = len(recs)
		return tx.SetStreamCursor(ctx, ep, tenantID, KindAudit, recs[len(recs)-1].Seq)
	})
	return n, err
}

// IdempotencyKey is what identifies a streamed record: its tenant and seq.
func IdempotencyKey(r audit.Record) string {
	return r.TenantID + ":" + strconv.FormatInt(r.Seq, 10)
}
