// Package siem streams the audit events to the SIEM endpoints named in
// the configuration (audit.siem).
//
// Job reads each tenant's audit chain forward from a per-endpoint stream
// cursor and, in one transaction, queues the records it read to the outbox
// (channel "siem", one message per record and endpoint) and moves the
// cursor past them. A record is therefore queued exactly once per
// endpoint, and the outbox delivers it at least once; the event's tenant
// and seq are its idempotency key, so a receiver can drop a repeat.
//
// CheckJob streams the check decisions (the check log, one record per lock
// check) to the endpoints that opted in (checks: true), the same way: it
// reads each tenant's check log with checklog.Tail, the commit-ordered
// reader that blocked-signin shares (a decision is read once it is
// committed, however late after its own time, and never passed over),
// past a cursor per endpoint and tenant, and queues one message per
// decision (CheckMessageType) in the transaction that moves the cursor;
// an endpoint's tenants share those transactions (up to Batch messages
// each), and a round that finds nothing writes nothing (an idle cursor is
// written once every checklog.IdleAdvance). The check's ID is the
// idempotency key. A new endpoint or tenant starts at the commit position
// of Backfill back. Nothing of this runs on the lock check's path.
//
// The queued messages are delivered by notify.Streamer, a batch of one
// endpoint at a time, through the carriers here (notify.BatchCarrier).
// Syslog carries a batch as RFC 5424 messages over one TCP or TLS
// connection, framed by octet counting (RFC 6587), and counts it delivered
// only when the receiver closes the connection after reading it all
// (syslog has no acknowledgement of its own); JSON posts each record to an
// HTTP(S) URL, or with Lines the whole batch as one NDJSON body. Both dial
// through internal/egress. A batch that fails is sent again whole, so a
// receiver sees repeats (dropped by the idempotency key), never gaps.
package siem
