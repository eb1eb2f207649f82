// Package mgmtapi serves the native management API, /api/v1 (design
// §4.3): JSON REST over a tenant's applications, keys, accounts, members,
// groups, policies, approval requests and templates, webhooks,
// deliveries, audit trail and check log, with streamed exports of the
// last two.
//
// Every request carries an API token (package apitoken) in
// Authorization: Bearer, x-nl3-api-token or x-nl3-server-api-token. The
// token names the tenant: every route reads and changes that tenant's
// records only, and a record of another tenant is not found. Each route
// names the scope it needs (Routes); each token is rate-limited on its
// own. Every change goes through the same domain services as the CLI and
// the portal (admin, access, apitoken), which audit it with the token as
// the actor ("api-token:ID"). Requests are asked and voted on for the
// member a call names ("as"), under package approval's rules.
//
// Conventions: errors are the one error shape (httpx.ErrorOf); lists are
// {"items": [...], "next_cursor": "..."} pages, fetched with ?cursor= and
// ?limit=; a POST with an Idempotency-Key header is answered once and
// replayed thereafter (the answer is kept per token and key).
package mgmtapi
