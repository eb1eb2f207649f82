// Package token verifies and mints the lock-check JWT: the NL3 "domain auth
// token" that every lock check carries in its x-nl3-authorization-token
// header.
//
// A lock check arrives with a token signed by the calling application. The
// server first calls Peek to read the unverified issuer and key id, looks up
// that application's signing keys, and then calls Verifier.Verify, which
// checks the signature and the claims. Verify is strict where NL3
// integrations are uniform and lenient where they differ:
//
//   - the header alg must equal the key's algorithm exactly (HS256 for a
//     shared secret, ES256 or EdDSA for a registered public key); "none" and
//     algorithm confusion (an HS256 token checked against a public key, or
//     the reverse) are rejected before any signature is computed;
//   - iss, sub and exp are required; aud is optional, but when present at
//     least one value must be an accepted audience (see AcceptedAudiences);
//   - NL3 samples send iat (Python) or nbf (Node, .NET) at now−60s and exp at
//     now+5min, so clock skew up to Verifier.Leeway is tolerated and a token
//     may live at most Verifier.MaxLifetime, counted from nbf, else iat,
//     else now.
//
// Signature checks come before claim checks, so a caller without a valid key
// learns nothing from the error beyond "bad signature".
//
// Every rejection wraps ErrInvalid and exactly one more specific sentinel.
// Code gives a stable machine code for the JSON "error" field of a 401 and
// Message a human explanation; both name the failed check and never contain
// key material. The HTTP layer maps all token failures through these two
// functions, including ErrUnknownIssuer and ErrKeyRevoked, which callers
// return themselves after their key lookups.
//
// Segments are decoded strictly (unpadded base64url with zero trailing
// bits), so a token has one spelling. The header and claims must each be
// one valid JSON object; names match case-sensitively (a token's "ISS" is
// not its iss) and the last of duplicate names wins, as when decoding into
// a map, though no map is built (json.go; the map decoder stays in the
// tests as the reference). Works-once flows remember a token by
// Token.OneTimeKey: its jti, else its decoded signature (an ES256 one in its
// low-S form, since (r, n−s) verifies too).
//
// A header typ of TypeEnablement ("enable+jwt") marks a token minted for an
// enablement link (MintEnablement); the lock check refuses such tokens.
//
// Mint produces tokens with the same rules, for the Go client, the CLI's
// "token mint" and tests.
package token
