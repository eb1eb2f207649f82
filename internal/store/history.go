package store

import (
	"context"
	"time"
)

// HistoryReader reads what happened over a period, page by page, for
// reports (package exposure) and exports: the grants that were open and
// the lock checks that were decided. Each call is one bounded read, so a
// caller walks a period of any length in constant memory.
type HistoryReader interface {
	// GrantsBetween lists a tenant's grants that were open at some
	// instant of [since, until): made before until, and ending after
	// since, where a grant ends at Until, or when it was consumed or
	// revoked if that came first. They come by CreatedAt, then ID,
	// starting after the grant after (the zero Grant: from the first), at
	// most limit of them. A limit below 1 is ErrInvalid.
	GrantsBetween(ctx context.Context, tenantID string, since, until time.Time, after Grant, limit int) ([]Grant, error)

	// ChecksBetween lists an application's check-log records with
	// since <= At < until, oldest first (records of one instant in the
	// order they were written), starting after the position after (the
	// zero CheckPosition: from the first), at most limit of them, and
	// returns the position of the last one listed (after itself when it
	// lists none). On SQLite it reads the check log's own file, also
	// inside a Tx. A limit below 1 is ErrInvalid.
	ChecksBetween(ctx context.Context, appID string, since, until time.Time, after CheckPosition, limit int) ([]CheckRecord, CheckPosition, error)
}

// CheckPosition is where a read of the check log stopped: a record's time
// and its place among the records of that instant. Only ChecksBetween
// makes one; the zero value is the start.
type CheckPosition struct {
	At  int64 // Unix nanoseconds
	Seq int64 // the backend's write order (SQLite rowid, PostgreSQL seq)
}
