package postgres

import "github.com/jackc/pgx/v5/pgtype"

// Times are stored with valid.Nanos and read with valid.FromNanos, which
// sqlite shares; the helpers below are PostgreSQL's own encodings.

// array stores a nil list as an empty array rather than NULL.
func array(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// channelValue stores a member's channels: nil (never chose) as NULL, an
// empty list as '{}'.
func channelValue(cs []string) any {
	if cs == nil {
		return nil
	}
	return array(cs)
}

// nullable stores "" as NULL, for optional references.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// blob stores a nil slice as an empty BYTEA rather than NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// arrayLists reads the lists PostgreSQL keeps in text[] (sqlrow.Lists).
type arrayLists struct{}

// Dest implements sqlrow.Lists; PostgreSQL needs no separator.
func (arrayLists) Dest(dst *[]string, _ string) any { return arrayList{dst} }

// Value implements sqlrow.Lists: a text[], empty for nil.
func (arrayLists) Value(items []string, _ string) any { return array(items) }

// arrayList is the scan destination of one text[] column: pgx fills it
// through pgtype.ArraySetter, without reflection.
type arrayList struct{ dst *[]string }

// SetDimensions implements pgtype.ArraySetter: no dimensions is NULL (nil),
// any others a list of their size, '{}' an empty one.
func (l arrayList) SetDimensions(dims []pgtype.ArrayDimension) error {
	if dims == nil {
		*l.dst = nil
		return nil
	}
	n := 1
	for _, d := range dims {
		n *= int(d.Length)
	}
	if len(dims) == 0 || n < 0 {
		n = 0
	}
	*l.dst = make([]string, n)
	return nil
}

// ScanIndex implements pgtype.ArraySetter.
func (l arrayList) ScanIndex(i int) any { return &(*l.dst)[i] }

// ScanIndexType implements pgtype.ArraySetter.
func (l arrayList) ScanIndexType() any { return new(string) }
