package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// now is the fixed clock every test uses.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const publicURL = "https://lock.example.com"

func testVerifier(t testing.TB) *Verifier {
	t.Helper()
	auds, err := AcceptedAudiences(publicURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Verifier{Audiences: auds, Now: func() time.Time { return now }}
}

func secretKey(kid, seed string) Key {
	sum := sha256.Sum256([]byte(seed))
	return Key{KID: kid, Algorithm: HS256, Secret: sum[:]}
}

func ecKey(t testing.TB, kid string) Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{KID: kid, Algorithm: ES256, Public: &priv.PublicKey, PrivateKey: priv}
}

func edKey(t testing.TB, kid string) Key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return Key{KID: kid, Algorithm: EdDSA, Public: pub, PrivateKey: priv}
}

func seg(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hsToken builds a token from arbitrary header and claims, HMAC-SHA256
// signed with secret whatever the header says, so tests can forge headers.
func hsToken(t testing.TB, header, claims any, secret []byte) string {
	t.Helper()
	input := seg(t, header) + "." + seg(t, claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// signed builds a token from arbitrary header and claims signed by k with
// its own algorithm.
func signed(t testing.TB, k Key, header, claims any) string {
	t.Helper()
	m, material, err := k.signingKey()
	if err != nil {
		t.Fatal(err)
	}
	input := seg(t, header) + "." + seg(t, claims)
	sig, err := m.Sign(input, material)
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func hdr(alg string) map[string]any { return map[string]any{"typ": "JWT", "alg": alg} }

func hdrKID(alg, kid string) map[string]any {
	h := hdr(alg)
	h["kid"] = kid
	return h
}

// nl3Claims are the claims of the Python (iat) NL3 sample.
func nl3Claims() map[string]any {
	return map[string]any{
		"iss": "app.example.com",
		"sub": "alice",
		"aud": publicURL,
		"iat": now.Add(-60 * time.Second).Unix(),
		"exp": now.Add(5 * time.Minute).Unix(),
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

var _ = jwt.SigningMethodHS256 // the package under test builds on jwt/v5
