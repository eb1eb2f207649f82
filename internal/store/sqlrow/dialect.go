package sqlrow

// Dialect is what the row layer needs to know of one SQL database. A
// backend declares one, as a package variable, and scans and wraps through
// it.
type Dialect struct {
	// Name prefixes the operation of every error: "sqlite", "postgres".
	Name string
	// NoRows is the driver's error for a one-row query that found none.
	NoRows error
	// Classify reads a driver error for the store's error kind it is
	// (store.ErrConflict, store.ErrInvalid or store.ErrUnavailable) and
	// words it for people, never repeating the database's own words.
	Classify func(err error) (kind error, message string)
	// Lists is how the database keeps a list of strings in one column.
	Lists Lists
	// RowLocks says the database locks rows (SELECT … FOR UPDATE). Without
	// them (SQLite) a write transaction holds the whole database's write
	// lock from its start, which keeps every other writer out already.
	RowLocks bool
}

// Lock is the clause that ends a SELECT of rows the transaction goes on to
// change, " FOR "+strength ("UPDATE", "NO KEY UPDATE", "UPDATE SKIP
// LOCKED"), or nothing on a database without row locks.
func (d *Dialect) Lock(strength string) string {
	if !d.RowLocks {
		return ""
	}
	return " FOR " + strength
}

// Lists is how a database keeps a list of strings in one column.
type Lists interface {
	// Dest returns the Scan destination of a list column that stores the
	// list in *dst: NULL as nil, an empty list as []string{}. sep is what
	// separates the items of a list kept as text.
	Dest(dst *[]string, sep string) any
	// Value is the value that stores items in a list column (NOT NULL: a
	// nil list is stored empty).
	Value(items []string, sep string) any
}

// Separators of the list columns, for a database that keeps lists as text.
const (
	// OriginsSep separates applications.origins.
	OriginsSep = "\n"
	// ChannelsSep separates members.channels.
	ChannelsSep = ","
	// EventsSep separates webhooks.events.
	EventsSep = ","
)
