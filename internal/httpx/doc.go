// Package httpx holds deadbolt's HTTP plumbing: handlers that return an
// error, one JSON encoder and decoder, and the error type that carries the
// status, the stable code and the human message a client sees — kept apart
// from the cause, which is only logged. ErrorOf is the one map from store,
// token and domain errors to that status, code and message: the lock-check
// API, enablement, the portal (its JSON and its pages, which word the
// message for people by code) and /readyz all answer through it, so one
// failure class has one code everywhere. Key and master-key problems are
// key_unusable, never store_unavailable.
package httpx
