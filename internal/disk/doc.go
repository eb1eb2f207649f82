// Package disk watches the free space of the filesystem that holds a
// node's data directory (the SQLite database and its check log): it reads
// it for the metrics, warns in the log (once an hour) when it runs low, and
// tells readiness when it is too low — or read-only — for the node to
// record the checks it answers. On Linux it uses statfs(2); elsewhere it
// reports that it cannot tell, and readiness ignores it.
package disk
