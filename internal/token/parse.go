package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

// MaxSize is the longest token accepted, in bytes. Lock-check tokens are a
// few hundred bytes; the limit bounds the work an attacker can cause.
const MaxSize = 8 << 10

// Claims are the registered claims of a lock-check token. Absent times are
// zero.
type Claims struct {
	Issuer    string    // iss: the application's issuer
	Subject   string    // sub: the account name
	Audience  []string  // aud: a single string on the wire when it has one value
	IssuedAt  time.Time // iat
	NotBefore time.Time // nbf
	ExpiresAt time.Time // exp
	ID        string    // jti
}

// parsed is a token split and decoded, not yet verified.
type parsed struct {
	signingInput string // header.payload, what the signature covers
	signature    []byte
	alg          string
	kid          string
	hasKID       bool
	typ          string // header typ, "" when absent
	claims       map[string]json.RawMessage
}

// parse splits and decodes raw. It checks structure only: the header and the
// claims must be JSON objects and alg and kid, when present, strings.
func parse(raw string) (*parsed, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, ErrMissing
	}
	if len(raw) > MaxSize {
		return nil, reject.New(ErrMalformed, "token is longer than %d bytes", MaxSize)
	}
	h, rest, ok1 := strings.Cut(raw, ".")
	payload, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, reject.New(ErrMalformed, "a token has three dot-separated parts")
	}
	p := &parsed{signingInput: raw[:len(h)+1+len(payload)]}

	header, err := decodeObject(h)
	if err != nil {
		return nil, reject.New(ErrMalformed, "header is not a base64url-encoded JSON object")
	}
	if _, ok := header["crit"]; ok {
		return nil, reject.New(ErrMalformed, "critical header extensions are not supported")
	}
	if v, ok := header["alg"]; ok {
		if err := json.Unmarshal(v, &p.alg); err != nil || isNull(v) {
			return nil, reject.New(ErrMalformed, "header alg is not a string")
		}
	}
	if v, ok := header["kid"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &p.kid); err != nil {
			return nil, reject.New(ErrMalformed, "header kid is not a string")
		}
		p.hasKID = p.kid != ""
	}
	if v, ok := header["typ"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &p.typ); err != nil {
			return nil, reject.New(ErrMalformed, "header typ is not a string")
		}
	}

	if p.claims, err = decodeObject(payload); err != nil {
		return nil, reject.New(ErrMalformed, "claims are not a base64url-encoded JSON object")
	}
	if p.signature, err = b64.DecodeString(sig); err != nil {
		return nil, reject.New(ErrMalformed, "signature is not base64url")
	}
	return p, nil
}

// b64 decodes token segments strictly: unpadded base64url whose unused
// trailing bits are zero. Lenient decoding would let one signature be
// written several ways (4 for HS256, 16 for ES256 and EdDSA), each a
// different string that verifies.
var b64 = base64.RawURLEncoding.Strict()

// decodeObject decodes one base64url segment holding a JSON object.
func decodeObject(seg string) (map[string]json.RawMessage, error) {
	b, err := b64.DecodeString(seg)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil { // the JSON was null
		return nil, errNotObject
	}
	return m, nil
}

var errNotObject = &Error{Kind: ErrMalformed, Detail: "not a JSON object"}

func isNull(v json.RawMessage) bool { return bytes.Equal(v, []byte("null")) }

// Peek reads the unverified issuer and header kid of raw, so the caller can
// look up the application and its keys before calling Verify. Nothing it
// returns is trustworthy until Verify succeeds. kid is "" when the header
// names no key. Peek fails with ErrMissing, ErrMalformed, or ErrClaims when
// iss is missing or not a string.
func Peek(raw string) (issuer, kid string, err error) {
	t, err := Parse(raw)
	if err != nil {
		return "", "", err
	}
	return t.Issuer, t.KID, nil
}

// Token is a token parsed once, so that a caller can read its unverified
// issuer, look up the keys and verify it without decoding it twice (the
// lock check's hot path). Nothing in it is trustworthy until
// Verifier.VerifyToken succeeds.
type Token struct {
	Issuer string // unverified iss
	KID    string // header kid, "" when none
	// Type is the header typ ("JWT", TypeEnablement, …), "" when none.
	Type string
	p    *parsed
}

// Parse decodes raw without verifying it; it fails as Peek does.
func Parse(raw string) (*Token, error) {
	p, err := parse(raw)
	if err != nil {
		return nil, err
	}
	iss, err := p.requiredString("iss")
	if err != nil {
		return nil, err
	}
	return &Token{Issuer: iss, KID: p.kid, Type: p.typ, p: p}, nil
}

// str decodes a string claim; null counts as absent.
func (p *parsed) str(name string) (string, bool, error) {
	v, ok := p.claims[name]
	if !ok || isNull(v) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, reject.New(ErrClaims, "claim %s is not a string", name)
	}
	return s, true, nil
}

func (p *parsed) requiredString(name string) (string, error) {
	s, ok, err := p.str(name)
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		return "", reject.New(ErrClaims, "missing required claim %s", name)
	}
	return s, nil
}

// maxSeconds bounds NumericDates to about the year 5000, far beyond any
// meaningful token, so conversions cannot overflow.
const maxSeconds = 1e11

// date decodes a NumericDate claim (seconds since the epoch, possibly
// fractional); null counts as absent. A JSON string is refused even when it
// holds digits.
func (p *parsed) date(name string) (time.Time, bool, error) {
	v, ok := p.claims[name]
	if !ok || isNull(v) {
		return time.Time{}, false, nil
	}
	var n json.Number
	if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &n) != nil {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is not a number of seconds", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxSeconds {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// audience decodes aud, a string or an array of strings; null counts as
// absent.
func (p *parsed) audience() ([]string, bool, error) {
	v, ok := p.claims["aud"]
	if !ok || isNull(v) {
		return nil, false, nil
	}
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, true, nil
	}
	var many []string
	if err := json.Unmarshal(v, &many); err != nil || many == nil {
		return nil, false, reject.New(ErrClaims, "claim aud is not a string or an array of strings")
	}
	return many, true, nil
}

// claimSet decodes and type-checks every registered claim and requires iss,
// sub and exp. hasAud reports whether aud was present (an empty array is
// present and matches nothing).
func (p *parsed) claimSet() (c Claims, hasAud bool, err error) {
	if c.Issuer, err = p.requiredString("iss"); err != nil {
		return Claims{}, false, err
	}
	if c.Subject, err = p.requiredString("sub"); err != nil {
		return Claims{}, false, err
	}
	var hasExp bool
	if c.ExpiresAt, hasExp, err = p.date("exp"); err != nil {
		return Claims{}, false, err
	} else if !hasExp {
		return Claims{}, false, reject.New(ErrClaims, "missing required claim exp")
	}
	if c.NotBefore, _, err = p.date("nbf"); err != nil {
		return Claims{}, false, err
	}
	if c.IssuedAt, _, err = p.date("iat"); err != nil {
		return Claims{}, false, err
	}
	if c.Audience, hasAud, err = p.audience(); err != nil {
		return Claims{}, false, err
	}
	if c.ID, _, err = p.str("jti"); err != nil {
		return Claims{}, false, err
	}
	return c, hasAud, nil
}
