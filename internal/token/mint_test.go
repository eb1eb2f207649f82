package token

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestMintRoundTrip(t *testing.T) {
	v := testVerifier(t)
	c := Claims{
		Issuer:    "app.example.com",
		Subject:   "alice",
		Audience:  []string{publicURL},
		IssuedAt:  now.Add(-time.Minute),
		ExpiresAt: now.Add(5 * time.Minute),
		ID:        "j1",
	}
	for _, k := range []Key{secretKey("hs", "s"), ecKey(t, "ec"), edKey(t, "ed"), secretKey("", "no kid")} {
		t.Run(k.Algorithm+"/"+k.KID, func(t *testing.T) {
			raw, err := Mint(k, c)
			if err != nil {
				t.Fatal(err)
			}
			got, kid, err := v.Verify(raw, []Key{k})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if kid != k.KID || fmt.Sprint(got) != fmt.Sprint(c) {
				t.Errorf("got %+v kid %q, want %+v", got, kid, c)
			}
			if _, peekKID, _ := Peek(raw); peekKID != k.KID {
				t.Errorf("header kid = %q", peekKID)
			}
		})
	}
	multi := c
	multi.Audience = []string{"a", publicURL}
	multi.IssuedAt, multi.NotBefore = time.Time{}, now.Add(-time.Minute)
	raw, err := Mint(secretKey("hs", "s"), multi)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := v.Verify(raw, []Key{secretKey("hs", "s")}); err != nil || len(got.Audience) != 2 || !got.NotBefore.Equal(multi.NotBefore) {
		t.Errorf("multi aud: %+v, %v", got, err)
	}
}

func TestMintRefuses(t *testing.T) {
	ok := Claims{Issuer: "i", Subject: "s", ExpiresAt: now}
	tests := []struct {
		name string
		k    Key
		c    Claims
	}{
		{"no issuer", secretKey("k", "k"), Claims{Subject: "s", ExpiresAt: now}},
		{"no subject", secretKey("k", "k"), Claims{Issuer: "i", ExpiresAt: now}},
		{"no expiry", secretKey("k", "k"), Claims{Issuer: "i", Subject: "s"}},
		{"empty secret", Key{Algorithm: HS256}, ok},
		{"unknown algorithm", Key{Algorithm: "RS256", Secret: []byte("x")}, ok},
		{"ES256 without private key", Key{Algorithm: ES256, Public: ecKey(t, "").Public}, ok},
		{"ES256 with an Ed25519 key", Key{Algorithm: ES256, PrivateKey: edKey(t, "").PrivateKey}, ok},
		{"EdDSA with an ECDSA key", Key{Algorithm: EdDSA, PrivateKey: ecKey(t, "").PrivateKey}, ok},
	}
	for _, tt := range tests {
		if _, err := Mint(tt.k, tt.c); err == nil {
			t.Errorf("%s: Mint succeeded", tt.name)
		}
	}
	if _, err := Mint(Key{Algorithm: HS256}, ok); !errors.Is(err, ErrBadKey) {
		t.Errorf("empty secret: %v", err)
	}
}

func TestKeyFormattingHidesMaterial(t *testing.T) {
	k := secretKey("k1", "app")
	k.Secret = []byte("super-secret-bytes")
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), fmt.Sprint([]Key{k})} {
		if strings.Contains(s, "super-secret") || !strings.Contains(s, "k1") {
			t.Errorf("formatted key %q", s)
		}
	}
}
