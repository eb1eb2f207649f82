// Package jobs runs a node's background jobs (outbox delivery, unlock
// expiry announcements, and later audit checkpoints) so that exactly one
// node runs each job at a time: before every round a node takes or renews
// the job's lease in the store, and a node that dies loses its lease when
// the lease's time runs out, after which another node takes the job over.
package jobs
