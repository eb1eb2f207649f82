// Package postgres is deadbolt's server database: PostgreSQL through
// pgx/v5's connection pool, for installs that run several `deadbolt serve`
// nodes on one database (design §1, "Scale-out"). It implements
// store.Store and store.Migrator, passes the storetest conformance suite
// unchanged, and implements cache.Feed, through which nodes keep their
// in-memory caches of lock-check state true.
//
// # Concurrency
//
// Every Update is one READ COMMITTED transaction on a pooled connection;
// many run in parallel, on this node and on others. Where the contract
// promises exactly-once or serial behaviour, the row that decides it is
// locked, and PostgreSQL re-checks a conditional UPDATE's condition on the
// latest version of a row it had to wait for:
//
//   - ConsumeGrant and AnnounceGrantEnd are one conditional UPDATE each:
//     of concurrent calls for one grant, from any number of nodes, exactly
//     one changes the row and reports true.
//   - AppendAudit locks the tenant's row (FOR NO KEY UPDATE, which does not
//     block inserts that only reference the tenant) before it reads the
//     chain's last record, so appends of one tenant run one at a time and
//     seq never collides; appends of different tenants do not wait.
//   - PutGrant and RevokeCurrentGrant lock the account's row, and
//     RevokeGrantsOfOwner the owner's accounts in id order, so grant
//     changes of one account are serial.
//   - ClaimOutbox and ClaimEndpoint pick due messages FOR UPDATE SKIP
//     LOCKED: workers on several nodes take different messages instead of
//     queueing.
//   - TryLease is one INSERT … ON CONFLICT DO UPDATE … WHERE the lease is
//     this holder's or has run out. Leases compare the callers' clocks, so
//     nodes need synchronised clocks (NTP); skew shortens or lengthens a
//     lease by as much.
//
// PostgreSQL aborts a transaction at its first failed statement (SQLite
// does not). Create methods insert with ON CONFLICT DO NOTHING and report
// store.ErrConflict themselves, so that error leaves the transaction
// usable, as do rule violations found in Go before writing; after any
// other error the function given to Update should return it.
//
// AppendChecks sends its INSERT … SELECT FROM unnest(…) and the signing
// keys' last_used_at updates (one per key, in kid order, so batches from
// several nodes never deadlock) in one round trip, which PostgreSQL runs as
// one implicit transaction: a group commit costs one fsync however many
// records it holds. The check log stays in the database (unlike SQLite's,
// which has a file of its own): its commits are the database server's disk
// work, not the node's. DeleteChecksBefore (retention) finds the oldest
// records through check_log_at (migration 0010). Each row takes the ID of
// the transaction that wrote it from check_log.xid's default (migration
// 0024: no statement more), and CommittedChecks reads a tenant's rows by
// (xid, seq) below the snapshot's xmin, where every transaction has ended
// (package checklog's documentation says why).
//
// # Change announcements
//
// Every write that changes what the lock check caches (applications,
// signing keys, accounts, owners, members and their passkeys, grants)
// records a cache.Event; before committing, Update sends them with
// pg_notify on Channel in the same transaction, so they are delivered
// when, and only if, the change commits, in commit order, to every node —
// the CLI's writes included. A transaction with many changes (a bulk
// import) announces cache.All instead. Each payload names the schema it
// was written in (stores in other schemas of the database hear the same
// channel and ignore it) and the transaction's change number (below).
// Follow also hands this process's own events to its handler as soon as
// the commit returns, so a node reads its own writes at once. Follow
// LISTENs on a dedicated connection; when it breaks, or the node's lease
// cannot be kept, the handler hears Lost (it must drop everything:
// notifications sent meanwhile are gone) and, once a new connection
// LISTENs and the lease is registered again, Subscribed. Writes made with
// SQL outside deadbolt are not announced; run `deadbolt serve` nodes'
// caches empty (restart them) after such a change.
//
// # Coherence
//
// The guarantee: a change to what the lock check caches, once
// acknowledged (Update returned) by any node or by the CLI, is seen by
// every check that starts afterwards, on every node. Hearing a
// notification after the commit is not enough for that — a check between
// the two would answer from the old cache — so the writer waits for the
// nodes (migration 0009, lease.go):
//
//   - Announcing transactions are numbered: announce increments the one
//     row of change_seq, which stays locked until commit, so the numbers
//     follow commit order, which is the order every listener hears them
//     in. The last notification of a transaction carries its number.
//     Numbered writes therefore commit one at a time; writes that change
//     nothing cached, and the lock check's consumption of a once grant,
//     take no number.
//   - Every node whose cache may answer from memory holds a row in
//     cache_nodes, written by its listener on the listener's connection:
//     heard_seq, the highest number its cache has applied (acknowledged
//     right after the handler's Changed returns), and lease_until, on the
//     database's clock (now() + Options.Lease, 3 s by default, renewed
//     every third of it). A node registers after LISTEN and before its
//     cache goes live, with heard_seq at the last committed number: its
//     cache starts empty and reads everything earlier from the database.
//   - After COMMIT, Update waits until every row with a lease that has not
//     run out has heard_seq at least its change's number — a few
//     milliseconds while nodes are well — polling, 0.25 ms at first, then
//     up to 8 ms apart. (An acknowledgement channel the writer LISTENs on
//     would save a poll, but not the hops that cost the time — the
//     notification's way to each node, its apply, its UPDATE — and the
//     CLI would need a second connection for it.) A node that is dead or frozen holds every such write up
//     for at most the rest of its lease (operations.md). A write that
//     changes nothing cached does not wait, nor does consuming a once
//     grant (announced, unnumbered), since every node asks the database to
//     consume a grant and exactly one succeeds (a Peek check on another
//     node may call the grant unspent for those few milliseconds).
//   - Self-fencing: a node trusts its lease for five sixths of the term,
//     counted on its monotonic clock from when it sent the renewal, so it
//     stops answering from memory before the database lets the lease go,
//     whatever either wall clock says (a node may run with a skewed
//     clock). Follow passes that deadline to the cache (Handler.Lease),
//     which compares it on every hit: a node stopped or starved past its
//     lease cannot answer one check from memory when it wakes. A renewal
//     that finds the lease gone, or that is answered after the node's own
//     deadline (a writer may already have read the lease as run out), ends
//     the subscription: Lost, and a fresh, empty one — registered again on
//     the same connection when it still works, so a node woken from a
//     stop answers its backlog from memory again within two round trips.
//   - When a subscription ends, the node deletes its row once its cache
//     has stopped answering from memory, so writers stop waiting for it at
//     once; a node that died leaves its row to run out.
//
// A deadbolt from before change_seq neither numbers its announcements nor
// waits: during a rolling upgrade the guarantee holds only among upgraded
// processes, and older nodes drop their whole cache on every new-style
// announcement, which they cannot read.
//
// # Schema
//
// Migrations are embedded files migrations/NNNN_what.sql, numbered from 1
// without gaps (package migration loads and checks them) and never edited once
// released, mirroring SQLite's. Migrate takes a session advisory lock
// (pg_advisory_lock) on a dedicated connection, so nodes that start together
// migrate one at a time and the later ones find nothing to do; each migration
// runs in its own transaction and records itself in schema_version. Open
// refuses a database migrated by a newer deadbolt (store.ErrSchemaTooNew,
// naming both versions) and, unless Options.AutoMigrate is set, one that is
// behind (store.ErrSchemaBehind).
//
// Times are BIGINT Unix nanoseconds, exact to the nanosecond (timestamptz
// keeps microseconds) and read back in UTC, with 0 for "not set", as in
// SQLite; records are checked before writing by the same rules as SQLite's
// (package valid). Text columns use the "C" collation, so comparisons and
// ORDER BY are by bytes on every backend whatever the database's locale.
// Tables live in the first schema of the connection's search_path, so one
// database can hold several installs (or test stores) side by side. Foreign
// keys are DEFERRABLE (checked at once unless a transaction defers them), so
// that deadbolt copy can load tables in any order.
//
// # Errors
//
// Every error names the operation ("postgres: create account: ...") and
// wraps one of the store's kinds by SQLSTATE: unique_violation is
// store.ErrConflict; foreign key, check and not-null violations and data
// exceptions (a NUL byte in text) are store.ErrInvalid; no row is
// store.ErrNotFound; anything else — a refused or lost connection, a
// server shutting down, a deadlock, a cancelled context — is
// store.ErrUnavailable, with pgx's error kept in the chain for the log. An
// error the database raised is a *store.Error whose Message, shared with the
// other backend (valid.Conflict), names the field in plain words.
// The pool replaces broken connections by itself, so the store recovers
// without help when the server comes back.
//
// # Layout
//
// The column lists, the scan functions, the wrapping of errors and the
// reading of result sets are package sqlrow's, shared with sqlite; this
// package holds PostgreSQL's SQL text, its pool, its notifications, its
// error classifier (errors.go: kindOf) and its encodings (encode.go: text[]
// lists). Its files and helpers carry the same names as sqlite's, so that a
// diff of two files of the same name shows only dialect. The methods whose
// SQL is the same on both databases are not here at all: Store, reads and
// txn embed sqlrow's Pools, Reads and Writes, over the pool or the
// transaction (rows.go).
package postgres
