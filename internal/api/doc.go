// Package api serves deadbolt's machine-facing HTTP API: the lock check on
// its three paths (the two Next Level3-compatible ones and the native
// /v1/check). Errors are answered through httpx.ErrorOf, the one mapping
// from error kinds to status and code that the portal and /readyz share:
// a bad token is 401 with its kind's code (token_expired, ...), and so is
// a token naming a key the server cannot use (401 token_unknown_key: it
// cannot be verified, see token.UnusableKey); a wrong master key is 500
// key_unusable, an unreachable database 503 store_unavailable.
//
// Wire contract (design §4.1): the token comes in x-nl3-authorization-token
// (or Authorization: Bearer); the JSON body is at most 64 KiB and unknown
// fields are ignored; a 200 answer always carries "locked" as a JSON boolean;
// every other answer is {"error","message"} so a client can always tell
// "locked" from "could not decide".
//
// Only the SDK path (/nl3/api/v1/sdk/accountLockCheck) passes the body's
// userAccountId and nl3UserToken on; package check decides whether they may
// name the account. The failed-token limiter (package ratelimit) is spent
// and consulted only after a token failed: a token that verifies is always
// answered, however many failures its address sent. Its key is the client
// address that package clientaddr decided.
package api
