// Command deadbolt-bench-pg measures deadbolt on PostgreSQL (design §10):
// the lock check's throughput against a bare net/http baseline in the same
// run, and how soon a lock made through one node's database is seen by a
// check on another node.
//
// Usage:
//
//	deadbolt-bench-pg run [flags]               the whole benchmark (see -h)
//	deadbolt-bench-pg baseline-server -addr A   the baseline, as its own process
//
// run builds deadbolt (unless -deadbolt names a binary), seeds a SQLite
// install with -accounts enrolled accounts through the CLI ("deadbolt
// import accounts", as the SQLite benchmark deadbolt-bench does: one owner
// per 10 accounts, one account in 10 unlocked), moves it to a new
// PostgreSQL database with "deadbolt copy" (so the copy is exercised at
// that size too, and timed), and then:
//
//   - throughput: starts the baseline server and "deadbolt serve" on the
//     PostgreSQL database (sync check log, the default), and drives each in
//     turn, closed-loop, with the bench package's load generator, in
//     -rounds alternating pairs; the ratio of each pair is reported. With
//     -sqlite it measures the SQLite file the data came from as well.
//   - propagation: starts a second node, and for -trials accounts unlocks
//     and then locks each one through the database from this process (as
//     the CLI or a node's API would), timing from the moment the commit
//     returns to the first check answer from the other node that shows the
//     new state. Checks are sent by 4 pollers back to back, so the figure
//     includes one check's latency; it is the end-to-end answer to "a lock
//     made on node A is seen by a check on node B within 100 ms".
//
// The PostgreSQL database is deadbolt_bench_<random> on -postgres, dropped
// at the end unless -keep. Servers are separate processes listening on
// 127.0.0.1 only; every run is bounded in time and children are stopped on
// exit.
package main
