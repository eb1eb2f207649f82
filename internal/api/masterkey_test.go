package api_test

import (
	"bytes"
	"net/http"
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
	if a.status != http.StatusInternalServerError || a.body["error"] != "key_unusable" {
		t.Fatalf("a token naming the unusable key: %d %s, want 500 key_unusable", a.status, a.raw)
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
