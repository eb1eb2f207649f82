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
//   - A backup is written with VACUUM INTO (one read transaction of the
//     live file, so it is consistent while the server keeps writing) to a
//     temporary file that is renamed into place only after PRAGMA
//     integrity_check passes.
//   - A restore loads the backup into the live file in one transaction
//     (foreign keys deferred to its end) and, before committing, checks
//     that every table holds exactly the backup's rows (EXCEPT both ways
//     and counts); a server running on the file sees the old data or the
//     restored data, never a mix.
//   - A copy loads PostgreSQL in one transaction with COPY, announces
//     cache.All so nodes already running on the target drop their caches,
//     and afterwards compares every table's row count and an
//     order-independent digest of every row's values — the check log
//     included — between the two databases.
//
// None of them carries the master key: signing secrets and webhook
// secrets stay sealed under the key of the install they came from, which
// the new install must be given.
package transfer
