// Package softkey is a software passkey for tests: a WebAuthn
// authenticator with a real ECDSA P-256 key (ES256), written from the
// WebAuthn specification, and a small HTTP client that drives the portal's
// passkey ceremonies through the same JSON endpoints the portal's script
// calls (POST …/begin, then POST …/finish with {"credential", "name"}).
//
// A Key answers navigator.credentials.create with "none" attestation and
// navigator.credentials.get with a signed assertion whose user handle is
// the one the registration options named; both come out as the JSON the
// portal's script posts, so go-webauthn on the server checks them exactly
// as it checks a browser's. The user-present and user-verified flags are
// always set, and the signature counter grows by one per assertion.
//
// A Client keeps the portal's cookies (session, ceremony, enablement) in a
// cookie jar, like a browser tab.
//
// The package exists so that the portal's security tests run fast and
// without Chromium. Production code must not import it.
package softkey
