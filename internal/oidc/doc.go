// Package oidc is deadbolt's OpenID provider for step-up sign-in: a
// relying party (an application, or the Cognito custom-auth triggers) sends
// a person here to prove, with a user-verified passkey and now, that they
// are who they say — and, when it asks for it, that their account at its
// application is unlocked.
//
// The protocol is zitadel/oidc's certified op package; this package gives
// it storage (Storage), clients (Clients), signing keys (Keys) and the
// answers of the step-up page (Provider.Step and its methods). The page
// itself is the portal's (passkey ceremonies, templates, CSP).
//
// # Issuer and endpoints
//
// The issuer is the portal's URL (the public URL, with a loopback IP
// replaced by localhost, as WebAuthn needs a domain). Discovery is at
// /.well-known/openid-configuration; the endpoints live under /oidc/
// (authorize, token, userinfo, keys, introspect, revoke, end_session).
// Only the authorization code flow is offered; PKCE (S256) is required of
// public clients and accepted from every client; confidential clients
// authenticate with client_secret_basic or client_secret_post. Access
// tokens are JWTs valid for five minutes, for the userinfo endpoint; there
// are no refresh tokens.
//
// # Clients
//
// A client belongs to one tenant; only that tenant's members can complete
// its step-ups. A confidential client's secret is shown once and stored
// as its SHA-256 (it is 32 random bytes). Redirect URIs match exactly.
// Frame origins are the only origins allowed to show the step-up page in a
// frame (CSP frame-ancestors).
//
// # Assurance
//
// acr urn:deadbolt:acr:passkey: the person used a passkey with user
// verification during this request. urn:deadbolt:acr:passkey+unlocked:
// also, their account at the client's application (login_hint names the
// account, else their only one there) is open now, or it was opened in
// the same step (by them, or by the quorum of its approval policy's
// approvers while the page waited). A step that cannot complete is
// refused (Provider.Refuse): the callback sends the relying party
// access_denied, audited as oidc.stepup.refused. amr is ["hwk", "user", "mfa"] (RFC 8176). Every step-up
// is audited in the client's tenant (oidc.stepup).
//
// # Keys
//
// ES256 keys, the private half sealed under the master key (owner: the
// kid). The newest key signs; Keys.Rotate retires it, and a retired key
// stays in the JWKS until every token it signed has expired (KeepRetired
// past its retirement), then is deleted. A signing key older than
// RotateAfter is rotated on the next signature.
//
// # Requests in flight
//
// Authorization requests are stored (store.OIDCRequest), so any node
// answers any step; a code is kept as its hash and taken once — a code
// used twice, or a request past its ten minutes, is refused. The step-up
// page keeps its WebAuthn state in the request, not in a cookie, so it
// works inside a third-party frame. Completing a step yields a one-time
// secret that the callback needs with the request ID: someone who started
// a request and lured another person to finish it cannot collect the code.
package oidc
