package token

import (
	"crypto/elliptic"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"
)

const b64url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// reencodings returns every other spelling of raw's signature that a
// lenient base64url decoder reads as the same bytes (the unused trailing
// bits set differently).
func reencodings(t *testing.T, raw string) []string {
	t.Helper()
	i := strings.LastIndexByte(raw, '.')
	sig := raw[i+1:]
	want, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range b64url {
		alt := sig[:len(sig)-1] + string(c)
		if alt == sig {
			continue
		}
		if got, err := base64.RawURLEncoding.DecodeString(alt); err == nil && string(got) == string(want) {
			out = append(out, raw[:i+1]+alt)
		}
	}
	return out
}

// Finding: enablement links replayed 4 times (HS256) or 16 times (ES256,
// EdDSA) with a re-encoded signature. Decoding is strict now.
func TestSignatureReencodingRefused(t *testing.T) {
	v := testVerifier(t)
	for _, tc := range []struct {
		k    Key
		alts int
	}{{secretKey("k1", "s"), 3}, {ecKey(t, "k2"), 15}, {edKey(t, "k3"), 15}} {
		t.Run(tc.k.Algorithm, func(t *testing.T) {
			raw := signed(t, tc.k, hdr(tc.k.Algorithm), nl3Claims())
			if _, _, err := v.Verify(raw, []Key{tc.k}); err != nil {
				t.Fatalf("original: %v", err)
			}
			alts := reencodings(t, raw)
			if len(alts) != tc.alts {
				t.Fatalf("%d lenient re-encodings, want %d", len(alts), tc.alts)
			}
			for _, alt := range alts {
				if _, _, err := v.Verify(alt, []Key{tc.k}); !errors.Is(err, ErrMalformed) {
					t.Fatalf("re-encoded signature: %v, want ErrMalformed", err)
				}
			}
		})
	}
}

func TestOneTimeKey(t *testing.T) {
	k := secretKey("k1", "s")
	withJTI, _ := Parse(signed(t, k, hdr(HS256), with(nl3Claims(), "jti", "abc")))
	if got := withJTI.OneTimeKey(); got != "jti:app.example.com:abc" {
		t.Fatalf("with jti: %s", got)
	}
	a, _ := Parse(signed(t, k, hdr(HS256), nl3Claims()))
	b, _ := Parse(signed(t, k, hdr(HS256), with(nl3Claims(), "sub", "bob")))
	if a.OneTimeKey() == b.OneTimeKey() || !strings.HasPrefix(a.OneTimeKey(), "sig:") {
		t.Fatalf("keys %s %s", a.OneTimeKey(), b.OneTimeKey())
	}
}

// An ES256 signature (r, s) also verifies as (r, n−s): both spellings must
// have one one-time key.
func TestOneTimeKeyES256Malleability(t *testing.T) {
	k := ecKey(t, "k1")
	v := testVerifier(t)
	raw := signed(t, k, hdr(ES256), nl3Claims())
	i := strings.LastIndexByte(raw, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(raw[i+1:])
	n := elliptic.P256().Params().N
	flipped := make([]byte, 64)
	copy(flipped, sig[:32])
	new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:])).FillBytes(flipped[32:])
	alt := raw[:i+1] + base64.RawURLEncoding.EncodeToString(flipped)
	if _, _, err := v.Verify(alt, []Key{k}); err != nil {
		t.Fatalf("(r, n−s) should verify (that is the point): %v", err)
	}
	t1, _ := Parse(raw)
	t2, _ := Parse(alt)
	if t1.OneTimeKey() != t2.OneTimeKey() {
		t.Fatal("(r, s) and (r, n−s) have different one-time keys")
	}
}

func TestMintEnablement(t *testing.T) {
	k := secretKey("", "s")
	c := Claims{Issuer: "app.example.com", Subject: "alice", ExpiresAt: now.Add(5 * 60e9)}
	raw, err := MintEnablement(k, c)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := Parse(raw)
	if !tok.IsEnablement() {
		t.Fatalf("typ %q", tok.Type)
	}
	plain, _ := Mint(k, c)
	if tok, _ := Parse(plain); tok.IsEnablement() {
		t.Fatal("a plain token reads as an enablement token")
	}
	for _, typ := range []string{"enable+jwt", "ENABLE+JWT", "application/enable+jwt"} {
		tok, _ := Parse(hsToken(t, map[string]any{"alg": HS256, "typ": typ}, nl3Claims(), k.Secret))
		if !tok.IsEnablement() {
			t.Errorf("typ %q not recognised", typ)
		}
	}
}
