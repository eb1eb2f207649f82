package sqlite

import (
	"context"
	"database/sql"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlrow"
)

// dialect is SQLite's side of the row layer the backends share.
var dialect = &sqlrow.Dialect{Name: "sqlite", NoRows: sql.ErrNoRows, Classify: kindOf, Lists: textLists{}}

// The error helpers of the package, with the same names in every backend
// (see sqlrow.Dialect).
var wrap, invalid, fail, notFound, conflict, found, positiveLimit = dialect.Wrap, dialect.Invalid, dialect.Fail,
	dialect.NotFound, dialect.Conflict, dialect.Found, dialect.Limit

// The row layer's connections (sqlrow.Reads, sqlrow.Writes,
// sqlrow.Pools), over a pool or a transaction.

// Query implements sqlrow.Querier.
func (r rowDB) Query(ctx context.Context, query string, args ...any) (sqlrow.Cursor, error) {
	rows, err := r.c.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// querier runs plain queries: the read pool's preparedPool, or a pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// plainRows is a querier, the read pool's plain queries (preparedPool) or
// the check log's read pool, as a sqlrow.Querier.
type plainRows struct{ q querier }

func (p plainRows) Query(ctx context.Context, query string, args ...any) (sqlrow.Cursor, error) {
	rows, err := p.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// updateRows runs fn in one transaction of Update (sqlrow.Pools.InTx).
func (s *Store) updateRows(ctx context.Context, fn func(sqlrow.DB) error) error {
	return s.Update(ctx, func(tx store.Tx) error { return fn(tx.(*txn).DB) })
}
