// Package checklog writes lock-check decisions to the store with group
// commit: concurrent checks hand their records to one writer goroutine that
// commits whatever has queued up in one transaction, so a durable record
// costs each check a fraction of a commit.
//
// In sync mode (the default) Write returns only once the record is durable,
// and a failed commit fails every check in the batch, which then answers 503
// rather than a decision that left no trace. In async mode Write returns at
// once: throughput rises, and records still queued when the process dies are
// lost. Either way Close flushes everything queued before it returns.
//
// The writer remembers the error of its latest failed commit until a commit
// succeeds (LastError), so readiness can say the node cannot decide checks.
package checklog
