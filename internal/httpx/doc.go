// Package httpx holds deadbolt's HTTP plumbing: handlers that return an
// error, one JSON encoder and decoder, and the error type that carries the
// status, the stable code and the human message a client sees — kept apart
// from the cause, which is only logged.
package httpx
