// Package client is deadbolt's public Go client: it mints the lock-check
// token, asks a deadbolt server (or any NL3-compatible one) whether an
// account is locked, and offers net/http middleware that refuses requests
// for locked accounts. The deadbolt CLI's "check" command and the AWS
// Lambda integrations are built on it, so it depends only on the standard
// library and the token package, never on storage or server code (a test
// enforces this).
//
// # Locked versus undecided
//
// Check returns a Decision only when the server answered 200 with a JSON
// boolean "locked". Everything else — a transport error, a timeout, a
// non-200 status, a body that is not JSON, a "locked" that is missing or not
// a boolean (NL3's "true" string included), a response over 64 KiB — is
// "could not decide": the error wraps ErrUndecided, and for non-200 answers
// it is an *HTTPError carrying the status and the server's {"error",
// "message"} body. Check never turns a failure into Locked=false.
//
// Allow applies the configured FailMode to undecided checks (closed by
// default: deny) and still returns the error so the caller can log it.
//
// # Wire format
//
// Each check is a POST to URL+Path with a JSON body {"userIP","userDevice",
// "userLocation","integrationType","integrationData"} and the header
// x-nl3-authorization-token: a fresh HS256 JWT over the raw key with iss =
// Issuer, sub = account, aud = Audience, iat = now−60s and exp = now+5min,
// exactly what NL3's own samples send. Minting costs a few microseconds, so
// tokens are not cached. Redirects are not followed: a token is never sent
// to a host the configuration does not name.
//
// # Middleware
//
// Middleware checks the account a request acts for. It answers 403
// {"error":"account_locked"} when the account is locked, 503
// {"error":"lock_check_unavailable"} when the check could not decide under
// fail-closed (so clients and monitors can tell an outage from a lock), and
// 500 {"error":"lock_check_failed"} when the account function produced an
// unusable account name. Under fail-open an undecided request passes
// through and the error is logged. The client IP is taken from
// r.RemoteAddr; X-Forwarded-For is used only with TrustForwardedFor.
package client
