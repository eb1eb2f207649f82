// Package checklog writes lock-check decisions to the store with group
// commit, and deletes them once they are older than the retention period.
// Concurrent checks hand their records to one writer goroutine that commits
// whatever has queued up in one transaction, so a durable record costs each
// check a fraction of a commit.
//
// In sync mode (the default) Write returns only once the record is durable,
// and a failed commit fails every check in the batch, which then answers 503
// rather than a decision that left no trace. In async mode Write returns at
// once: throughput rises, and records still queued when the process dies are
// lost. Either way Close flushes everything queued before it returns.
//
// Where the records go is the store's business (AppendChecks): on SQLite a
// file of its own beside the accounts file, so the log's commits never sync
// the accounts file; on PostgreSQL the check_log table, one statement per
// batch.
//
// Retention: Prune deletes records older than a cut-off in rounds of
// PruneBatch (each its own short transaction); the server runs it as the
// background job "check-log-retention" every RetentionInterval with the
// configured period (default 400 days; "forever" runs no job).
//
// Reading: Tail reads a tenant's check log forward past a durable stream
// cursor, in commit order (store.CommittedChecks): the background jobs
// that act on check decisions after the fact share it, blocked-signin
// (alert policies on blocked sign-ins) and the SIEM stream (package
// siem). JSON, Fields and Columns are the exported form of a record, for
// `deadbolt checks export` and the SIEM stream alike.
//
// The guarantee: every committed record is read, once per cursor, unless
// a page's cursor move does not commit (then that page is read again: at
// least once); none is passed over, however late after its own time it
// was committed (a node whose clock is behind, an async batch that
// stalled). Nothing waits for a record to "settle": a record is readable
// as soon as the commit horizon passes it.
//
// Why commit order, and how each backend keeps it:
//   - Reading by time, as Tail did, needs a lag (a record may commit after
//     a later-dated one was read) and still passes over any record
//     committed later than the lag after its own time: at least once did
//     not hold. PostgreSQL's seq does not help: it is taken at insert, and
//     transactions commit in any order.
//   - SQLite: the check log is its own file with one writer, so rowid
//     order is commit order, and the commit position is the rowid. A new
//     row gets the newest rowid plus one, so retention never deletes the
//     newest row (a rowid handed out again would fall below a cursor), and
//     check_log's indexes make VACUUM keep rowids (a dump and reload
//     without --preserve-rowids does not: reset the cursors then). No new
//     column, index or migration: the read is a rowid range of the table,
//     which passes over other tenants' rows of that range, as the read by
//     time passed over those of its window.
//   - PostgreSQL: each row keeps the ID of the transaction that wrote it
//     (check_log.xid, xid8, from a column default: the check-log insert
//     runs no statement more; one check-log batch is one transaction), and
//     the commit position is that xid. Every transaction below the
//     snapshot's xmin (pg_snapshot_xmin(pg_current_snapshot())) has ended,
//     and every later one gets a higher xid, so the records below it are
//     final: a page reads them by (xid, seq) on the index check_log_tenant_xid
//     (tenant_id, xid, seq), and the cursor moves to the horizon. xid8 is
//     epoch-extended, so it never wraps around. The horizon is the
//     cluster's oldest open write transaction, of any database: a long one
//     (a bulk import, a forgotten psql session, a prepared transaction)
//     holds the readers back until it ends — lag, never loss. The index
//     leads with tenant_id so that each tenant's read touches only its own
//     rows (blocked-signin and the SIEM stream read every tenant every
//     round); bench/README.md has what it costs the insert.
//
// Pages end exactly: a full page stops before the records of its last
// commit position, and a position larger than a page (one PostgreSQL
// transaction) is read whole. An idle round writes nothing: a page with
// no records moves the cursor only once it has stood still for
// IdleAdvance while the log moved on; meanwhile the job remembers in
// memory how far it found nothing (IdleCursors), so it does not scan that
// range again (on SQLite every commit of the accounts file makes the lock
// checks' cache look at the database again).
//
// Where a reader starts: a tenant without a cursor starts at the commit
// position of a time (store.CheckCommitPosition: the first position with
// a record at or after it; the SIEM stream's backfill hour,
// blocked-signin's policy change). The upgrade: deadbolt before commit
// order wrote cursors that hold a check time T (Unix nanoseconds, told
// apart by store.PositionIsTime). The first read of such a cursor, once,
// starts at the commit position of T and writes the cursor as a position
// in the same transaction, even if it read nothing. So every record with
// a time at or after T is read, once; a record before T written after the
// first of those (written out of time order: concurrent batches
// milliseconds apart, a clock behind) is read too, again if the old
// reader had read it — a few repeats that receivers drop by idempotency
// key (the check ID), and blocked-signin answers once; records before T
// written earlier are not read again. On PostgreSQL the records written
// before migration 0024 have xid 0 and take negative positions in seq
// order, below every transaction. A node of the older version still
// running during a rolling upgrade may write a time cursor again; it is
// converted again the same way.
//
// The writer remembers the error of its latest failed commit until a commit
// succeeds (LastError), so readiness can say the node cannot decide checks.
package checklog
