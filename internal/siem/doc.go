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
// Syslog carries a record as an RFC 5424 message over TCP or TLS, framed
// by octet counting (RFC 6587); JSON posts it to an HTTP(S) URL. Both dial
// through internal/egress.
package siem
