// Package transfer moves whole deadbolt databases: an online, consistent
// backup of a SQLite file and its restore, and a copy of a SQLite install
// into an empty PostgreSQL database, for an install that outgrows one
// machine (design §8 `backup`/`restore`, issue 3 `deadbolt copy`).
//
// It works table by table below the store interface — the store has no
// "every record" reads, and a copy must not miss the tables nobody lists
// (sessions, nonces, the outbox) — but never guesses at the schema: both
// sides are migrated to this binary's latest version first, and a copy
// refuses to start when the two backends' tables or columns differ in a way
// it does not know how to convert.
//
// Nothing is trusted without checking it:
//
//   - A backup is one file: the accounts' file written with VACUUM INTO
//     (one read transaction of the live file, so it is consistent while
//     the server keeps writing), then the check log's tables (check_log,
//     key_use) copied in from one read transaction of the check log's own
//     file (sqlite.ChecksPath) begun after it. So the backup's check log
//     is as of no earlier than its accounts: it holds every check answered
//     before the backup began, and perhaps some answered while it ran. The
//     file is renamed into place only after PRAGMA integrity_check passes.
//   - A restore loads the backup's check tables into the check log's file,
//     then the rest into the accounts' file, each in one transaction
//     (foreign keys deferred to its end) that, before committing, checks
//     that every table holds exactly the backup's rows (EXCEPT both ways
//     and counts); a server running on the files sees in each the old data
//     or the restored data, never a mix. A backup from before the check log
//     had its own file (check_log inside) is migrated first, which moves
//     its records out, and restores the same way.
//   - A copy reads the accounts' file and, attached, the check log's file
//     in one read transaction (a signing key's last use is the later of
//     signing_keys and key_use), loads PostgreSQL in one transaction with
//     COPY, announces cache.All so nodes already running on the target
//     drop their caches,
//     and afterwards compares every table's row count and an
//     order-independent digest of every row's values — the check log
//     included — between the two databases. The check log's records come
//     in rowid order as PostgreSQL's records from before commit order
//     (xid 0), and a check-log stream cursor, a rowid in SQLite, as the
//     time of the first record it had not read (package checklog reads
//     it as that time's commit position): a stream goes on past the copy
//     with nothing skipped, repeating at most the records of that same
//     instant it had read.
//
// None of them carries the master key: signing secrets and webhook
// secrets stay sealed under the key of the install they came from, which
// the new install must be given.
package transfer
