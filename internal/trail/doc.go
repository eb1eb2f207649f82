// Package trail reads a tenant's audit trail out of the store for the
// people who check it: Verify recomputes the hash chain and checks the
// signed checkpoints (the same check for `deadbolt audit verify` and the
// portal's "Verify now"), Newest lists the latest records that match a
// filter, page by page, and Export writes the matching records as JSONL or
// CSV. Each reads bounded pages, so memory stays the same however long
// the trail is. The chain rule itself, the checkpoints and the export
// formats are package audit's; this package adds the reading.
package trail
