package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The reads of accounts that the lock check does not make: plain queries
// on both databases (SQLite prepares the lock check's own reads by
// statement ID).

// AccountByID implements store.Reader.
func (r Reads) AccountByID(ctx context.Context, id string) (store.Account, error) {
	return One(ctx, r.D, r.Q, "get account by id", r.D.ScanAccount, `SELECT `+AccountCols+` FROM accounts WHERE id = $1`, id)
}

// AccountsOfOwner implements store.Reader. A limit below 1 is
// store.ErrInvalid.
func (r Reads) AccountsOfOwner(ctx context.Context, memberID string, limit int) ([]store.Account, error) {
	return ListUpTo(ctx, r.D, r.Q, "list accounts of owner", r.D.ScanAccount, limit,
		`SELECT `+AccountCols+` FROM accounts WHERE owner_id = $1 ORDER BY id LIMIT $2`, memberID)
}
