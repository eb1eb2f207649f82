// Package authorizer is deadbolt's Amazon API Gateway Lambda authorizer
// (cmd/deadbolt-authorizer). API Gateway's own JWT authorizer trusts a
// Cognito token until it expires; this one also refuses a request from an
// account that deadbolt has locked since the token was issued.
//
// For every request it verifies the bearer JWT against the issuer's JWKS
// (signature, issuer, expiry, audience or client_id, token_use), takes the
// account from a claim, and asks deadbolt's lock check. Answers are reused
// for the same account for a few seconds (CACHE_SECONDS); a deadbolt
// webhook for that account, delivered to the function URL, drops the
// cached answer at once. When deadbolt cannot decide, FAIL_MODE applies.
//
// It answers the three authorizer shapes: REST API TOKEN and REQUEST
// authorizers (an IAM policy for the method) and HTTP API authorizers with
// simple responses ({"isAuthorized": …}). The principal, the lock status
// and how it was decided go into the authorizer context.
//
// The cache lives in one Lambda execution environment: a webhook reaches
// one of them, and the others' answers for that account expire within
// CACHE_SECONDS. docs/integrations/api-gateway.md says so.
package authorizer
