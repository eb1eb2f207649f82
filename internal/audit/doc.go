// Package audit defines deadbolt's tamper-evident audit trail: events that are
// hash-chained per tenant, so that changing, removing or reordering any record
// breaks every hash after it.
//
// The chain rule is hash = SHA-256(prev_hash || canonical JSON of the record's
// fields), where the canonical JSON has sorted keys, no insignificant white
// space and times in RFC 3339 UTC with nanoseconds. The first record of a
// tenant chains from 32 zero bytes. Storage backends call Next inside the same
// transaction as the state change they record; this package has no I/O.
package audit
