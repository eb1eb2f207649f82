package awstest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// IDP is a token issuer as a Cognito user pool is one: an RSA key, its
// JWKS served on loopback at URL, and tokens signed with it (RS256, the
// key's KID in the header).
type IDP struct {
	Key *rsa.PrivateKey
	KID string
	URL string // serves the JWKS at any path
}

// NewIDP makes a fresh key and serves its JWKS until the test ends.
func NewIDP(tb testing.TB) *IDP {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	p := &IDP{Key: key, KID: "pool-key-1"}
	body, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: p.KID, Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Sign returns a token of claims c signed with the pool's key.
func (p *IDP) Sign(tb testing.TB, c jwt.MapClaims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = p.KID
	s, err := tok.SignedString(p.Key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
