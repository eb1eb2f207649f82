package token

import (
	"errors"
	"fmt"
)

// kind is a class of token rejection: a stable machine code and a short
// human text. Every kind except ErrInvalid wraps ErrInvalid.
type kind struct {
	code   string
	text   string
	parent error
}

func (k *kind) Error() string { return k.text }

func (k *kind) Unwrap() error { return k.parent }

// ErrInvalid is the kind every token rejection wraps: errors.Is(err,
// ErrInvalid) tells a bad token (answer 401) from a server-side failure.
var ErrInvalid error = &kind{code: "token_invalid", text: "invalid token"}

// Token rejection kinds. Each wraps ErrInvalid; test for them with errors.Is.
var (
	// ErrMissing: no token was sent.
	ErrMissing error = &kind{code: "token_missing", text: "missing token", parent: ErrInvalid}
	// ErrMalformed: the token is not three base64url parts holding a JSON
	// header and a JSON claims object, or is too long.
	ErrMalformed error = &kind{code: "token_malformed", text: "malformed token", parent: ErrInvalid}
	// ErrAlgorithm: the header alg is "none", unsupported, or not the
	// algorithm of the application's key (algorithm confusion).
	ErrAlgorithm error = &kind{code: "token_algorithm", text: "token algorithm not accepted", parent: ErrInvalid}
	// ErrUnknownKey: the header kid names no key of the application, or the
	// application has no key at all.
	ErrUnknownKey error = &kind{code: "token_unknown_key", text: "unknown signing key", parent: ErrInvalid}
	// ErrSignature: no candidate key verifies the signature.
	ErrSignature error = &kind{code: "token_signature", text: "bad token signature", parent: ErrInvalid}
	// ErrClaims: a required claim (iss, sub, exp) is missing, or a claim has
	// the wrong JSON type.
	ErrClaims error = &kind{code: "token_claims", text: "bad token claims", parent: ErrInvalid}
	// ErrAudience: aud is present but names none of the accepted audiences.
	ErrAudience error = &kind{code: "token_audience", text: "token audience not accepted", parent: ErrInvalid}
	// ErrExpired: exp is in the past by more than the leeway.
	ErrExpired error = &kind{code: "token_expired", text: "token expired", parent: ErrInvalid}
	// ErrNotYetValid: nbf or iat is in the future by more than the leeway.
	ErrNotYetValid error = &kind{code: "token_not_yet_valid", text: "token not yet valid", parent: ErrInvalid}
	// ErrLifetime: the token lives longer than the maximum lifetime.
	ErrLifetime error = &kind{code: "token_lifetime", text: "token lifetime too long", parent: ErrInvalid}
	// ErrUnknownIssuer: no application has the token's issuer.
	// Verify never returns it; callers do after looking the issuer up.
	ErrUnknownIssuer error = &kind{code: "token_unknown_issuer", text: "unknown token issuer", parent: ErrInvalid}
	// ErrKeyRevoked: the key the token names (or the only key that verifies
	// it) has been revoked or has expired. Verify never returns it; callers
	// do after looking the key up.
	ErrKeyRevoked error = &kind{code: "token_key_revoked", text: "signing key revoked", parent: ErrInvalid}
	// ErrWrongUse: a valid token presented where its kind does not work,
	// such as an enablement token at the lock check. Verify never returns
	// it; callers do.
	ErrWrongUse error = &kind{code: "token_use", text: "token not usable here", parent: ErrInvalid}
)

// Reject returns a token rejection of kind k (one of the Err kinds) whose
// detail says which check failed; callers use it for the kinds Verify
// never returns (ErrUnknownIssuer, ErrKeyRevoked, ErrWrongUse).
func Reject(k error, format string, args ...any) error { return reject(k, format, args...) }

// ErrBadKey reports a configured key whose material cannot be used (an
// empty secret, a public key of the wrong type or curve, an unsupported
// algorithm). It is a server-side fault, not a bad token, so it does not
// wrap ErrInvalid and Code returns "" for it.
var ErrBadKey = errors.New("token: signing key is unusable")

// Error is a token rejection with detail: Kind is one of the Err kinds
// (ErrMalformed, ErrExpired, …) and Detail says which check failed, in words
// that are safe to show the client (never key material, and claim values
// only shortened and quoted).
type Error struct {
	Kind   error
	Detail string
}

// Error returns the kind's text followed by the detail.
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns the kind, so errors.Is sees it and ErrInvalid.
func (e *Error) Unwrap() error { return e.Kind }

func reject(k error, format string, args ...any) error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// Code returns the stable machine code of a token rejection, such as
// "token_expired", for the JSON "error" field of a 401. It returns "" when
// err is not a token rejection.
func Code(err error) string {
	if k, ok := errors.AsType[*kind](err); ok {
		return k.code
	}
	return ""
}

// Message returns the client-safe explanation of a token rejection, without
// whatever context callers wrapped around it. It returns "" when err is not
// a token rejection.
func Message(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Error()
	}
	if k, ok := errors.AsType[*kind](err); ok {
		return k.text
	}
	return ""
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
