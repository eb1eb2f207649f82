// Package cache keeps what the lock check reads — applications by issuer,
// their signing keys (HS256 secrets opened, public keys parsed), account
// states, owners' passkeys, and each tenant's compiled JIT policies
// (PolicySet, forgotten on a Policies event) — in a node's memory, and keeps it true
// across processes and nodes (design §1, "Scale-out"). It is the one cache
// of the lock check, for both backends.
//
// # The coherence rule
//
// A change committed by any process — this node, another node, the CLI —
// before a check starts is seen by that check. A Cache wraps a
// store.Store, and a Feed tells it of committed changes:
//
//   - PostgreSQL announces every change with LISTEN/NOTIFY; the Feed
//     delivers the announcements, each naming what changed (an
//     application, its keys, one account's state, everything a member
//     owns), and the cache forgets exactly that.
//   - SQLite has no announcements: the CLI writes the file from another
//     process. The cache polls its feed before every answer from memory
//     (Feed.Poll; PostgreSQL's returns at once), and SQLite's compares the
//     WAL-index header in the -shm file (which every commit rewrites before
//     its COMMIT returns) with what it saw last, a few words of shared
//     memory and no SQL; only when the header moved does it read the
//     change counter and the change rows that triggers on the cached
//     tables write, each naming what changed as PostgreSQL's announcements
//     do, and the cache forgets exactly that (or everything, when the rows
//     do not account for the counter's move). A commit that changed
//     nothing cached — an audit record, an unlock request — costs that one
//     read and no event.
//
// Four rules keep a stale answer from surviving:
//
//   - Nothing read before a change is kept after it. Every change heard
//     bumps a generation number; a read that misses notes the generation
//     before going to the store and keeps its result only if the
//     generation has not moved meanwhile (otherwise it returns the result
//     but does not keep it). A read racing a change therefore cannot put
//     back the value the change just removed.
//   - When the feed loses its connection (Lost), announcements sent
//     meanwhile are gone: the cache drops everything and answers from the
//     store until the feed has subscribed again (Subscribed), and starts
//     empty then.
//   - This node's own writes are announced to it as soon as they commit
//     (PostgreSQL: before Update returns; SQLite: its own commits move the
//     WAL index like anyone's), so it reads its own writes.
//   - Memory answers only after Poll returned without error for this
//     read; when Poll cannot tell (on SQLite: the header unreadable and the
//     counter read failing), the read goes to the store.
//   - A feed may lease its subscription (Handler.Lease): past the lease's
//     end the cache answers from the store even though nobody called Lost.
//     Every hit compares the lease with the monotonic clock, so a node
//     that was stopped or starved past its lease cannot answer one check
//     from memory before its feed wakes up to say so.
//
// On PostgreSQL the guarantee needs the writer's help as well: Update
// returns only once every node holding a lease has applied the change (or
// its lease has run out); see store/postgres's "Coherence". On SQLite the
// reader's Poll is enough, since every process maps the same WAL index.
//
// # Why the WAL index on SQLite
//
// The alternatives were measured or weighed against it. Reading the change
// counter on every check (what the SQLite store did before) cost 13% of a
// check's CPU in the profile; PRAGMA data_version is as much a
// statement per check, each opening a read transaction (shared-memory
// locks, system calls). BenchmarkChangeWatch in package sqlite, on the
// shared 2-core machine: Poll with nothing changed 24–35 ns, the counter
// read 21–27 µs, data_version 17–43 µs — about a thousand times more. Having the CLI hand its writes to a
// running server over a local socket would make every CLI command depend on
// whether a server runs, and a CLI that wrote the file directly (a server
// started meanwhile, a restore) would still go unseen. The WAL-index
// header is SQLite's own record that something committed, kept by every
// process in shared memory, documented (sqlite.org/walformat.html) and
// stable since 3.7.0; modernc.org/sqlite, SQLite's C translated to Go,
// uses the same unix VFS layout, which package sqlite's tests check. When
// it cannot be mapped (no -shm file, another layout, not unix), the SQLite
// feed reads the counter on every poll and says so in the log and in
// /readyz (Stats.Watch).
//
// Consuming a once grant is still decided by the database (a conditional
// UPDATE), never by the cache: two nodes that both hold the grant in memory
// both try, and exactly one succeeds.
//
// Unknown issuers and unenrolled accounts are cached too (a flood of
// tokens naming garbage does not reach the database). Unknown issuers are
// kept in a map of their own (Options.MaxUnknownIssuers), so that a flood
// of random issuers evicts other unknown issuers, never a real
// application. The cache is bounded
// (Options), with one rule for all its maps (bounded): when one is full it
// drops an arbitrary eighth rather than tracking recency, which would cost
// a write lock on every hit. Opened keys are kept across drops, keyed by
// kid and the sealed bytes they were opened from, so they cannot go stale;
// the secrets live only in this process's memory.
package cache
