package token

import (
	"errors"
	"fmt"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

// A token rejection kind is a *reject.Kind with a stable machine code and
// a short human text. Every kind except ErrInvalid wraps ErrInvalid.

// ErrInvalid is the kind every token rejection wraps: errors.Is(err,
// ErrInvalid) tells a bad token (answer 401) from a server-side failure.
var ErrInvalid error = &reject.Kind{Code: "token_invalid", Text: "invalid token"}

// Token rejection kinds. Each wraps ErrInvalid; test for them with errors.Is.
var (
	// ErrMissing: no token was sent.
	ErrMissing error = &reject.Kind{Code: "token_missing", Text: "missing token", Parent: ErrInvalid}
	// ErrMalformed: the token is not three base64url parts holding a JSON
	// header and a JSON claims object, or is too long.
	ErrMalformed error = &reject.Kind{Code: "token_malformed", Text: "malformed token", Parent: ErrInvalid}
	// ErrAlgorithm: the header alg is "none", unsupported, or not the
	// algorithm of the application's key (algorithm confusion).
	ErrAlgorithm error = &reject.Kind{Code: "token_algorithm", Text: "token algorithm not accepted", Parent: ErrInvalid}
	// ErrUnknownKey: the header kid names no key of the application, or the
	// application has no key at all.
	ErrUnknownKey error = &reject.Kind{Code: "token_unknown_key", Text: "unknown signing key", Parent: ErrInvalid}
	// ErrSignature: no candidate key verifies the signature.
	ErrSignature error = &reject.Kind{Code: "token_signature", Text: "bad token signature", Parent: ErrInvalid}
	// ErrClaims: a required claim (iss, sub, exp) is missing, or a claim has
	// the wrong JSON type.
	ErrClaims error = &reject.Kind{Code: "token_claims", Text: "bad token claims", Parent: ErrInvalid}
	// ErrAudience: aud is present but names none of the accepted audiences.
	ErrAudience error = &reject.Kind{Code: "token_audience", Text: "token audience not accepted", Parent: ErrInvalid}
	// ErrExpired: exp is in the past by more than the leeway.
	ErrExpired error = &reject.Kind{Code: "token_expired", Text: "token expired", Parent: ErrInvalid}
	// ErrNotYetValid: nbf or iat is in the future by more than the leeway.
	ErrNotYetValid error = &reject.Kind{Code: "token_not_yet_valid", Text: "token not yet valid", Parent: ErrInvalid}
	// ErrLifetime: the token lives longer than the maximum lifetime.
	ErrLifetime error = &reject.Kind{Code: "token_lifetime", Text: "token lifetime too long", Parent: ErrInvalid}
	// ErrUnknownIssuer: no application has the token's issuer.
	// Verify never returns it; callers do after looking the issuer up.
	ErrUnknownIssuer error = &reject.Kind{Code: "token_unknown_issuer", Text: "unknown token issuer", Parent: ErrInvalid}
	// ErrKeyRevoked: the key the token names (or the only key that verifies
	// it) has been revoked or has expired. Verify never returns it; callers
	// do after looking the key up.
	ErrKeyRevoked error = &reject.Kind{Code: "token_key_revoked", Text: "signing key revoked", Parent: ErrInvalid}
	// ErrWrongUse: a valid token presented where its kind does not work,
	// such as an enablement token at the lock check. Verify never returns
	// it; callers do.
	ErrWrongUse error = &reject.Kind{Code: "token_use", Text: "token not usable here", Parent: ErrInvalid}
)

// Reject returns a token rejection of kind k (one of the Err kinds) whose
// detail says which check failed; callers use it for the kinds Verify
// never returns (ErrUnknownIssuer, ErrKeyRevoked, ErrWrongUse).
func Reject(k error, format string, args ...any) error { return reject.New(k, format, args...) }

// ErrBadKey reports a configured key whose material cannot be used (an
// empty secret, a public key of the wrong type or curve, an unsupported
// algorithm). It is a server-side fault, not a bad token, so it does not
// wrap ErrInvalid and Code returns "" for it.
var ErrBadKey = errors.New("token: signing key is unusable")

// Error is a token rejection with detail: Kind is one of the Err kinds
// (ErrMalformed, ErrExpired, …) and Detail says which check failed, in words
// that are safe to show the client (never key material, and claim values
// only shortened and quoted).
type Error = reject.Error

// Code returns the stable machine code of a token rejection, such as
// "token_expired", for the JSON "error" field of a 401. It returns "" when
// err is not a token rejection.
func Code(err error) string {
	if k, ok := errors.AsType[*reject.Kind](err); ok {
		return k.Code
	}
	return ""
}

// Message returns the client-safe explanation of a token rejection, without
// whatever context callers wrapped around it. It returns "" when err is not
// a token rejection.
func Message(err error) string {
	if Code(err) == "" {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Error()
	}
	k, _ := errors.AsType[*reject.Kind](err)
	return k.Text
}

// short quotes a value taken from the token for an error detail, cut to a
// length that keeps error bodies small.
func short(s string) string {
	const max = 64
	r := []rune(s)
	if len(r) > max {
		return fmt.Sprintf("%q…", string(r[:max]))
	}
	return fmt.Sprintf("%q", s)
}
