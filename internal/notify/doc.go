// Package notify tells the world about account changes. Events are written
// to the outbox in the same transaction as the change (Enqueue), so nothing
// acknowledged goes unannounced; a Deliverer later sends each one, signed,
// to its webhook, retrying with backoff (at least once: receivers
// deduplicate on the event ID). Expiry announces unlocks that ended by time,
// because a relock that nobody performs would otherwise reach push
// receivers (such as the AWS IAM integration) only at the next check.
//
// Deliverer.RunOnce and Expiry.RunOnce are background jobs: one node runs
// each at a time, under a lease.
package notify
