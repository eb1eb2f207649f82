// Package bench measures deadbolt's lock check against a bare net/http
// handler (design §10).
//
// It holds the parts the benchmark commands are made of: a load
// generator (Run) that keeps a fixed number of keep-alive connections busy,
// either closed-loop (each connection sends its next request as soon as the
// answer to the previous one is read) or open-loop at a target rate, the
// latency summary (Percentile), the baseline handler the deadbolt
// server is compared with, and what deadbolt-bench and deadbolt-bench-pg
// both do around a run: build the binary (BuildDeadbolt), seed an install
// through its CLI (Seed: one owner per AccountsPerOwner accounts, one in
// UnlockedEvery unlocked), mint the checks' tokens (CheckRequests), and
// write the report (Machine, WriteReport).
//
// The generator speaks HTTP/1.1 over raw connections with pre-serialized
// requests and parses answers with net/http's ReadResponse. It does that
// rather than use http.Client because the load generator shares the
// machine's cores with the servers it measures: the less CPU the client
// burns per request, the more the figures say about the server.
//
// Every latency of the measured window is kept (a few MB for a 10 s run)
// and sorted once, so percentiles are exact, not bucketed.
//
// Open-loop latencies are counted from the time a request was scheduled to
// leave, not from when a connection became free to send it, so a server that
// stalls is charged for the queue it causes (no coordinated omission).
package bench
