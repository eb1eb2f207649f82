package sqlrow

import (
	"context"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// Cursor is the result set of a query, read with Collect and then closed:
// a *sql.Rows, or pgx.Rows behind the postgres backend's adapter.
type Cursor interface {
	Rows
	Close() error
}

// Querier runs a query: a backend's read pool or a transaction.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (Cursor, error)
}

// List runs query with q and scans every row with scan, into a list that is
// empty rather than nil when there is none; an error is wrapped for op.
func List[T any](ctx context.Context, d *Dialect, q Querier, op string, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, d.Wrap(op, err)
	}
	defer rows.Close()
	out, err := Collect(rows, scan)
	return out, d.Wrap(op, err)
}

// One runs query, which finds at most one record, with q and scans it; no
// row is store.ErrNotFound.
func One[T any](ctx context.Context, d *Dialect, q Querier, op string, scan func(Row) (T, error), query string, args ...any) (T, error) {
	vs, err := List(ctx, d, q, op, scan, query, args...)
	if err == nil && len(vs) == 0 {
		err = d.NotFound(op)
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return vs[0], nil
}

// ListUpTo runs query with q for at most limit records: limit, which must
// be 1 or more (else store.ErrInvalid), is the argument after args.
func ListUpTo[T any](ctx context.Context, d *Dialect, q Querier, op string, scan func(Row) (T, error), limit int, query string, args ...any) ([]T, error) {
	if err := d.Limit(op, limit); err != nil {
		return nil, err
	}
	return List(ctx, d, q, op, scan, query, append(args, limit)...)
}

// ListDue runs query with q for the records due at now, at most limit:
// its arguments are now in Unix nanoseconds and limit (valid.Due).
func ListDue[T any](ctx context.Context, d *Dialect, q Querier, op string, scan func(Row) (T, error), now time.Time, limit int, query string) ([]T, error) {
	n, err := valid.Due(now, limit)
	if err != nil {
		return nil, d.Wrap(op, err)
	}
	return List(ctx, d, q, op, scan, query, n, limit)
}
