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
// cursor, only records older than a settle lag (2 s), because PostgreSQL
// commits check-log rows out of their seq order. The background jobs that
// act on check decisions after the fact share it: blocked-signin (alert
// policies on blocked sign-ins) and the SIEM stream (package siem). JSON,
// Fields and Columns are the exported form of a record, for `deadbolt
// checks export` and the SIEM stream alike. Tail moves a cursor only with
// records read, or once it is IdleAdvance behind: an idle tenant costs no
// write per round (on SQLite, every commit makes the lock checks' cache
// look at the database again).
//
// The writer remembers the error of its latest failed commit until a commit
// succeeds (LastError), so readiness can say the node cannot decide checks.
package checklog
