// Package sqlrow is the row layer the two SQL backends (sqlite, postgres)
// share: the column lists of every table, the functions that scan a row into
// a store record, reading a whole result set, what a write that changed no
// row means (Found, Applied), and turning a driver's error into one of the
// store's error kinds (Wrap and its kin).
//
// Writes whose logic is the same on both databases are here too, written
// once against DB, a backend's connection or transaction seen as QueryRow,
// Insert and Exec: casting a vote, deciding a request, counting a
// reference, putting a push subscription, finishing an outbox message,
// verifying an email, deleting a member. The backend calls them with its
// SQL text.
//
// Methods whose SQL is the same on both databases are written here whole,
// on types a backend embeds so that it need not repeat even a delegation:
// Reads (parts of store.Reader, over the backend's read pool or its
// transaction), Writes (parts of store.Tx, over the transaction) and
// Pools (the methods of store.Store outside a Tx). Their statements number
// the placeholders $1, $2, …: PostgreSQL's own, and modernc.org/sqlite
// binds a parameter named $N to the N-th argument, so one text serves
// both. List and One run such a query through a Querier (ListUpTo and
// ListDue for the pages and the due records most lists are).
//
// A backend keeps only what differs between the databases: its SQL text,
// its connections and, for PostgreSQL, its notifications. It describes
// itself with a Dialect: its name (the prefix of every error's operation),
// the driver's "no rows" error, a classifier that reads the driver's error
// for its kind and words it for people, how it keeps a list of strings
// in one column, reading and writing it (SQLite joins the items into
// TEXT, PostgreSQL keeps a text[]), and whether it locks rows: Lock(strength) ends a SELECT whose
// rows the transaction keeps locked until it ends (" FOR UPDATE", " FOR NO
// KEY UPDATE" on PostgreSQL; nothing on SQLite, whose transaction holds
// the write lock from its start).
//
// Put, Change and Changed are the shapes most writes take (validate, then
// insert one record, change one named record, or change any number), so
// that a backend method that keeps its own SQL is that SQL and its
// arguments.
//
// Times need no dialect: both schemas store them as int64 Unix nanoseconds,
// encoded with valid.Nanos and read with valid.FromNanos.
//
// The scan functions run on the lock check's path, so they read into plain
// values and the Null types of database/sql, which both drivers fill without
// reflection. Beyond the record itself they allocate a list column's
// destination and, in ScanCheckState, one struct for all the columns (Scan
// takes each column's address, so separate variables would each escape).
//
// The backends call these through helpers of the same names in both
// (wrap, invalid, fail, notFound, conflict, found, positiveLimit, exec;
// the error helpers are declared in each backend's rows.go), and run their
// own plain queries with One and List directly, so that a diff of two
// files of the same name shows only dialect.
package sqlrow
