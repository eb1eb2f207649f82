// Package passkey runs the WebAuthn ceremonies of the portal with
// github.com/go-webauthn/webauthn: registering a passkey for a member,
// signing in with one (discoverable credentials, so the person picks their
// passkey without typing a name), and signing a decision (BeginSign,
// FinishSign: an assertion by one of the member's passkeys whose challenge
// is the SHA-256 of the decision's canonical JSON, returned as the
// evidence that package evidence verifies offline). It has no HTTP types: options go out and
// responses come in as JSON bytes, and the state a ceremony keeps between
// Begin and Finish is returned as opaque bytes that the caller must keep
// out of the client's reach or integrity-protected (the portal seals them
// into a short-lived cookie and also stores the challenge as a used nonce,
// so a ceremony can finish only once).
//
// The package reads the store (to find the passkey and member a sign-in
// names) but writes nothing: the caller stores the new or updated passkey
// in the same transaction as the session and the audit event it makes.
//
// A member's WebAuthn user handle is their member ID; relying-party ID and
// origins come from the server's public URL.
package passkey
