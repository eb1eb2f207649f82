package postgres

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// The rest of the API tokens and the idempotency keys are sqlrow's
// (Reads, Writes, Pools); the batch of last uses is written here, in
// PostgreSQL's one statement over arrays.

// TouchAPITokens implements store.APITokenToucher with one UPDATE over
// the batch.
func (s *Store) TouchAPITokens(ctx context.Context, used map[string]time.Time) error {
	const op = "touch api tokens"
	if len(used) == 0 {
		return nil
	}
	ids, ats := make([]string, 0, len(used)), make([]int64, 0, len(used))
	for id, at := range used {
		n, err := valid.Stamp("token id", id, "used at", at)
		if err != nil {
			return wrap(op, err)
		}
		ids, ats = append(ids, id), append(ats, n)
	}
	_, err := s.pool.Exec(ctx, `UPDATE api_tokens t SET last_used_at = u.at
		FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE t.id = u.id AND t.last_used_at < u.at`, ids, ats)
	return wrap(op, err)
}
