package sqlrow

import (
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// Row is one row to scan: a *sql.Row or *sql.Rows, a pgx.Row or pgx.Rows.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set being read: a *sql.Rows or a pgx.Rows.
type Rows interface {
	Row
	Next() bool
	Err() error
}

// Collect reads every row of rows with scan, into a list that is empty
// rather than nil when there is none. It leaves closing rows to the caller.
func Collect[T any](rows Rows, scan func(Row) (T, error)) ([]T, error) {
	return CollectUpTo(rows, 0, scan)
}

// CollectUpTo is Collect for a query of at most limit rows, with room for
// them made at once (up to 10 000).
func CollectUpTo[T any](rows Rows, limit int, scan func(Row) (T, error)) ([]T, error) {
	out := make([]T, 0, min(max(limit, 0), 10_000))
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Applied reports whether a conditional write of one record took effect:
// it changed n rows, or failed with err. When it changed none, explain
// says why: an error (store.ErrNotFound for a record that does not exist)
// or nil when the write's condition refused an existing record.
func Applied(n int64, err error, explain func() error) (bool, error) {
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, explain()
	}
	return n == 1, nil
}

// OldestFirst orders messages a write returned (RETURNING gives no order)
// by creation, then ID, and passes on the write's error.
func OldestFirst(msgs []store.OutboxMessage, err error) ([]store.OutboxMessage, error) {
	slices.SortFunc(msgs, func(a, b store.OutboxMessage) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return msgs, err
}

// ScanInt64 reads a row of one integer column: a count, a position.
func ScanInt64(r Row) (int64, error) {
	var n int64
	err := r.Scan(&n)
	return n, err
}
