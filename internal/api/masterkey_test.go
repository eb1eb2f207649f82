package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// TestKeySealedUnderAnotherMasterKey: a signing key written by a process
// that held another master key does not take its application down (it
// answered 503 for every check, even once revoked); a token that names
// that key is told so with its own code, not as a database outage; and
// the key can be revoked and deleted.
func TestKeySealedUnderAnotherMasterKey(t *testing.T) {
	e := newEnv(t, nil)
	ctx := t.Context()
	other, _ := seal.New(bytes.Repeat([]byte{2}, seal.KeySize))
	foreign := &admin.Service{Store: e.store, Clock: e.clock, Box: other}
	fk, fsecret, err := foreign.CreateKey(ctx, "test", e.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"userIP":"203.0.113.7","integrationType":"cognito"}`
	mintWith := func(kid string, secret []byte) string {
		raw, err := token.Mint(token.Key{KID: kid, Algorithm: "HS256", Secret: secret}, e.claims("alice"))
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for name, tok := range map[string]string{
		"no kid, the good key": e.mint(e.claims("alice")),
		"kid of the good key":  mintWith(e.kid, e.secret),
	} {
		if a := e.post(api.PathProtectionCheck, tok, body); a.status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, a.status, a.raw)
		}
	}
	a := e.post(api.PathProtectionCheck, mintWith(fk.KID, fsecret), body)
	if a.status != http.StatusUnauthorized || a.body["error"] != "token_unknown_key" {
		t.Fatalf("a token naming the unusable key: %d %s, want 401 token_unknown_key", a.status, a.raw)
	}
	// Revoked, then deleted: the good key keeps answering, and the bad
	// one is gone.
	if _, err := e.admin.RevokeKey(ctx, "test", fk.KID); err != nil {
		t.Fatal(err)
	}
	if a := e.post(api.PathProtectionCheck, e.mint(e.claims("alice")), body); a.status != http.StatusOK {
		t.Fatalf("after revoking the unusable key: %d %s", a.status, a.raw)
	}
	if _, err := e.admin.DeleteKey(ctx, "test", fk.KID); err != nil {
		t.Fatal(err)
	}
	a = e.post(api.PathProtectionCheck, mintWith(fk.KID, fsecret), body)
	if a.status != http.StatusUnauthorized || a.body["error"] != "token_unknown_key" {
		t.Fatalf("a token naming the deleted key: %d %s", a.status, a.raw)
	}
}

// TestUnusableKeyIsRefusedLikeAnUnknownKid: a token that names a key the
// server cannot open cannot be verified, so it may be anyone's: whatever
// its signature and claims, it gets the answer a kid of no key gets (401
// token_unknown_key, the same message), never a 500 and never a word about
// the server's keys. (The operator hears of the key in the log.)
func TestUnusableKeyIsRefusedLikeAnUnknownKid(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	other, _ := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	foreign := &admin.Service{Store: e.store, Clock: e.clock, Box: other}
	fk, fsecret, err := foreign.CreateKey(t.Context(), "test", e.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": issuer, "sub": "alice", "aud": publicURL,
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if mod != nil {
			mod(c)
		}
		return c
	}
	naming := func(kid, alg string) map[string]any { return map[string]any{"alg": alg, "typ": "JWT", "kid": kid} }
	// What a kid of no key is told: the unusable key's answer must match.
	none := e.post(api.PathProtectionCheck, rawToken(naming(fk.KID+"x", "HS256"), claims(nil), fsecret), `{}`)
	wantMsg := strings.ReplaceAll(none.body["message"].(string), fk.KID+"x", fk.KID)
	tests := []struct {
		name   string
		tok    string
		status int
		code   string
	}{
		{"its own secret", rawToken(naming(fk.KID, "HS256"), claims(nil), fsecret), 401, "token_unknown_key"},
		{"any signature", rawToken(naming(fk.KID, "HS256"), claims(nil), []byte("anything-anything-anything-32by")), 401, "token_unknown_key"},
		{"expired", rawToken(naming(fk.KID, "HS256"), claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }), fsecret), 401, "token_unknown_key"},
		{"another audience", rawToken(naming(fk.KID, "HS256"), claims(func(c map[string]any) { c["aud"] = "https://elsewhere.test" }), fsecret), 401, "token_unknown_key"},
		{"no sub", rawToken(naming(fk.KID, "HS256"), claims(func(c map[string]any) { delete(c, "sub") }), fsecret), 401, "token_unknown_key"},
		{"another alg (as for a usable key)", rawToken(naming(fk.KID, "ES256"), claims(nil), fsecret), 401, "token_algorithm"},
		{"alg none", rawToken(naming(fk.KID, "none"), claims(nil), nil), 401, "token_algorithm"},
		{"a kid of no key", rawToken(naming("no-such-kid", "HS256"), claims(nil), fsecret), 401, "token_unknown_key"},
		{"another issuer", rawToken(naming(fk.KID, "HS256"), claims(func(c map[string]any) { c["iss"] = "https://other.test" }), fsecret), 401, "token_unknown_issuer"},
		{"garbage", "garbage.garbage.garbage", 401, "token_malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.post(api.PathProtectionCheck, tc.tok, `{}`)
			if a.status != tc.status || a.body["error"] != tc.code {
				t.Fatalf("%d %s, want %d %s", a.status, a.raw, tc.status, tc.code)
			}
			msg, _ := a.body["message"].(string)
			if tc.code == "token_unknown_key" && tc.name != "a kid of no key" && msg != wantMsg {
				t.Fatalf("message %q differs from a kid of no key's %q", msg, wantMsg)
			}
			if strings.Contains(msg, "master key") || strings.Contains(msg, "unusable") {
				t.Fatalf("message %q tells an unauthenticated caller about the server's keys", msg)
			}
		})
	}
}
