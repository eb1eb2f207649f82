package checklog

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// PruneBatch is how many records one round of Prune deletes: a round is one
// short transaction, so the check log's writer never waits long behind it.
const PruneBatch = 2000

// Prune deletes every record logged before before, PruneBatch at a time,
// until none is left or ctx ends, and returns how many it deleted.
func Prune(ctx context.Context, p store.CheckLogPruner, before time.Time) (int, error) {
	total := 0
	for {
		n, err := p.DeleteChecksBefore(ctx, before, PruneBatch)
		total += n
		if err != nil || n < PruneBatch {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// RetentionInterval is how often a node holding the retention job's lease
// deletes the records that have aged past the retention period.
const RetentionInterval = 10 * time.Minute
