package token

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

// Defaults for a Verifier's zero fields, from the design's lock-check
// contract.
const (
	DefaultLeeway      = 60 * time.Second
	DefaultMaxLifetime = 15 * time.Minute
)

// Verifier checks lock-check tokens. Its fields are read-only after first
// use; a Verifier is safe for concurrent use.
type Verifier struct {
	// Audiences are the accepted aud values, usually from
	// AcceptedAudiences. A token without aud is accepted; a token with aud
	// must name at least one of these.
	Audiences []string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means
	// DefaultLeeway; negative means none.
	Leeway time.Duration
	// MaxLifetime is the longest a token may live, from nbf (else iat, else
	// now) to exp. Zero means DefaultMaxLifetime; negative means no limit
	// (only for flows whose tokens are long-lived by design).
	MaxLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

func (v *Verifier) leeway() time.Duration {
	switch {
	case v.Leeway == 0:
		return DefaultLeeway
	case v.Leeway < 0:
		return 0
	}
	return v.Leeway
}

func (v *Verifier) maxLifetime() time.Duration {
	if v.MaxLifetime == 0 {
		return DefaultMaxLifetime
	}
	return v.MaxLifetime
}

// Verify checks raw against the application's keys and checks its claims.
// When the header names a kid, only the key with that KID is tried;
// otherwise every key whose algorithm matches the header alg is tried in
// turn, which lets an application rotate keys without kid headers. It
// returns the claims and the KID of the key that verified the signature.
//
// Every rejection wraps ErrInvalid and one specific kind (see the Err
// variables). When the key the header's kid names has unusable material,
// the signature cannot be checked, so nothing about the token is known:
// it is rejected exactly as a kid of no key is (ErrUnknownKey, the same
// client-safe detail), and the error also wraps ErrBadKey so that the
// caller can log the server's fault (see UnusableKey).
func (v *Verifier) Verify(raw string, keys []Key) (Claims, string, error) {
	p, err := parse(raw)
	if err != nil {
		return Claims{}, "", err
	}
	return v.verify(p, keys)
}

// VerifyToken is Verify for a token already parsed with Parse.
func (v *Verifier) VerifyToken(t *Token, keys []Key) (Claims, string, error) {
	return v.verify(t.p, keys)
}

func (v *Verifier) verify(p *parsed, keys []Key) (Claims, string, error) {
	kid, err := p.verifySignature(keys)
	if err != nil {
		return Claims{}, "", err
	}
	c, err := v.claims(p)
	if err != nil {
		return Claims{}, "", err
	}
	return c, kid, nil
}

// UnusableKey is the rejection of a token whose kid names a key this
// server cannot use (cause: a secret sealed under another master key,
// material that does not parse). Without the key the signature cannot be
// checked, so the token may be anyone's: the client is told exactly what
// a token naming a kid of no key is told (401 token_unknown_key, the same
// detail), learns nothing about the server's keys, and cannot make the
// server answer 500. The error wraps ErrUnknownKey (hence ErrInvalid) and
// ErrBadKey with cause, for the server's log.
func UnusableKey(kid string, cause error) error {
	if !errors.Is(cause, ErrBadKey) {
		cause = fmt.Errorf("%w: %w", ErrBadKey, cause)
	}
	return fmt.Errorf("%w (server side: %w)", unknownKID(kid), cause)
}

// unknownKID rejects a token whose kid names no key that can verify it;
// the detail is the same whether the key does not exist or cannot be used.
func unknownKID(kid string) error {
	return reject.New(ErrUnknownKey, "kid %s names no key of this application that this server can verify with", short(kid))
}

// claims decodes the claim set and checks the times and the audience.
func (v *Verifier) claims(p *parsed) (Claims, error) {
	c, hasAud, err := p.claimSet()
	if err != nil {
		return Claims{}, err
	}
	if err := v.checkTimes(c); err != nil {
		return Claims{}, err
	}
	if hasAud && !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(v.Audiences, a) }) {
		return Claims{}, reject.New(ErrAudience, "aud %s is not this server", short(strings.Join(c.Audience, ", ")))
	}
	return c, nil
}

