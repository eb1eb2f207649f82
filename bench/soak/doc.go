// Command soak runs deadbolt under mixed load while it injects faults, then
// proves from what it recorded that nothing acknowledged was lost.
//
// It is run by hand, not in CI (about 30 minutes at the default):
//
//	go run ./bench/soak                      # 30 minutes, report in bench/soak/results/<time>/
//	go run ./bench/soak -duration 5m -fault-every 40s
//
// The cluster is three `deadbolt serve` processes built from this tree: nodes
// A and B share a fresh PostgreSQL database, node C runs on SQLite in a data
// directory on a small tmpfs (so that the disk can be filled). Operators lock
// and unlock accounts through the CLI (timed unlocks and once-unlocks, always
// going back through a lock) and record when each change was acknowledged;
// checkers send lock checks to every node and record every answer. A few
// accounts of each database belong to an owner instead: checks of them raise
// unlock requests, which the owner approves for one sign-in each through a
// random node's portal, signed in with a software passkey.
//
// Faults, one at a time in a fixed rotation: kill -9 of a node and its
// restart, a PostgreSQL restart, a full disk under node C, SIGSTOP of a
// node for longer than its job lease, and a clock two minutes ahead on one
// node (serve's hidden --test-clock-offset; a process's real clock cannot be
// moved alone). Nodes A and B run on a private PostgreSQL server the soak
// starts itself (initdb and pg_ctl from /usr/lib/postgresql/*/bin, in its
// temporary directory, on a free loopback port; as root it runs them as
// the postgres user), and the PostgreSQL restart restarts that server
// only (pg_ctl restart -m fast). The machine's own server is never
// touched; with -postgres URL the soak uses that server instead and leaves
// the restart out; -no-pg-restart leaves it out too.
//
// Afterwards it verifies that:
//   - every answered check (200) is in its node's check log;
//   - no decision contradicted a state acknowledged before the check began
//     (a check that starts after a lock was acknowledged, and ends before the
//     next change to that account began, answers locked; likewise unlocked);
//   - no once-unlock opened more than one check;
//   - every account's final state is the last one acknowledged.
//
// The report gives resident memory and goroutines of every node over time
// (an SVG chart), 5xx answers and transport errors by cause, and how long
// each node took to answer again after each fault.
package main
