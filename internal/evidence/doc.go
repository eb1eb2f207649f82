// Package evidence makes and checks the proof that an approver decided an
// access request with their passkey: a WebAuthn assertion whose challenge
// is the SHA-256 of the decision's canonical JSON.
//
// A Statement is what the approver signs (the request, its account,
// application, requester, reason, duration, context and policy, the
// decision and who made it). Canonical turns it into one exact byte string
// (RFC 8785 JSON Canonicalization Scheme restricted to strings, integers
// and objects of strings), and Challenge hashes it. A Signature carries
// those bytes with the assertion (authenticator data, client data,
// signature) and the credential's COSE public key; an Evidence file holds
// the signatures of one request.
//
// Verify checks a file with nothing but the file: no database, no server,
// no network. It recomputes the challenge from the canonical JSON, checks
// the client data (type webauthn.get, challenge, origin), the
// authenticator data (RP ID hash, user present and verified) and the
// signature over authenticatorData || SHA-256(clientDataJSON) with the
// credential's public key (parsed and checked by go-webauthn's COSE code).
// Every failure wraps one of the Err* kinds and names the signature and the
// field that is wrong. What an offline check cannot know by itself is
// whose credential signed: Options.Keys pins the credentials the verifier
// trusts, and the server checks, before storing a vote, that the
// credential is one of the approver's registered passkeys.
//
// The format is documented for third parties in docs/approvals.md
// ("Signed approval evidence"); keep the two in step.
package evidence
