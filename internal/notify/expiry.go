package notify

import (
	"context"
	"errors"

	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Expiry announces unlocks that ended by time: the account locked again by
// itself, and push receivers must hear it.
type Expiry struct {
	// Store lists the ended grants and announces each in a transaction.
	Store interface {
		store.AccountReader
		store.Updater
	}
	Clock clock.Clock
}

// RunOnce announces every ended grant not yet announced (in rounds of 100)
// and returns how many it announced. Each announcement is one transaction:
// the grant is marked, the event enqueued and the relock audited together,
// and of several nodes only one can announce a grant.
func (e *Expiry) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		now := e.Clock.Now()
		grants, err := e.Store.EndedGrants(ctx, now, 100)
		if err != nil || len(grants) == 0 {
			return total, err
		}
		for _, g := range grants {
			won := false
			err := e.Store.Update(ctx, func(tx store.Tx) error {
				var err error
				won, err = tx.AnnounceGrantEnd(ctx, g.ID, now)
				if err != nil || !won {
					return err
				}
				a, err := tx.AccountByID(ctx, g.AccountID)
				if err != nil {
					return err
				}
				app, err := tx.Application(ctx, a.AppID)
				if err != nil {
					return err
				}
				if err := Enqueue(ctx, tx, Change{App: app, Account: a.Name, Locked: true}, now); err != nil {
					return err
				}
				_, err = tx.AppendAudit(ctx, audit.Event{TenantID: a.TenantID, Actor: "system:expiry",
					Action: "account.relocked", Target: "account:" + a.ID,
					Data: map[string]any{"account": a.Name, "application": app.Issuer, "grant": g.ID, "ended": g.Until}}, now)
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return total, err
			}
			if err == nil && won {
				total++
			}
		}
		if len(grants) < 100 {
			return total, nil
		}
	}
}
