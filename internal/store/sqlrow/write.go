package sqlrow

import "context"

// The shapes most writes take, so that a backend's method is its SQL text
// and its arguments. check is the record's validation (a valid function's
// result): when it is not nil the write does not run and check is wrapped
// for op.

// Put inserts one record with db (DB.Insert: what words a record that
// exists already).
func (d *Dialect) Put(ctx context.Context, db DB, op string, check error, what, query string, args ...any) error {
	if check != nil {
		return d.Wrap(op, check)
	}
	return db.Insert(ctx, op, what, query, args...)
}

// Change runs query, a write of one named record, with db: no row changed
// is store.ErrNotFound.
func (d *Dialect) Change(ctx context.Context, db DB, op string, check error, query string, args ...any) error {
	if check != nil {
		return d.Wrap(op, check)
	}
	n, err := db.Exec(ctx, op, query, args...)
	return d.Found(op, n, err)
}

// Changed is the outcome of a write of any number of rows as the store's
// methods report it: how many, or the error.
func Changed(n int64, err error) (int, error) {
	return int(n), err
}
