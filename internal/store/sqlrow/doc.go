// Package sqlrow is the row layer the two SQL backends (sqlite, postgres)
// share: the column lists of every table, the functions that scan a row into
// a store record, reading a whole result set, and turning a driver's error
// into one of the store's error kinds.
//
// A backend keeps only what differs between the databases: its SQL text,
// its connections and, for PostgreSQL, its notifications. It describes
// itself with a Dialect: its name (the prefix of every error's operation),
// the driver's "no rows" error, a classifier that reads the driver's error
// for its kind and words it for people, and how it keeps a list of strings
// in one column (SQLite joins the items into TEXT, PostgreSQL keeps a
// text[]).
//
// Times need no dialect: both schemas store them as int64 Unix nanoseconds,
// encoded with valid.Nanos and read with valid.FromNanos.
//
// The scan functions run on the lock check's path, so they read into plain
// values and the Null types of database/sql, which both drivers fill without
// reflection; nothing here allocates beyond the record itself, save a list
// column's destination.
package sqlrow
