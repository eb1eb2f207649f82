package token

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
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
	claims       claimValues
}

// claimValues are the raw JSON values of the registered claims, each the
// last of its name in the claims object (as encoding/json decoding into a
// map keeps it); nil when absent. Other claims are checked to be valid
// JSON and otherwise ignored.
type claimValues struct {
	iss, sub, aud, exp, nbf, iat, jti []byte
}

// set keeps val when name is a registered claim's.
func (c *claimValues) set(name, val []byte) {
	switch string(name) {
	case "iss":
		c.iss = val
	case "sub":
		c.sub = val
	case "aud":
		c.aud = val
	case "exp":
		c.exp = val
	case "nbf":
		c.nbf = val
	case "iat":
		c.iat = val
	case "jti":
		c.jti = val
	}
}

// headerValues are the raw JSON values of the header parameters deadbolt
// reads, each the last of its name; nil when absent.
type headerValues struct {
	alg, kid, typ, crit []byte
}

func (h *headerValues) set(name, val []byte) {
	switch string(name) {
	case "alg":
		h.alg = val
	case "kid":
		h.kid = val
	case "typ":
		h.typ = val
	case "crit":
		h.crit = val
	}
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

	var header headerValues
	if err := decodeObject(h, header.set); err != nil {
		return nil, reject.New(ErrMalformed, "header is not a base64url-encoded JSON object")
	}
	if header.crit != nil {
		return nil, reject.New(ErrMalformed, "critical header extensions are not supported")
	}
	if v := header.alg; v != nil {
		var err error
		if p.alg, err = jsonString(v); err != nil || isNull(v) {
			return nil, reject.New(ErrMalformed, "header alg is not a string")
		}
	}
	if v := header.kid; v != nil && !isNull(v) {
		var err error
		if p.kid, err = jsonString(v); err != nil {
			return nil, reject.New(ErrMalformed, "header kid is not a string")
		}
		p.hasKID = p.kid != ""
	}
	if v := header.typ; v != nil && !isNull(v) {
		var err error
		if p.typ, err = jsonString(v); err != nil {
			return nil, reject.New(ErrMalformed, "header typ is not a string")
		}
	}

	if err := decodeObject(payload, p.claims.set); err != nil {
		return nil, reject.New(ErrMalformed, "claims are not a base64url-encoded JSON object")
	}
	var err error
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

// decodeObject decodes one base64url segment holding a JSON object and
// calls set with each member's name (unescaped) and raw value, in order;
// see eachMember.
func decodeObject(seg string, set func(name, val []byte)) error {
	b, err := b64.DecodeString(seg)
	if err != nil {
		return err
	}
	return eachMember(b, set)
}

var errNotObject = &Error{Kind: ErrMalformed, Detail: "not a JSON object"}

func isNull(v []byte) bool { return bytes.Equal(v, []byte("null")) }

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
	iss, err := requiredString("iss", p.claims.iss)
	if err != nil {
		return nil, err
	}
	return &Token{Issuer: iss, KID: p.kid, Type: p.typ, p: p}, nil
}

// str decodes a string claim; null counts as absent.
func str(name string, v []byte) (string, bool, error) {
	if v == nil || isNull(v) {
		return "", false, nil
	}
	s, err := jsonString(v)
	if err != nil {
		return "", false, reject.New(ErrClaims, "claim %s is not a string", name)
	}
	return s, true, nil
}

func requiredString(name string, v []byte) (string, error) {
	s, ok, err := str(name, v)
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
func date(name string, v []byte) (time.Time, bool, error) {
	if v == nil || isNull(v) {
		return time.Time{}, false, nil
	}
	// v is one valid JSON value: a number starts with a digit or '-';
	// anything else (string, bool, object, array) is refused, as
	// decoding it into a json.Number would be.
	if c := v[0]; c != '-' && (c < '0' || c > '9') {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is not a number of seconds", name)
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxSeconds {
		return time.Time{}, false, reject.New(ErrClaims, "claim %s is out of range", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// audience decodes aud, a string or an array of strings; null counts as
// absent, and so does a null inside the array, as "" (as encoding/json
// decodes it).
func audience(v []byte) ([]string, bool, error) {
	if v == nil || isNull(v) {
		return nil, false, nil
	}
	bad := reject.New(ErrClaims, "claim aud is not a string or an array of strings")
	if v[0] == '"' {
		one, err := jsonString(v)
		if err != nil {
			return nil, false, bad
		}
		return []string{one}, true, nil
	}
	if v[0] != '[' {
		return nil, false, bad
	}
	many := []string{}
	err := eachElement(v, func(e []byte) error {
		if isNull(e) {
			many = append(many, "")
			return nil
		}
		s, err := jsonString(e)
		many = append(many, s)
		return err
	})
	if err != nil {
		return nil, false, bad
	}
	return many, true, nil
}

// claimSet decodes and type-checks every registered claim and requires iss,
// sub and exp. hasAud reports whether aud was present (an empty array is
// present and matches nothing).
func (p *parsed) claimSet() (c Claims, hasAud bool, err error) {
	raw := &p.claims
	if c.Issuer, err = requiredString("iss", raw.iss); err != nil {
		return Claims{}, false, err
	}
	if c.Subject, err = requiredString("sub", raw.sub); err != nil {
		return Claims{}, false, err
	}
	var hasExp bool
	if c.ExpiresAt, hasExp, err = date("exp", raw.exp); err != nil {
		return Claims{}, false, err
	} else if !hasExp {
		return Claims{}, false, reject.New(ErrClaims, "missing required claim exp")
	}
	if c.NotBefore, _, err = date("nbf", raw.nbf); err != nil {
		return Claims{}, false, err
	}
	if c.IssuedAt, _, err = date("iat", raw.iat); err != nil {
		return Claims{}, false, err
	}
	if c.Audience, hasAud, err = audience(raw.aud); err != nil {
		return Claims{}, false, err
	}
	if c.ID, _, err = str("jti", raw.jti); err != nil {
		return Claims{}, false, err
	}
	return c, hasAud, nil
}
