// Package sqlite is deadbolt's embedded store: one SQLite file for the
// accounts and everything else, and a second for the check log, through the
// pure-Go driver modernc.org/sqlite, so the binary needs no C toolchain and
// no database server. It implements store.Store and store.Migrator and
// passes the storetest conformance suite.
//
// # Two pools
//
// SQLite allows one writer at a time per file and, in WAL mode, any number
// of readers alongside it. The Store mirrors that:
//
//   - a write pool of exactly one connection. Every Update runs on it with BEGIN IMMEDIATE (the DSN's _txlock=immediate), so a
//     write transaction takes the file's write lock when it starts, instead
//     of failing with SQLITE_BUSY half-way when a read would have to be
//     upgraded to a write. Goroutines of this process queue for the
//     connection inside database/sql; other processes (the CLI next to the
//     server) wait for the lock up to the busy timeout (10 s by default).
//     Because only one write transaction can run, reading the tenant's last
//     audit record and inserting the next one cannot interleave, and
//     ConsumeGrant's single conditional UPDATE has exactly one winner.
//   - a read pool of several query_only connections that serve every read
//     made through the Store (not through a Tx). WAL readers see the last
//     committed state and never wait for the writer, so the lock check's
//     CheckState keeps going while an import commits.
//
// Reads inside a transaction go through the write connection, so a Tx sees
// its own writes. A function given to Update must not call Update: it would
// wait for the connection it holds.
//
// # The check log's file
//
// The check log is written to a file of its own, ChecksPath (the accounts
// file's name with ".checks" appended), with its own one-connection write
// pool and small read pool, in WAL mode with synchronous=FULL like the
// accounts file. Its commits — one per group of checks (AppendChecks) — thus
// neither sync the accounts file nor touch its WAL, so they do not empty the
// accounts readers' page caches nor move the change detection that watches
// that file. The file also keeps each signing key's last use (key_use),
// which SigningKey and SigningKeys read to move LastUsedAt forward (inside
// a Tx they read the accounts file only), and the background jobs' leases
// (TryLease), whose renewals — several a second with short leases — would
// otherwise empty the accounts readers' page caches as the check log's
// commits did. Its schema is created whole and
// versioned in PRAGMA user_version; a newer one is refused
// (store.ErrSchemaTooNew). CheckRecord and CheckRecords read it, also inside
// a Tx (which never writes it). The two files are not committed together:
// no operation needs both at one instant (package transfer's backup states
// what it guarantees across them). Migration 0011 moves an older
// database's check_log table into this file (moveCheckLog) before dropping
// it.
//
// # Durability
//
// The file is in WAL mode with synchronous=FULL: every commit fsyncs the
// WAL before Update returns, so an acknowledged change survives a power
// loss, not only a crash of the process (synchronous=NORMAL would give up
// the last commits on power loss). The cost is one fsync per transaction,
// which is why the check log is written in batches (AppendChecks), to its
// own file. Foreign
// keys are enforced on every connection.
//
// # Statements
//
// Every statement is prepared once per pool when the store opens. A
// transaction binds the write pool's statements to itself with
// Tx.StmtContext on first use and keeps them for its life, so a bulk import
// of a million CreateAccount calls in one Update parses its INSERT once.
// CheckState is a single query: the account by its unique (app_id, name)
// index, LEFT JOINed to its current grant (the account row keeps
// current_grant_id, so this is a primary-key lookup) and to its owner. The
// Store keeps nothing in memory itself: the server's lock check reads
// through package cache, which this Store feeds (below).
//
// # Change feed
//
// The Store is a cache.Feed (feed.go), so a SQLite
// server caches the lock check's reads like a PostgreSQL one, under the
// same rule: a change committed by any process before a check starts is
// seen by that check. Nothing announces the CLI's writes, which it makes
// from another process, so the feed looks for them when the cache asks
// (Poll, before every answer from memory):
//
//   - Triggers write a row to cache_changes naming what changed, in the
//     transaction of every change to what the cache keeps: applications,
//     signing keys (not their use), accounts, grants (not the outbox's
//     bookkeeping), members, passkeys (not their use), groups and policies
//     (migration 0023). Each row bumps a change counter, the one row of
//     config_version, by one.
//   - Every commit, by any process, rewrites the WAL-index header at the
//     start of the -shm file before its COMMIT returns (walindex.go). The
//     feed maps that header read-only and compares it with the one it saw
//     at its last catch-up: equal means nothing committed, and Poll
//     returns having read shared memory only. Any difference — a commit, a
//     checkpoint that restarted the WAL, new salts — means "look": Poll
//     reads the counter and the rows written since its last look, in one
//     statement on a connection Follow pinned, and tells the cache what
//     they name: one account's state, one member, one application. When
//     the rows do not account for the counter's whole move (more than 1 024
//     at once, rows pruned past the newest 10 000, a restore, a counter
//     moved by hand) it tells the cache cache.All. Commits of data the cache does not
//     keep (audit records, the outbox, unlock requests, sessions) move the
//     header but not the counter, so they cost one counter read per
//     catch-up and empty nothing; the check log is in a file of its own
//     and does not move this header at all.
//   - Without a readable WAL index (no -shm file, a layout this code does
//     not know, not unix) every Poll reads the counter, and Watching says
//     why; the server logs it and shows it in /readyz.
//
// The -shm file is opened once and closed only by Close, after the
// connections: closing any descriptor of it would drop the POSIX locks
// this process's SQLite connections hold on it. The feed reports every
// change as cache.All, because the counter does not say what changed; a
// drop costs a few in-process reads to refill.
//
// # Schema
//
// Migrations are embedded files migrations/NNNN_what.sql, numbered from 1
// without gaps (package migration loads and checks them) and never edited once
// released. Each runs in its own write transaction and records itself in
// schema_version; the version is read again under the write lock, so processes
// that start together apply each migration once. Open refuses a file migrated
// by a newer deadbolt (store.ErrSchemaTooNew) and, unless Options.AutoMigrate
// is set, one that is behind (store.ErrSchemaBehind). A migration that has to
// rebuild a table must do so without PRAGMA foreign_keys=OFF, which SQLite
// ignores inside a transaction; apply checks foreign_key_check before
// committing.
//
// Times are INTEGER Unix nanoseconds, exact to the nanosecond and read back
// in UTC, with 0 for "not set"; so the instant 1970-01-01T00:00:00Z itself
// reads back as unset, and times outside 1677..2262 are store.ErrInvalid.
// Durations are INTEGER nanoseconds, booleans 0 or 1, a missing optional
// reference is NULL. Tables are STRICT.
//
// # Errors
//
// Every error names the operation ("sqlite: create account: ...") and wraps
// one of the store's kinds: a UNIQUE or PRIMARY KEY violation is
// store.ErrConflict; a foreign key, CHECK or NOT NULL violation, or a rule
// checked in Go before writing (package valid, shared with postgres), is
// store.ErrInvalid; no row is store.ErrNotFound; anything else (busy past the
// timeout, I/O, a full disk, a closed store, a cancelled context) is
// store.ErrUnavailable, with the driver's error kept in the chain for the
// log. An error the database raised is a *store.Error whose Message, shared
// with the other backend (valid.Conflict), names the field in plain words.
//
// # Layout
//
// The column lists, the scan functions, the wrapping of errors and the
// reading of result sets are package sqlrow's, shared with postgres; this
// package holds SQLite's SQL text (stmt.go and the plain queries beside each
// method), its connections, its error classifier (errors.go: kindOf) and
// its encodings (encode.go: lists joined in TEXT). Its files and helpers
// carry the same names as postgres's (wrap, found and the other error
// helpers, exec, rowDB), and it runs its plain queries with sqlrow.One and
// sqlrow.List as postgres does, so that a diff of two files of the same
// name shows only dialect; oneStmt and listStmt run the prepared
// statements, which postgres does not need (pgx caches its statements per
// connection). The methods whose SQL is the same on both
// databases are not here at all: Store, reads and txn embed sqlrow's
// Pools, Reads and Writes, over a pool or the transaction (rows.go).
package sqlite
