package sqlite

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The rest of the API tokens and the idempotency keys are sqlrow's
// (Reads, Writes, Pools); the batch of last uses is written here, one
// UPDATE per token in one transaction.

// TouchAPITokens implements store.APITokenToucher.
func (s *Store) TouchAPITokens(ctx context.Context, used map[string]time.Time) error {
	if len(used) == 0 {
		return nil
	}
	return s.Update(ctx, func(tx store.Tx) error {
		t := tx.(*txn)
		for id, at := range used {
			n, err := valid.Stamp("token id", id, "used at", at)
			if err != nil {
				return wrap("touch api tokens", err)
			}
			if _, err := t.exec(ctx, "touch api tokens", `UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?`,
				n, id, n); err != nil {
				return err
			}
		}
		return nil
	})
}
