package token

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/reject"
)

func TestVerifyAccepts(t *testing.T) {
	app := secretKey("k1", "app")
	old, next := secretKey("old", "old"), secretKey("new", "new")
	ec, ed := ecKey(t, "ec"), edKey(t, "ed")
	nbfClaims := with(nl3Claims(), "iat", nil, "nbf", now.Add(-60*time.Second).Unix())

	tests := []struct {
		name    string
		raw     string
		keys    []Key
		wantKID string
		check   func(t *testing.T, c Claims)
	}{
		{name: "NL3 Python sample (iat)", raw: hsToken(t, hdr("HS256"), nl3Claims(), app.Secret), keys: []Key{app}, wantKID: "k1",
			check: func(t *testing.T, c Claims) {
				if c.Issuer != "app.example.com" || c.Subject != "alice" || !c.ExpiresAt.Equal(now.Add(5*time.Minute)) ||
					!c.IssuedAt.Equal(now.Add(-time.Minute)) || !c.NotBefore.IsZero() || !slices.Equal(c.Audience, []string{publicURL}) {
					t.Errorf("claims = %+v", c)
				}
			}},
		{name: "NL3 Node/.NET sample (nbf)", raw: hsToken(t, hdr("HS256"), nbfClaims, app.Secret), keys: []Key{app}, wantKID: "k1",
			check: func(t *testing.T, c Claims) {
				if !c.NotBefore.Equal(now.Add(-time.Minute)) || !c.IssuedAt.IsZero() {
					t.Errorf("claims = %+v", c)
				}
			}},
		{name: "aud with trailing slash", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", publicURL+"/"), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "aud bare host", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", "lock.example.com"), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "aud array with one accepted", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", []string{"https://other.example", "lock.example.com"}), app.Secret), keys: []Key{app}, wantKID: "k1",
			check: func(t *testing.T, c Claims) {
				if len(c.Audience) != 2 {
					t.Errorf("aud = %q", c.Audience)
				}
			}},
		{name: "no aud", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", nil), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "aud null counts as absent", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", rawJSON("null")), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "rotation: second key verifies", raw: hsToken(t, hdr("HS256"), nl3Claims(), next.Secret), keys: []Key{old, next}, wantKID: "new"},
		{name: "rotation: first key verifies", raw: hsToken(t, hdr("HS256"), nl3Claims(), old.Secret), keys: []Key{old, next}, wantKID: "old"},
		{name: "kid header selects a key", raw: hsToken(t, hdrKID("HS256", "new"), nl3Claims(), next.Secret), keys: []Key{old, next}, wantKID: "new"},
		{name: "empty kid header means none", raw: hsToken(t, hdrKID("HS256", ""), nl3Claims(), next.Secret), keys: []Key{old, next}, wantKID: "new"},
		{name: "mixed algorithms: HS256 token skips public keys", raw: hsToken(t, hdr("HS256"), nl3Claims(), app.Secret), keys: []Key{ec, ed, app}, wantKID: "k1"},
		{name: "ES256", raw: signed(t, ec, hdr("ES256"), nl3Claims()), keys: []Key{app, ec}, wantKID: "ec"},
		{name: "EdDSA", raw: signed(t, ed, hdrKID("EdDSA", "ed"), nl3Claims()), keys: []Key{ed}, wantKID: "ed"},
		{name: "expired within leeway", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", now.Add(-5*time.Minute).Unix(), "exp", now.Add(-59*time.Second).Unix()), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "exp exactly now", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.Unix()), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "iat in the future within leeway", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", now.Add(59*time.Second).Unix()), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "lifetime exactly 15m", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.Add(14*time.Minute).Unix()), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "no iat or nbf: lifetime from now", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", nil, "exp", now.Add(10*time.Minute).Unix()), app.Secret), keys: []Key{app}, wantKID: "k1"},
		{name: "fractional NumericDate", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", float64(now.Add(time.Minute).Unix())+0.5), app.Secret), keys: []Key{app}, wantKID: "k1",
			check: func(t *testing.T, c Claims) {
				if !c.ExpiresAt.Equal(now.Add(time.Minute + 500*time.Millisecond)) {
					t.Errorf("exp = %v", c.ExpiresAt)
				}
			}},
		{name: "jti and unknown claims", raw: hsToken(t, hdr("HS256"), with(nl3Claims(), "jti", "j-1", "otherClaim", map[string]any{"x": 1}), app.Secret), keys: []Key{app}, wantKID: "k1",
			check: func(t *testing.T, c Claims) {
				if c.ID != "j-1" {
					t.Errorf("jti = %q", c.ID)
				}
			}},
	}
	v := testVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, kid, err := v.Verify(tt.raw, tt.keys)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if kid != tt.wantKID {
				t.Errorf("kid = %q, want %q", kid, tt.wantKID)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

// rawJSON is a raw JSON value for claims, to put exact literals on the wire.
type rawJSON string

func (j rawJSON) MarshalJSON() ([]byte, error) { return []byte(j), nil }

func TestVerifyRejects(t *testing.T) {
	app := secretKey("k1", "app")
	other := secretKey("k2", "other")
	ec, ed := ecKey(t, "ec"), edKey(t, "ed")
	ecDER, err := x509.MarshalPKIXPublicKey(ec.Public)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	good := hsToken(t, hdr("HS256"), nl3Claims(), app.Secret)
	parts := strings.Split(good, ".")

	tests := []struct {
		name string
		raw  string
		keys []Key
		want error
	}{
		// missing and malformed
		{"empty", "", []Key{app}, ErrMissing},
		{"blank", "  ", []Key{app}, ErrMissing},
		{"one part", "abc", []Key{app}, ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], []Key{app}, ErrMalformed},
		{"four parts", good + ".x", []Key{app}, ErrMalformed},
		{"header not base64url", "!!." + parts[1] + "." + parts[2], []Key{app}, ErrMalformed},
		{"header padded", parts[0] + "=." + parts[1] + "." + parts[2], []Key{app}, ErrMalformed},
		{"header not JSON", b64([]byte("alg")) + "." + parts[1] + "." + parts[2], []Key{app}, ErrMalformed},
		{"header JSON null", b64([]byte("null")) + "." + parts[1] + "." + parts[2], []Key{app}, ErrMalformed},
		{"header JSON array", b64([]byte(`["HS256"]`)) + "." + parts[1] + "." + parts[2], []Key{app}, ErrMalformed},
		{"claims not JSON", parts[0] + "." + b64([]byte("{")) + "." + parts[2], []Key{app}, ErrMalformed},
		{"claims JSON string", parts[0] + "." + b64([]byte(`"x"`)) + "." + parts[2], []Key{app}, ErrMalformed},
		{"signature not base64url", parts[0] + "." + parts[1] + ".+/+/", []Key{app}, ErrMalformed},
		{"alg not a string", hsToken(t, map[string]any{"alg": 256}, nl3Claims(), app.Secret), []Key{app}, ErrMalformed},
		{"alg null", hsToken(t, map[string]any{"alg": nil}, nl3Claims(), app.Secret), []Key{app}, ErrMalformed},
		{"kid not a string", hsToken(t, map[string]any{"alg": "HS256", "kid": 1}, nl3Claims(), app.Secret), []Key{app}, ErrMalformed},
		{"crit header", hsToken(t, map[string]any{"alg": "HS256", "crit": []string{"b64"}, "b64": false}, nl3Claims(), app.Secret), []Key{app}, ErrMalformed},
		{"too long", hsToken(t, hdr("HS256"), with(nl3Claims(), "pad", strings.Repeat("x", MaxSize)), app.Secret), []Key{app}, ErrMalformed},

		// algorithm
		{"alg none", seg(t, hdr("none")) + "." + parts[1] + ".", []Key{app}, ErrAlgorithm},
		{"alg None", seg(t, hdr("None")) + "." + parts[1] + ".", []Key{app}, ErrAlgorithm},
		{"alg none with signature", hsToken(t, hdr("none"), nl3Claims(), app.Secret), []Key{app}, ErrAlgorithm},
		{"no alg", hsToken(t, map[string]any{"typ": "JWT"}, nl3Claims(), app.Secret), []Key{app}, ErrAlgorithm},
		{"HS512", hsToken(t, hdr("HS512"), nl3Claims(), app.Secret), []Key{app}, ErrAlgorithm},
		{"RS256", hsToken(t, hdr("RS256"), nl3Claims(), app.Secret), []Key{app}, ErrAlgorithm},
		{"lower-case hs256", hsToken(t, hdr("hs256"), nl3Claims(), app.Secret), []Key{app}, ErrAlgorithm},
		{"confusion: HS256 signed with the ES256 public key", hsToken(t, hdr("HS256"), nl3Claims(), ecDER), []Key{ec}, ErrAlgorithm},
		{"confusion: HS256 signed with the Ed25519 public key", hsToken(t, hdr("HS256"), nl3Claims(), []byte(ed.Public.(ed25519.PublicKey))), []Key{ed}, ErrAlgorithm},
		{"confusion: ES256 token for an HS256 key", signed(t, ec, hdr("ES256"), nl3Claims()), []Key{app}, ErrAlgorithm},
		{"confusion: EdDSA token for an ES256 key", signed(t, ed, hdr("EdDSA"), nl3Claims()), []Key{ec}, ErrAlgorithm},
		{"kid names a key of another algorithm", hsToken(t, hdrKID("HS256", "ec"), nl3Claims(), ecDER), []Key{app, ec}, ErrAlgorithm},

		// key selection and signature
		{"kid names no key", hsToken(t, hdrKID("HS256", "gone"), nl3Claims(), app.Secret), []Key{app}, ErrUnknownKey},
		{"no keys", good, nil, ErrUnknownKey},
		{"wrong secret", good, []Key{other}, ErrSignature},
		{"no key of several verifies", hsToken(t, hdr("HS256"), nl3Claims(), []byte("guess")), []Key{app, other}, ErrSignature},
		{"kid selects a key that does not verify", hsToken(t, hdrKID("HS256", "k2"), nl3Claims(), app.Secret), []Key{app, other}, ErrSignature},
		{"tampered claims", parts[0] + "." + seg(t, with(nl3Claims(), "sub", "root")) + "." + parts[2], []Key{app}, ErrSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", []Key{app}, ErrSignature},
		{"ES256 signature by another key", signed(t, ecKey(t, "x"), hdr("ES256"), nl3Claims()), []Key{ec}, ErrSignature},
		{"EdDSA signature by another key", signed(t, edKey(t, "x"), hdr("EdDSA"), nl3Claims()), []Key{ed}, ErrSignature},

		// required claims and types
		{"missing iss", hsToken(t, hdr("HS256"), with(nl3Claims(), "iss", nil), app.Secret), []Key{app}, ErrClaims},
		{"empty iss", hsToken(t, hdr("HS256"), with(nl3Claims(), "iss", ""), app.Secret), []Key{app}, ErrClaims},
		{"missing sub", hsToken(t, hdr("HS256"), with(nl3Claims(), "sub", nil), app.Secret), []Key{app}, ErrClaims},
		{"missing exp", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", nil), app.Secret), []Key{app}, ErrClaims},
		{"exp null", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", rawJSON("null")), app.Secret), []Key{app}, ErrClaims},
		{"iss a number", hsToken(t, hdr("HS256"), with(nl3Claims(), "iss", 7), app.Secret), []Key{app}, ErrClaims},
		{"sub an object", hsToken(t, hdr("HS256"), with(nl3Claims(), "sub", map[string]any{}), app.Secret), []Key{app}, ErrClaims},
		{"exp a numeric string", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", fmt.Sprint(now.Add(time.Minute).Unix())), app.Secret), []Key{app}, ErrClaims},
		{"exp out of range", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", rawJSON("1e400")), app.Secret), []Key{app}, ErrClaims},
		{"exp huge", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", rawJSON("99999999999999999999")), app.Secret), []Key{app}, ErrClaims},
		{"nbf a boolean", hsToken(t, hdr("HS256"), with(nl3Claims(), "nbf", true), app.Secret), []Key{app}, ErrClaims},
		{"iat a string", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", "yesterday"), app.Secret), []Key{app}, ErrClaims},
		{"aud a number", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", 1), app.Secret), []Key{app}, ErrClaims},
		{"aud array holding a number", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", []any{publicURL, 1}), app.Secret), []Key{app}, ErrClaims},
		{"jti a number", hsToken(t, hdr("HS256"), with(nl3Claims(), "jti", 1), app.Secret), []Key{app}, ErrClaims},

		// audience
		{"aud another server", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", "https://api.nextlevel3.com"), app.Secret), []Key{app}, ErrAudience},
		{"aud other scheme", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", "http://lock.example.com"), app.Secret), []Key{app}, ErrAudience},
		{"aud array none accepted", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", []string{"a", "b"}), app.Secret), []Key{app}, ErrAudience},
		{"aud empty array", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", []string{}), app.Secret), []Key{app}, ErrAudience},
		{"aud empty string", hsToken(t, hdr("HS256"), with(nl3Claims(), "aud", ""), app.Secret), []Key{app}, ErrAudience},

		// times
		{"expired beyond leeway", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", now.Add(-5*time.Minute).Unix(), "exp", now.Add(-61*time.Second).Unix()), app.Secret), []Key{app}, ErrExpired},
		{"expired long ago", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", 0, "exp", 60), app.Secret), []Key{app}, ErrExpired},
		{"nbf in the future", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", nil, "nbf", now.Add(61*time.Second).Unix()), app.Secret), []Key{app}, ErrNotYetValid},
		{"iat in the future", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", now.Add(2*time.Minute).Unix()), app.Secret), []Key{app}, ErrNotYetValid},
		{"lifetime from iat over 15m", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.Add(14*time.Minute+1*time.Second).Unix()), app.Secret), []Key{app}, ErrLifetime},
		{"lifetime from nbf over 15m", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", now.Unix(), "nbf", now.Add(-10*time.Minute).Unix(), "exp", now.Add(10*time.Minute).Unix()), app.Secret), []Key{app}, ErrLifetime},
		{"lifetime from now over 15m", hsToken(t, hdr("HS256"), with(nl3Claims(), "iat", nil, "exp", now.Add(16*time.Minute).Unix()), app.Secret), []Key{app}, ErrLifetime},
		{"enablement-style year-long token", hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.AddDate(1, 0, 0).Unix()), app.Secret), []Key{app}, ErrLifetime},
	}
	v := testVerifier(t)
	codes := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, kid, err := v.Verify(tt.raw, tt.keys)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if c.Issuer != "" || kid != "" {
				t.Errorf("rejection returned claims %+v, kid %q", c, kid)
			}
			code := Code(err)
			if code == "" || code == Code(ErrInvalid) || code != Code(tt.want) {
				t.Errorf("Code = %q, want %q", code, Code(tt.want))
			}
			msg := Message(err)
			if msg == "" {
				t.Error("empty Message")
			}
			for _, k := range tt.keys {
				if len(k.Secret) > 0 && (strings.Contains(msg, string(k.Secret)) || strings.Contains(msg, base64.StdEncoding.EncodeToString(k.Secret))) {
					t.Errorf("message %q contains the key", msg)
				}
			}
			codes[code] = true
		})
	}
	// Every kind Verify can return has been exercised.
	for _, k := range []error{ErrMissing, ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrClaims, ErrAudience, ErrExpired, ErrNotYetValid, ErrLifetime} {
		if !codes[Code(k)] {
			t.Errorf("no test case produced %v", k)
		}
	}
}

func TestVerifyClaimMessagesNameTheClaim(t *testing.T) {
	app := secretKey("k1", "app")
	v := testVerifier(t)
	for _, claim := range []string{"iss", "sub", "exp"} {
		_, _, err := v.Verify(hsToken(t, hdr("HS256"), with(nl3Claims(), claim, nil), app.Secret), []Key{app})
		if !errors.Is(err, ErrClaims) || !strings.Contains(Message(err), claim) {
			t.Errorf("missing %s: error %v", claim, err)
		}
	}
}

// TestVerifyBadKeyIsUnknownKey: a key whose material cannot verify leaves
// the token unauthenticated, so it is rejected exactly as a kid of no key
// is (same kind, same client-safe detail, whatever else is wrong with the
// token), and the error also says ErrBadKey for the server's log.
func TestVerifyBadKeyIsUnknownKey(t *testing.T) {
	v := testVerifier(t)
	empty := Key{KID: "empty", Algorithm: HS256}
	nowhere := Key{KID: "elsewhere", Algorithm: HS256, Secret: []byte("a usable secret of another kid...")}
	expired := with(nl3Claims(), "exp", now.Add(-time.Hour).Unix())
	for _, claims := range []map[string]any{nl3Claims(), expired} {
		// An empty HS256 secret must never verify, even a token MACed with
		// the empty key.
		_, _, err := v.Verify(hsToken(t, hdrKID("HS256", "empty"), claims, nil), []Key{empty})
		if !errors.Is(err, ErrBadKey) || !errors.Is(err, ErrUnknownKey) || Code(err) != "token_unknown_key" {
			t.Fatalf("empty secret: error %v", err)
		}
		// The same answer as for a kid that names no key at all.
		_, _, none := v.Verify(hsToken(t, hdrKID("HS256", "empty"), claims, nil), []Key{nowhere})
		if Code(none) != Code(err) || Message(none) != Message(err) {
			t.Fatalf("unusable key: %q %q; kid of no key: %q %q", Code(err), Message(err), Code(none), Message(none))
		}
		if strings.Contains(Message(err), "unusable") || strings.Contains(Message(err), "master key") {
			t.Fatalf("the client-safe message tells of the server's key: %q", Message(err))
		}
	}
	if _, _, err := v.Verify(hsToken(t, hdr("HS256"), nl3Claims(), nil), []Key{empty}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("a token naming no key, only a broken one there: error %v", err)
	}
	// A usable key next to the broken one still decides.
	_, _, err := v.Verify(hsToken(t, hdr("HS256"), nl3Claims(), nil), []Key{empty, secretKey("k", "k")})
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("with a usable key: error %v", err)
	}
	for _, k := range []Key{
		{KID: "ec-wrong-type", Algorithm: ES256, Public: edKey(t, "").Public},
		{KID: "ed-wrong-type", Algorithm: EdDSA, Public: ecKey(t, "").Public},
		{KID: "ed-short", Algorithm: EdDSA, Public: edKey(t, "").Public.(ed25519.PublicKey)[:16]},
	} {
		signer := map[string]Key{ES256: ecKey(t, ""), EdDSA: edKey(t, "")}[k.Algorithm]
		if _, _, err := v.Verify(signed(t, signer, hdrKID(k.Algorithm, k.KID), nl3Claims()), []Key{k}); !errors.Is(err, ErrBadKey) || !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s: error %v", k.KID, err)
		}
		if _, _, err := v.Verify(signed(t, signer, hdr(k.Algorithm), nl3Claims()), []Key{k}); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("%s, no kid: error %v", k.KID, err)
		}
	}
}

func TestVerifierSettings(t *testing.T) {
	app := secretKey("k1", "app")
	yearLong := hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.AddDate(1, 0, 0).Unix()), app.Secret)
	late := hsToken(t, hdr("HS256"), with(nl3Claims(), "exp", now.Add(-30*time.Second).Unix()), app.Secret)
	v := testVerifier(t)

	long := *v
	long.MaxLifetime = -1
	if _, _, err := long.Verify(yearLong, []Key{app}); err != nil {
		t.Errorf("negative MaxLifetime: %v", err)
	}
	strict := *v
	strict.Leeway = -1
	if _, _, err := strict.Verify(late, []Key{app}); !errors.Is(err, ErrExpired) {
		t.Errorf("negative Leeway: %v", err)
	}
	noAud := *v
	noAud.Audiences = nil
	if _, _, err := noAud.Verify(hsToken(t, hdr("HS256"), nl3Claims(), app.Secret), []Key{app}); !errors.Is(err, ErrAudience) {
		t.Errorf("no accepted audiences but aud present: %v", err)
	}
	var wall Verifier // zero value: wall clock and defaults
	fresh, err := Mint(app, Claims{Issuer: "i", Subject: "s", IssuedAt: time.Now().Add(-time.Minute), ExpiresAt: time.Now().Add(5 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wall.Verify(fresh, []Key{app}); err != nil {
		t.Errorf("zero Verifier: %v", err)
	}
}

func TestPeek(t *testing.T) {
	app := secretKey("k1", "app")
	tests := []struct {
		name     string
		raw      string
		iss, kid string
		want     error
	}{
		{"no kid", hsToken(t, hdr("HS256"), nl3Claims(), app.Secret), "app.example.com", "", nil},
		{"kid", hsToken(t, hdrKID("HS256", "k9"), nl3Claims(), []byte("any")), "app.example.com", "k9", nil},
		{"unsigned still peeks", seg(t, hdr("none")) + "." + seg(t, nl3Claims()) + ".", "app.example.com", "", nil},
		{"empty", "", "", "", ErrMissing},
		{"malformed", "a.b", "", "", ErrMalformed},
		{"no iss", hsToken(t, hdr("HS256"), with(nl3Claims(), "iss", nil), app.Secret), "", "", ErrClaims},
		{"iss not a string", hsToken(t, hdr("HS256"), with(nl3Claims(), "iss", []string{"a"}), app.Secret), "", "", ErrClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, kid, err := Peek(tt.raw)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Peek error = %v, want %v", err, tt.want)
			}
			if iss != tt.iss || kid != tt.kid {
				t.Errorf("Peek = %q, %q; want %q, %q", iss, kid, tt.iss, tt.kid)
			}
		})
	}
}

func TestCodes(t *testing.T) {
	kinds := []error{ErrInvalid, ErrMissing, ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrClaims,
		ErrAudience, ErrExpired, ErrNotYetValid, ErrLifetime, ErrUnknownIssuer, ErrKeyRevoked}
	seen := map[string]bool{}
	for _, k := range kinds {
		c := Code(k)
		if c == "" || seen[c] {
			t.Errorf("%v: code %q empty or duplicate", k, c)
		}
		seen[c] = true
		if !errors.Is(k, ErrInvalid) {
			t.Errorf("%v does not wrap ErrInvalid", k)
		}
		if Message(k) == "" {
			t.Errorf("%v: empty message", k)
		}
	}
	// Callers wrap with context; Code and Message see through it and keep
	// the context out of the client's message.
	err := fmt.Errorf("lookup issuer %q in tenant 42: %w", "app", ErrUnknownIssuer)
	if Code(err) != "token_unknown_issuer" || Message(err) != Message(ErrUnknownIssuer) {
		t.Errorf("wrapped: Code %q, Message %q", Code(err), Message(err))
	}
	detailed := fmt.Errorf("check: %w", reject.New(ErrExpired, "exp %s", "x"))
	if Code(detailed) != "token_expired" || strings.Contains(Message(detailed), "check:") {
		t.Errorf("detailed: Code %q, Message %q", Code(detailed), Message(detailed))
	}
	if Code(errors.New("other")) != "" || Message(errors.New("other")) != "" || Code(nil) != "" {
		t.Error("non-token errors must have no code or message")
	}
}

func TestAcceptedAudiences(t *testing.T) {
	tests := []struct {
		url   string
		extra []string
		want  []string
	}{
		{"http://127.0.0.1:8420", nil, []string{"http://127.0.0.1:8420", "http://127.0.0.1:8420/", "127.0.0.1:8420"}},
		{"https://lock.example.com/", []string{"api.nextlevel3.com", " ", "lock.example.com"},
			[]string{"https://lock.example.com", "https://lock.example.com/", "lock.example.com", "api.nextlevel3.com"}},
		{"https://Lock.Example.com/deadbolt/", nil, []string{
			"https://Lock.Example.com/deadbolt", "https://Lock.Example.com/deadbolt/", "Lock.Example.com",
			"https://lock.example.com/deadbolt", "https://lock.example.com/deadbolt/", "lock.example.com"}},
		{"HTTPS://[::1]:8443", nil, []string{"https://[::1]:8443", "https://[::1]:8443/", "[::1]:8443"}},
	}
	for _, tt := range tests {
		got, err := AcceptedAudiences(tt.url, tt.extra)
		if err != nil {
			t.Errorf("AcceptedAudiences(%q): %v", tt.url, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("AcceptedAudiences(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
	for _, bad := range []string{"", "lock.example.com", "ftp://x", "https://", "https://u:p@x", "https://x/?a=1", "https://x/#f", "://"} {
		if _, err := AcceptedAudiences(bad, nil); err == nil {
			t.Errorf("AcceptedAudiences(%q) accepted", bad)
		}
	}
}
