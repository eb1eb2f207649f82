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
// checklog.Tail, the commit-ordered reader blocked-signin shares, past a cursor
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
	// Batch is how many records one transaction queues (default 500).
	Batch int
	// Pages bounds the transactions per endpoint and tenant in one round
	// (default 20), so that a backlog is worked off over several rounds
	// and one tenant cannot hold the others up for long.
	Pages int

	idle checklog.IdleCursors
}

// RunOnce queues the committed decisions past each endpoint's cursors and
// returns how many messages it queued.
//
// An endpoint's tenants share transactions: one transaction reads a page
// of each tenant in turn, until it has queued Batch messages, and moves
// the cursors of the pages it queued. A round that finds no records
// writes nothing (checklog.IdleAdvance: an idle cursor is written once
// every few minutes). If a shared transaction fails, its tenants are
// tried again one transaction each, so that one tenant's failure does
// not hold the others up.
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
		r := &round{job: j, tail: checklog.Tail{Endpoint: ep, Batch: j.Batch, Idle: &j.idle},
			now: now, start: now.Add(-Backfill), issuers: issuers}
		todo := make([]work, len(tenants))
		for i, t := range tenants {
			todo[i] = work{tenant: t, pages: pages}
		}
		for len(todo) > 0 {
			var n int
			var err error
			todo, n, err = r.shared(ctx, todo)
			queued += n
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return queued, errors.Join(errs...)
}

// work is a tenant still to read in a round, and how many pages it may
// still read.
type work struct {
	tenant store.Tenant
	pages  int
}

// round is one endpoint's part of a RunOnce.
type round struct {
	job     *CheckJob
	tail    checklog.Tail
	now     time.Time
	start   time.Time
	issuers map[string]string
}

// shared reads one page of each tenant of todo in one transaction, until
// it has queued the job's Batch, and returns the tenants still to read
// (those it did not reach, then those whose page was full). If the
// transaction fails, the tenants it read are each read again in a
// transaction of their own.
func (r *round) shared(ctx context.Context, todo []work) (rest []work, n int, err error) {
	batch := r.job.Batch
	if batch <= 0 {
		batch = 500
	}
	var reached int
	var again []work
	err = r.job.Store.Update(ctx, func(tx store.Tx) error {
		n, reached, again = 0, 0, nil
		for _, w := range todo {
			if n >= batch {
				break
			}
			m, more, err := r.page(ctx, tx, w.tenant)
			if err != nil {
				return err
			}
			n, reached = n+m, reached+1
			if w.pages--; more && w.pages > 0 {
				again = append(again, w)
			}
		}
		return nil
	})
	if err == nil {
		return append(todo[reached:len(todo):len(todo)], again...), n, nil
	}
	// One tenant failed (the one after those reached, or the commit):
	// try each alone, so the others go on.
	end := min(reached+1, len(todo))
	n, rest = 0, nil
	var errs []error
	for _, w := range todo[:end] {
		var m int
		var more bool
		err := r.job.Store.Update(ctx, func(tx store.Tx) error {
			var err error
			m, more, err = r.page(ctx, tx, w.tenant)
			return err
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("siem %s, tenant %s: %w", r.tail.Endpoint, w.tenant.ID, err))
			continue
		}
		n += m
		if w.pages--; more && w.pages > 0 {
			rest = append(rest, w)
		}
	}
	return append(todo[end:len(todo):len(todo)], rest...), n, errors.Join(errs...)
}

// page queues one page of a tenant's decisions to the round's endpoint
// and moves its cursor, in tx.
func (r *round) page(ctx context.Context, tx store.Tx, t store.Tenant) (n int, more bool, err error) {
	p, err := r.tail.Read(ctx, tx, t.ID, r.now, func() time.Time {
		if t.CreatedAt.After(r.start) {
			return t.CreatedAt
		}
		return r.start
	})
	if err != nil {
		return 0, false, err
	}
	now := r.job.Clock.Now()
	for _, c := range p.Records {
		issuer, ok := r.issuers[c.AppID]
		if !ok {
			app, err := tx.Application(ctx, c.AppID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return 0, false, err
			}
			issuer, r.issuers[c.AppID] = app.Issuer, app.Issuer
		}
		body, err := checklog.JSON(c, issuer)
		if err != nil {
			return 0, false, err
		}
		if err := tx.EnqueueOutbox(ctx, store.OutboxMessage{ID: ids.New(), TenantID: t.ID, Channel: store.ChannelSIEM,
			Endpoint: r.tail.Endpoint, Type: CheckMessageType, Payload: body, CreatedAt: now}); err != nil {
			return 0, false, err
		}
	}
	return len(p.Records), p.More, p.Advance(ctx, tx)
}
