// Package trail reads a tenant's audit trail out of the store for the
// people who check it: Verify recomputes the hash chain and checks the
// signed checkpoints (the same check for `deadbolt audit verify` and the
// portal's "Verify now"), Newest lists the latest records that match a
// filter, page by page, and Export writes the matching records as JSONL or
// CSV. Each reads bounded pages, so memory stays the same however long
// the trail is. Verify and Export can read several pages at once
// (Parallel, the CLI): the goroutine that read a page also hashes or
// encodes it, and the caller's goroutine checks the links or writes the
// pages in seq order, so the first bad record named and the bytes written
// are the same as one page after another (OneByOne, the portal) gives.
// The chain rule itself, the checkpoints and the export formats are
// package audit's; this package adds the reading.
package trail