// verifySignature checks the header alg and the signature against the
// candidate keys and returns the KID of the key that verified.
func (p *parsed) verifySignature(keys []Key) (string, error) {
	switch {
	case p.alg == "":
		return "", reject.New(ErrAlgorithm, "header has no alg")
	case strings.EqualFold(p.alg, "none"):
		return "", reject.New(ErrAlgorithm, "unsigned tokens (alg none) are not accepted")
	case method(p.alg) == nil:
		return "", reject.New(ErrAlgorithm, "alg %s is not supported (HS256, ES256 or EdDSA)", short(p.alg))
	}
	candidates := keys
	if p.hasKID {
		candidates = nil
		for _, k := range keys {
			if k.KID == p.kid {
				candidates = append(candidates, k)
			}
		}
		if len(candidates) == 0 {
			return "", unknownKID(p.kid)
		}
	} else if len(keys) == 0 {
		return "", reject.New(ErrUnknownKey, "the application has no active signing key")
	}

	var tried int
	var keyErr error
	for _, k := range candidates {
		if k.Algorithm != p.alg {
			continue
		}
		m, material, err := k.verificationKey()
		if err != nil {
			keyErr = errors.Join(keyErr, err)
			continue
		}
		tried++
		if m.Verify(p.signingInput, p.signature, material) == nil {
			return k.KID, nil
		}
	}
	switch {
	case tried > 0:
		return "", reject.New(ErrSignature, "the signature does not verify with the application's key")
	case keyErr != nil && p.hasKID:
		return "", UnusableKey(p.kid, keyErr)
	case keyErr != nil:
		// A token naming no key is not told about the keys it might
		// have meant: without a usable one nothing verifies it.
		return "", reject.New(ErrUnknownKey, "the application has no usable %s key", short(p.alg))
	}
	var algs []string
	for _, k := range candidates {
		if !slices.Contains(algs, k.Algorithm) {
			algs = append(algs, k.Algorithm)
		}
	}
	return "", reject.New(ErrAlgorithm, "alg %s does not match the application's key algorithm (%s)",
		short(p.alg), strings.Join(algs, ", "))
}

// checkTimes applies exp, nbf, iat and the lifetime limit.
func (v *Verifier) checkTimes(c Claims) error {
	now, leeway := v.now(), v.leeway()
	if now.After(c.ExpiresAt.Add(leeway)) {
		return reject.New(ErrExpired, "exp %s is before now (%s)", stamp(c.ExpiresAt), stamp(now))
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(leeway)) {
		return reject.New(ErrNotYetValid, "nbf %s is after now (%s)", stamp(c.NotBefore), stamp(now))
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(leeway)) {
		return reject.New(ErrNotYetValid, "iat %s is after now (%s)", stamp(c.IssuedAt), stamp(now))
	}
	if limit := v.maxLifetime(); limit > 0 {
		start, from := now, "now"
		switch {
		case !c.NotBefore.IsZero():
			start, from = c.NotBefore, "nbf"
		case !c.IssuedAt.IsZero():
			start, from = c.IssuedAt, "iat"
		}
		if life := c.ExpiresAt.Sub(start); life > limit {
			return reject.New(ErrLifetime, "exp is %s after %s; the limit is %s", life.Round(time.Second), from, limit)
		}
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// AcceptedAudiences returns the aud values a server at publicURL accepts:
// the URL without and with a trailing slash and its bare host[:port] (NL3
// samples send "https://api.example.com" and "api.example.com" alike),
// followed by the extra configured audiences. The host is also accepted in
// lower case. Duplicates and blank extras are dropped.
func AcceptedAudiences(publicURL string, extra []string) ([]string, error) {
	if strings.TrimSpace(publicURL) == "" {
		return nil, errors.New("token: public URL is empty")
	}
	u, err := url.Parse(strings.TrimSpace(publicURL))
	if err != nil {
		return nil, fmt.Errorf("token: public URL: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https": // Parse lower-cases the scheme
		return nil, fmt.Errorf("token: public URL %q: scheme must be http or https", publicURL)
	case u.Host == "":
		return nil, fmt.Errorf("token: public URL %q has no host", publicURL)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, fmt.Errorf("token: public URL %q must not carry user info, a query or a fragment", publicURL)
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, host := range []string{u.Host, strings.ToLower(u.Host)} {
		base := u.Scheme + "://" + host + path
		add(base)
		add(base + "/")
		add(host)
	}
	for _, a := range extra {
		add(strings.TrimSpace(a))
	}
	return out, nil
}
