package portal_test

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// TestEnableAPIErrorPath: enableUser answers through the one error map,
// over real HTTP on a real SQLite store: a lower-case "bearer" scheme is a
// token like any other, a database conflict is 409 conflict (it was a
// 503), and an outage is 503 store_unavailable (it was "unavailable").
func TestEnableAPIErrorPath(t *testing.T) {
	e := newEnv(t, publicURL)
	srv := httptest.NewServer(e.enable)
	defer srv.Close()
	call := func(auth, tok, body string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/nl3/api/v1/sdk/enableUser", strings.NewReader(body))
		req.Header.Set(auth, tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("answer is not JSON: %d %s", resp.StatusCode, b)
		}
		return resp.StatusCode, resp.Header, m
	}

	for i, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		if code, _, m := call("Authorization", scheme+" "+e.mint(fmt.Sprintf("bearer-%d", i), nil), ``); code != http.StatusOK || m["status"] != "enabled" {
			t.Fatalf("Authorization: %s <token>: %d %v", scheme, code, m)
		}
	}
	if code, _, m := call("Authorization", "Basic "+e.mint("basic", nil), ``); code != http.StatusUnauthorized || m["error"] != "token_missing" {
		t.Fatalf("another scheme: %d %v", code, m)
	}

	// A uniqueness violation the database reports, as when another node
	// enrolled the account first: a partial unique index lets the
	// application have one account named race-*.
	db, err := sql.Open("sqlite", e.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE UNIQUE INDEX test_one_race ON accounts(app_id) WHERE name LIKE 'race-%'`); err != nil {
		t.Fatal(err)
	}
	if code, _, m := call("x-nl3-authorization-token", e.mint("race-1", nil), ``); code != http.StatusOK {
		t.Fatalf("first race account: %d %v", code, m)
	}
	code, _, m := call("x-nl3-authorization-token", e.mint("race-2", nil), ``)
	if code != http.StatusConflict || m["error"] != "conflict" {
		t.Fatalf("a conflict: %d %v, want 409 conflict", code, m)
	}
	if msg, _ := m["message"].(string); msg == "" || strings.Contains(msg, "UNIQUE") || strings.Contains(msg, "test_one_race") {
		t.Fatalf("the conflict's message: %q", msg)
	}
	if _, err := e.store.Account(t.Context(), e.app.ID, "race-2"); err == nil {
		t.Fatal("the refused enrollment was written")
	}

	// A key sealed under another master key is the operator's problem,
	// told as such, never as an outage.
	other, _ := seal.New(bytes.Repeat([]byte{3}, seal.KeySize))
	fk, fsecret, err := (&admin.Service{Store: e.store, Clock: e.clock, Box: other}).CreateKey(t.Context(), "test", e.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	foreign, err := token.Mint(token.Key{KID: fk.KID, Algorithm: "HS256", Secret: fsecret}, token.Claims{Issuer: issuer,
		Subject: "foreign", Audience: []string{publicURL}, IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	code, _, m = call("x-nl3-authorization-token", foreign, ``)
	if msg, _ := m["message"].(string); code != http.StatusUnauthorized || m["error"] != "token_unknown_key" || strings.Contains(msg, "could not reach") {
		t.Fatalf("a key sealed under another master key: %d %v, want 401 token_unknown_key (the token cannot be verified)", code, m)
	}

	tok := e.mint("outage", nil)
	e.store.Close()
	code, h, m := call("x-nl3-authorization-token", tok, ``)
	if code != http.StatusServiceUnavailable || m["error"] != "store_unavailable" || h.Get("Retry-After") == "" {
		t.Fatalf("an outage: %d %v %v, want 503 store_unavailable with Retry-After", code, h, m)
	}
}
