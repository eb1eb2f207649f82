// Package apitoken makes, lists, revokes and checks management API
// tokens (design §4.2–4.3): tenant-scoped secrets with a role (admin,
// approver, auditor) or a custom set of scopes, and an optional expiry.
//
// A token is shown once, when it is made; the store keeps only the
// SHA-256 of its secret. Authenticate finds a token by that hash and
// refuses revoked, expired and unknown ones alike. When a token was last
// used is kept in memory by a Recorder and written in batches, so a
// request costs no write of its own.
//
// The CLI, the portal and the /api/v1 handlers all go through Service;
// this package knows nothing of HTTP.
package apitoken
