// Package clientaddr decides, in one place, which address a request comes
// from. The lock check's failed-token throttle, the check log, unlock
// requests and the portal (sign-in limits, sessions) all use the address
// it decides.
//
// The address is the TCP peer's, unless the peer is one of the configured
// trusted proxies (serve --trusted-proxy). Then it is taken from
// X-Forwarded-For: the right-most hop that is not itself a trusted proxy,
// because each proxy appends the address it was reached from and only the
// trusted ones can be believed. X-Forwarded-For from any other peer is
// ignored, so a client cannot name its own address. A malformed header
// from a trusted proxy gives the proxy's own address.
//
// Resolver.Handler decides once per request and keeps the answer in the
// request's context; Of reads it, falling back to the peer's address for
// handlers run without the middleware (tests).
package clientaddr
