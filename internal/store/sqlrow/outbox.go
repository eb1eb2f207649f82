package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// FinishOutbox records with db how the deliveries of claimed messages
// went, one result per message. delivered, failed, retry and release are
// the UPDATEs of a message delivered (its arguments: the time, the ID),
// given up (the time, the error, the ID), to try again (the next
// attempt's time, the error, the ID) and released unsent (the next
// attempt's time, the ID). Every result is checked before the first is
// written; a message that does not exist is store.ErrNotFound, and db
// (a transaction when there are several results) is then to be rolled
// back.
func (d *Dialect) FinishOutbox(ctx context.Context, db DB, results []store.OutboxResult, delivered, failed, retry, release string) error {
	const op = "finish outbox"
	for _, res := range results {
		if err := valid.OutboxResult(res); err != nil {
			return d.Wrap(op, err)
		}
	}
	for _, res := range results {
		at, next := valid.Nanos(res.At), valid.Nanos(res.RetryAt)
		var n int64
		var err error
		switch {
		case res.Delivered:
			n, err = db.Exec(ctx, op, delivered, at, res.ID)
		case res.Unsent:
			n, err = db.Exec(ctx, op, release, next, res.ID)
		case next == 0:
			n, err = db.Exec(ctx, op, failed, at, res.Error, res.ID)
		default:
			n, err = db.Exec(ctx, op, retry, next, res.Error, res.ID)
		}
		if err := d.Found(op, n, err); err != nil {
			return err
		}
	}
	return nil
}
