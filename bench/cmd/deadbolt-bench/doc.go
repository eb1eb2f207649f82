// Command deadbolt-bench measures a real "deadbolt serve" against a bare
// net/http baseline on the same machine, in the same run, and checks the
// figures against the targets of design §10.
//
// Usage:
//
//	deadbolt-bench run [flags]              the whole benchmark (see -h)
//	deadbolt-bench baseline-server -addr A  the baseline, as its own process
//
// run builds deadbolt (unless -deadbolt names a binary), seeds one fresh
// SQLite data directory per size with "deadbolt import accounts", starts
// the baseline server and, in turn, "deadbolt serve" with each check-log
// mode, and drives both with the bench package's load generator from this
// process. Servers are separate processes so that, as in production, the
// client's CPU is not the server's. Everything listens on 127.0.0.1 only,
// every run is bounded in time, and children are stopped on exit.
//
// It reads /proc for memory figures, so it runs on Linux.
package main
