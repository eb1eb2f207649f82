package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// dialect is PostgreSQL's side of the row layer the backends share.
var dialect = &sqlrow.Dialect{Name: "postgres", NoRows: pgx.ErrNoRows, Classify: kindOf, Lists: arrayLists{},
	RowLocks: true}

// The error helpers of the package, with the same names in every backend
// (see sqlrow.Dialect).
var wrap, invalid, fail, notFound, conflict, found, positiveLimit = dialect.Wrap, dialect.Invalid, dialect.Fail,
	dialect.NotFound, dialect.Conflict, dialect.Found, dialect.Limit

// The row layer's connections (sqlrow.Reads, sqlrow.Writes,
// sqlrow.Pools), over the pool or a transaction.

// newReads returns the reads of q, the pool or a transaction.
func newReads(q querier) reads {
	return reads{q: q, Reads: sqlrow.Reads{D: dialect, Q: rowDB{q}}}
}

// Query implements sqlrow.Querier.
func (r rowDB) Query(ctx context.Context, query string, args ...any) (sqlrow.Cursor, error) {
	rows, err := r.q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return cursor{rows}, nil
}

// cursor is pgx's result set as a sqlrow.Cursor.
type cursor struct{ pgx.Rows }

func (c cursor) Close() error {
	c.Rows.Close()
	return nil
}

// updateRows runs fn in one transaction of Update (sqlrow.Pools.InTx).
func (s *Store) updateRows(ctx context.Context, fn func(sqlrow.DB) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*txn).DB) })
}
