// Package ids makes the identifiers deadbolt hands out, in one place:
// record IDs (UUIDv7, so they sort by creation time), signing-key IDs, and
// one-time secrets (setup links, session cookies, verification links) with
// the hash they are stored under. Every ID and secret comes from here, so
// their format and randomness are decided once.
package ids
