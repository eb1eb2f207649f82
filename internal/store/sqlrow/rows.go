package sqlrow

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
	out := []T{}
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
