package sqlrow

import (
	"context"

	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// DB is a backend's connection (a pool or a transaction) as the writes
// kept here for both backends see it. Those hold the logic (the checks,
// the reads that decide, the wording of errors) and take their SQL text
// from the backend.
type DB interface {
	Querier
	// QueryRow runs a query for one row.
	QueryRow(ctx context.Context, query string, args ...any) Row
	// Insert runs an INSERT of one record, its error wrapped for op. A
	// record that exists already is store.ErrConflict, worded by what where
	// the database's own error does not name it.
	Insert(ctx context.Context, op, what, query string, args ...any) error
	// Exec runs a write and returns the number of rows it changed, its
	// error wrapped for op.
	Exec(ctx context.Context, op, query string, args ...any) (int64, error)
}

// Count runs query, which counts rows, with db.
func (d *Dialect) Count(ctx context.Context, db DB, op, query string, args ...any) (int64, error) {
	var n int64
	if err := db.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		return 0, d.Wrap(op, err)
	}
	return n, nil
}

// Exists is store.ErrNotFound when query counts no row: why a write of a
// named record changed nothing.
func (d *Dialect) Exists(ctx context.Context, db DB, op, query string, args ...any) error {
	n, err := d.Count(ctx, db, op, query, args...)
	if err == nil && n == 0 {
		return d.NotFound(op)
	}
	return err
}

// Need refuses, as store.ErrInvalid, a reference that query counts no row
// for: the record named is not in the tenant.
func (d *Dialect) Need(ctx context.Context, db DB, op, query string, args ...any) error {
	n, err := d.Count(ctx, db, op, query, args...)
	if err == nil && n == 0 {
		return d.Invalid(op, "%s", valid.MsgReference)
	}
	return err
}
