package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// FinishOutbox records with db how the delivery of a claimed message went.
// delivered, failed and retry are the UPDATEs of a message delivered (its
// arguments: the time, the ID), given up (the time, the error, the ID) and
// to try again (the next attempt's time, the error, the ID). A message that
// does not exist is store.ErrNotFound.
func (d *Dialect) FinishOutbox(ctx context.Context, db DB, res store.OutboxResult, delivered, failed, retry string) error {
	const op = "finish outbox"
	if err := valid.OutboxResult(res); err != nil {
		return d.Wrap(op, err)
	}
	at, next := valid.Nanos(res.At), valid.Nanos(res.RetryAt)
	var n int64
	var err error
	switch {
	case res.Delivered:
		n, err = db.Exec(ctx, op, delivered, at, res.ID)
	case next == 0:
		n, err = db.Exec(ctx, op, failed, at, res.Error, res.ID)
	default:
		n, err = db.Exec(ctx, op, retry, next, res.Error, res.ID)
	}
	return d.Found(op, n, err)
}
