package siem

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// CheckMessageType is the outbox type of a check decision streamed to a
// SIEM.
const CheckMessageType = "check.decision"

// Backfill is how far back an endpoint's stream of check decisions starts
// for a tenant it has no cursor of yet (the endpoint was just opted in, or
// the tenant is new): the last hour, or since the tenant was created if
// that is later. Older decisions are in `deadbolt checks export`.
const Backfill = time.Hour

// CheckStore is what CheckJob needs of the store.
type CheckStore interface {
	store.ConfigReader
	store.Updater
}

// CheckJob queues the check decisions not yet streamed to each endpoint
// that opted in (checks: true). It reads the check log with
// checklog.Tail, the settled reader blocked-signin shares, past a cursor
// per endpoint and tenant (a stream cursor of kind checklog.CursorKind),
// and queues one outbox message per record in the transaction that moves
// the cursor: each decision is queued once per endpoint, and delivered at
// least once, with the check's ID as its idempotency key. It runs as a job
// under a lease, after the check: the lock check itself does nothing more
// than write its record.
type CheckJob struct {
	Store CheckStore
	Clock clock.Clock
	// Endpoints are the names of the endpoints that opted in.
	Endpoints []string
	// Settle is how old a record must be to be read (default
	// checklog.DefaultSettle).
	Settle time.Duration
	// Batch is how many records one transaction queues (default 500).
	Batch int
	// Pages bounds the transactions per endpoint and tenant in one round
	// (default 20), so that a backlog is worked off over several rounds
	// and one tenant cannot hold the others up for long.
	Pages int
}

// RunOnce queues the settled decisions past each endpoint's cursors and
// returns how many messages it queued.
func (j *CheckJob) RunOnce(ctx context.Context) (int, error) {
	if len(j.Endpoints) == 0 {
		return 0, nil
	}
	tenants, err := j.Store.Tenants(ctx)
	if err != nil {
		return 0, err
	}
	now := j.Clock.Now()
	pages := j.Pages
	if pages <= 0 {
		pages = 20
	}
	issuers := map[string]string{} // application ID → issuer
	queued := 0
	var errs []error
	for _, ep := range j.Endpoints {
		tail := checklog.Tail{Endpoint: ep, Settle: j.Settle, Batch: j.Batch}
		until := tail.Until(now)
		start := now.Add(-Backfill)
		for _, t := range tenants {
			from := func(cur time.Time, found bool) time.Time {
				if found {
					return cur
				}
				if t.CreatedAt.After(start) {
					return t.CreatedAt
				}
				return start
			}
			for range pages {
				n, more, err := j.page(ctx, tail, t.ID, until, from, issuers)
				queued += n
				if err != nil {
					errs = append(errs, fmt.Errorf("siem %s, tenant %s: %w", ep, t.ID, err))
				}
				if err != nil || !more {
					break
				}
			}
		}
	}
	return queued, errors.Join(errs...)
}

// page queues one page of a tenant's decisions to the tail's endpoint and
// moves its cursor, in one transaction.
func (j *CheckJob) page(ctx context.Context, tail checklog.Tail, tenantID string, until time.Time,
	from func(time.Time, bool) time.Time, issuers map[string]string) (n int, more bool, err error) {
	err = j.Store.Update(ctx, func(tx store.Tx) error {
		n, more = 0, false
		p, err := tail.Read(ctx, tx, tenantID, until, from)
		if err != nil {
			return err
		}
		now := j.Clock.Now()
		for _, c := range p.Records {
			issuer, ok := issuers[c.AppID]
			if !ok {
				app, err := tx.Application(ctx, c.AppID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				issuer, issuers[c.AppID] = app.Issuer, app.Issuer
			}
			body, err := checklog.JSON(c, issuer)
			if err != nil {
				return err
			}
			if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: tenantID, Channel: store.ChannelSIEM,
				Endpoint: tail.Endpoint, Type: CheckMessageType, Payload: body, CreatedAt: now}); err != nil {
				return err
			}
		}
		n, more = len(p.Records), p.More
		return p.Advance(ctx, tx)
	})
	if err != nil {
		n, more = 0, false
	}
	return n, more, err
}
