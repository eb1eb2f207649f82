// Package cache keeps what the lock check reads — applications by issuer,
// their signing keys, and account states — in a node's memory, and keeps it
// true across nodes (design §1, "Scale-out").
//
// A Cache wraps a store.Store. Its answers come from memory only while a
// Feed (the PostgreSQL store, through LISTEN/NOTIFY) is subscribed and
// reporting every committed change, from any node or from the CLI. Each
// Event names what changed — an application, an application's keys, one
// account's state, or everything a member owns — and the cache forgets
// exactly that; cache.All forgets everything.
//
// Three rules keep a stale answer from surviving:
//
//   - Nothing read before a change is kept after it. Every change heard
//     bumps a generation number; a read that misses notes the generation
//     before going to the store and keeps its result only if the
//     generation has not moved meanwhile (otherwise it returns the result
//     but does not keep it). A read racing a change therefore cannot put
//     back the value the change just removed.
//   - When the feed loses its connection (Lost), notifications sent
//     meanwhile are gone: the cache drops everything and answers from the
//     store until the feed has subscribed again (Subscribed), and starts
//     empty then.
//   - This node's own writes are announced to it as soon as they commit
//     (before Update returns), so it reads its own writes without waiting
//     for its listener.
//   - A feed may lease its subscription (Handler.Lease): past the lease's
//     end the cache answers from the store even though nobody called Lost.
//     Every hit compares the lease with the monotonic clock, so a node
//     that was stopped or starved past its lease cannot answer one check
//     from memory before its feed wakes up to say so.
//
// The guarantee — a lock acknowledged by any node or by the CLI is seen by
// every check that starts after the acknowledgement, on every node — needs
// the writer's help as well: PostgreSQL's Update returns only once every
// node holding a lease has applied the change (or its lease has run out);
// see store/postgres's "Coherence".
//
// Consuming a once grant is still decided by the database (a conditional
// UPDATE), never by the cache: two nodes that both hold the grant in memory
// both try, and exactly one succeeds.
//
// Unknown issuers and unenrolled accounts are cached too (a flood of
// tokens naming garbage does not reach the database), and creating them is
// announced. The cache is bounded (Options); when full it drops an
// arbitrary part rather than tracking recency, which would cost a write
// lock on every hit.
//
// SQLite installs run no cache: the CLI writes the file from another
// process and nothing announces it, and SQLite reads are in-process and
// fast anyway.
package cache
