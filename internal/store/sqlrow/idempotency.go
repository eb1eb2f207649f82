package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Idempotency keys (store.IdempotencyKeeper) are written outside any Tx,
// on the pool for writes, one statement each.

// ClaimIdempotencyKey implements store.IdempotencyKeeper.
func (s Pools) ClaimIdempotencyKey(ctx context.Context, a store.IdempotentAnswer) (store.IdempotentAnswer, bool, error) {
	const op = "claim idempotency key"
	if err := valid.IdempotentAnswer(a); err != nil {
		return store.IdempotentAnswer{}, false, s.D.Wrap(op, err)
	}
	n, err := s.W.Exec(ctx, op, `INSERT INTO idempotency_keys (`+IdempotentCols+`) VALUES ($1, $2, $3, $4, 0, $6, $5)
		ON CONFLICT (token_id, key) DO NOTHING`, a.TokenID, a.Key, a.TenantID, a.Request, valid.Nanos(a.CreatedAt), []byte{})
	if err != nil {
		return store.IdempotentAnswer{}, false, err
	}
	if n == 1 {
		a.Status, a.Body = 0, nil
		return a, true, nil
	}
	got, err := One(ctx, s.D, s.W, op, s.D.ScanIdempotentAnswer,
		`SELECT `+IdempotentCols+` FROM idempotency_keys WHERE token_id = $1 AND key = $2`, a.TokenID, a.Key)
	return got, false, err
}

// FinishIdempotencyKey implements store.IdempotencyKeeper.
func (s Pools) FinishIdempotencyKey(ctx context.Context, tokenID, key string, status int, body []byte) error {
	_, err := s.W.Exec(ctx, "finish idempotency key", `UPDATE idempotency_keys SET status = $1, body = $2 WHERE token_id = $3 AND key = $4`,
		status, body, tokenID, key)
	return err
}

// ReleaseIdempotencyKey implements store.IdempotencyKeeper.
func (s Pools) ReleaseIdempotencyKey(ctx context.Context, tokenID, key string) error {
	_, err := s.W.Exec(ctx, "release idempotency key", `DELETE FROM idempotency_keys WHERE token_id = $1 AND key = $2 AND status = 0`,
		tokenID, key)
	return err
}

// PurgeIdempotencyKeys implements store.IdempotencyKeeper.
func (s Pools) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int, error) {
	const op = "purge idempotency keys"
	n, err := valid.Now(before)
	if err != nil {
		return 0, s.D.Wrap(op, err)
	}
	k, err := s.W.Exec(ctx, op, `DELETE FROM idempotency_keys WHERE created_at < $1`, n)
	return int(k), err
}
