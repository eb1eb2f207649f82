package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDecisionTable drives design §3 through HTTP on real SQLite.
func TestDecisionTable(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		setup      func(e *env)
		account    string
		wantLocked bool
		wantStatus string
	}{
		{"unenrolled, app allows", nil, "nobody", false, "not_enrolled"},
		{"unenrolled, app denies", func(e *env) {
			e.admin.UpdateApp(ctx, "test", e.app.ID, func(a *store.Application) { a.Unenrolled = store.UnenrolledDeny })
		}, "nobody", true, "not_enrolled"},
		{"enrolled starts locked", func(e *env) { e.enroll("alice", "") }, "alice", true, "locked"},
		{"unlocked for 15m", func(e *env) {
			e.enroll("alice", "")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: 15 * time.Minute})
		}, "alice", false, "unlocked"},
		{"unlock expired", func(e *env) {
			e.enroll("alice", "")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: 15 * time.Minute})
			e.clock.Advance(15 * time.Minute)
		}, "alice", true, "locked"},
		{"locked after unlock", func(e *env) {
			e.enroll("alice", "")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Hour})
			e.access.Lock(ctx, "test", e.app, "alice")
		}, "alice", true, "locked"},
		{"application lockdown beats unlock", func(e *env) {
			e.enroll("alice", "")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Hour})
			e.admin.UpdateApp(ctx, "test", e.app.ID, func(a *store.Application) { a.LockedDown = true })
		}, "alice", true, "lockdown"},
		{"owner's lock everything", func(e *env) {
			e.enroll("alice", "alice@acme.test")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Hour})
			m, _ := e.store.MemberByEmail(ctx, e.app.TenantID, "alice@acme.test")
			e.access.LockEverything(ctx, "test", m.ID, true)
		}, "alice", true, "lockdown"},
		{"lock everything lifted: still locked", func(e *env) {
			e.enroll("alice", "alice@acme.test")
			e.access.Unlock(ctx, "test", e.app, "alice", access.Unlock{For: time.Hour})
			m, _ := e.store.MemberByEmail(ctx, e.app.TenantID, "alice@acme.test")
			e.access.LockEverything(ctx, "test", m.ID, true)
			e.access.LockEverything(ctx, "test", m.ID, false)
		}, "alice", true, "locked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tt.setup != nil {
				tt.setup(e)
			}
			a := e.check(tt.account)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
			if a.body["locked"] != tt.wantLocked || a.body["status"] != tt.wantStatus {
				t.Fatalf("got locked=%v status=%v, want %v %v", a.body["locked"], a.body["status"], tt.wantLocked, tt.wantStatus)
			}
			// Every decision is in the check log, with its context.
			rec, err := e.store.CheckRecord(ctx, a.body["sessionID"].(string))
			if err != nil {
				t.Fatalf("decision not in check log: %v", err)
			}
			if rec.Locked != tt.wantLocked || rec.Status != tt.wantStatus || rec.IP != "203.0.113.7" || rec.IntegrationType != "cognito" || rec.KID != e.kid {
				t.Fatalf("check log record = %+v", rec)
			}
		})
	}
}

func TestOnceGrantOpensExactlyOneCheck(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	if _, err := e.access.Unlock(context.Background(), "test", e.app, "alice", access.Unlock{Once: true}); err != nil {
		t.Fatal(err)
	}
	const n = 24
	var wg sync.WaitGroup
	results := make(chan answer, n)
	for range n {
		wg.Add(1)
		go func() { defer wg.Done(); results <- e.check("alice") }()
	}
	wg.Wait()
	close(results)
	unlocked := 0
	for a := range results {
		if a.status != http.StatusOK {
			t.Fatalf("status %d: %s", a.status, a.raw)
		}
		if a.body["locked"] == false {
			unlocked++
		}
	}
	if unlocked != 1 {
		t.Fatalf("%d of %d concurrent checks passed on a once-unlock, want exactly 1", unlocked, n)
	}
	if a := e.check("alice"); a.body["locked"] != true {
		t.Fatal("once-unlock opened a later check")
	}
}

// rawToken builds a token by hand so tests can break any part of it.
func rawToken(header, claims map[string]any, secret []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func TestTokenRejections(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	now := e.clock.Now()
	base := func() map[string]any {
		return map[string]any{"iss": issuer, "sub": "alice", "aud": publicURL,
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}
	}
	with := func(k string, v any) map[string]any {
		c := base()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	hs := map[string]any{"alg": "HS256", "typ": "JWT"}
	ecKID := e.registerEC()

	revoked, revokedSecret, _ := e.admin.CreateKey(context.Background(), "test", e.app, time.Time{})
	e.admin.RevokeKey(context.Background(), "test", revoked.KID)

	tests := []struct {
		name, tok, code string
	}{
		{"no token", "", "token_missing"},
		{"garbage", "not-a-jwt", "token_malformed"},
		{"alg none", rawToken(map[string]any{"alg": "none"}, base(), nil), "token_algorithm"},
		{"wrong secret", rawToken(hs, base(), []byte("wrong-secret-wrong-secret-wrong!")), "token_signature"},
		{"unknown issuer", rawToken(hs, with("iss", "https://other.test"), e.secret), "token_unknown_issuer"},
		{"revoked key", rawToken(hs, base(), revokedSecret), "token_key_revoked"},
		{"expired", rawToken(hs, with("exp", now.Add(-2*time.Minute).Unix()), e.secret), "token_expired"},
		{"lives over 15 minutes", rawToken(hs, with("exp", now.Add(20*time.Minute).Unix()), e.secret), "token_lifetime"},
		{"issued in the future", rawToken(hs, with("iat", now.Add(2*time.Minute).Unix()), e.secret), "token_not_yet_valid"},
		{"nbf in the future", rawToken(hs, with("nbf", now.Add(2*time.Minute).Unix()), e.secret), "token_not_yet_valid"},
		{"no sub", rawToken(hs, with("sub", nil), e.secret), "token_claims"},
		{"no exp", rawToken(hs, with("exp", nil), e.secret), "token_claims"},
		{"no iss", rawToken(hs, with("iss", nil), e.secret), "token_claims"},
		{"wrong audience", rawToken(hs, with("aud", "https://api.example.com"), e.secret), "token_audience"},
		// Algorithm confusion: an HS256 token "signed" with the ES256 key's
		// public key bytes must not verify against that key.
		{"HS256 naming the ES256 key", rawToken(map[string]any{"alg": "HS256", "kid": ecKID}, base(), e.secret), "token_algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.post(api.PathProtectionCheck, tt.tok, `{}`)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", a.status, a.raw)
			}
			if a.body["error"] != tt.code {
				t.Fatalf("error %v, want %s (%s)", a.body["error"], tt.code, a.raw)
			}
			if msg, _ := a.body["message"].(string); msg == "" {
				t.Fatal("no message saying which check failed")
			}
			if _, ok := a.body["locked"]; ok {
				t.Fatal("an error answer carries a decision")
			}
		})
	}
}

func TestTokenAcceptance(t *testing.T) {
	e := newEnv(t, nil)
	now := e.clock.Now()
	hs := map[string]any{"alg": "HS256", "typ": "JWT"}
	ecKID := e.registerEC()
	ecTok, err := token.Mint(token.Key{KID: ecKID, Algorithm: "ES256", PrivateKey: e.ecKey}, e.claims("alice"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"NL3 Python style (iat)":    rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "aud": publicURL, "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}, e.secret),
		"NL3 Node style (nbf)":      rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "aud": publicURL + "/", "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix()}, e.secret),
		"bare host audience":        rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "aud": "deadbolt.test:8420", "exp": now.Add(5 * time.Minute).Unix()}, e.secret),
		"audience array":            rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "aud": []string{"x", publicURL}, "exp": now.Add(time.Minute).Unix()}, e.secret),
		"no audience":               rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "exp": now.Add(time.Minute).Unix()}, e.secret),
		"registered ES256 key":      ecTok,
		"expired within the leeway": rawToken(hs, map[string]any{"iss": issuer, "sub": "a", "exp": now.Add(-30 * time.Second).Unix()}, e.secret),
	} {
		t.Run(name, func(t *testing.T) {
			if a := e.post(api.PathProtectionCheck, tok, ``); a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.raw)
			}
		})
	}
}

func TestPathsAndBodies(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	e.enroll("bob", "")
	e.access.Unlock(context.Background(), "test", e.app, "bob", access.Unlock{})
	tok := e.mint(e.claims("alice"))

	t.Run("SDK path takes userAccountId when the server names accounts", func(t *testing.T) {
		e.admin.UpdateApp(context.Background(), "test", e.app.ID, func(a *store.Application) { a.ServerNamesAccounts = true })
		defer e.admin.UpdateApp(context.Background(), "test", e.app.ID, func(a *store.Application) { a.ServerNamesAccounts = false })
		a := e.post(api.PathSDKLockCheck, tok, `{"userAccountId":"bob"}`)
		if a.status != 200 || a.body["locked"] != false {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("native path with Bearer", func(t *testing.T) {
		req, _ := http.NewRequest("POST", e.srv.URL+api.PathCheck, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	})
	t.Run("context fields may be objects; unknown fields ignored", func(t *testing.T) {
		a := e.post(api.PathProtectionCheck, tok, `{"userLocation":{"lat":1.5,"long":2},"integrationData":{"x":[1]},"extra":true}`)
		if a.status != 200 {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		rec, _ := e.store.CheckRecord(context.Background(), a.body["sessionID"].(string))
		if rec.Location != `{"lat":1.5,"long":2}` {
			t.Fatalf("location logged as %q", rec.Location)
		}
	})
	for name, tc := range map[string]struct {
		body string
		code int
		err  string
	}{
		"malformed JSON":  {`{"userIP":`, 400, "malformed_body"},
		"wrong JSON type": {`[1,2]`, 400, "malformed_body"},
		"too large":       {`{"integrationData":"` + strings.Repeat("x", api.MaxBody) + `"}`, 413, "body_too_large"},
	} {
		t.Run(name, func(t *testing.T) {
			a := e.post(api.PathProtectionCheck, tok, tc.body)
			if a.status != tc.code || a.body["error"] != tc.err {
				t.Fatalf("%d %s, want %d %s", a.status, a.raw, tc.code, tc.err)
			}
		})
	}
	t.Run("disabled application answers 403", func(t *testing.T) {
		e.admin.UpdateApp(context.Background(), "test", e.app.ID, func(a *store.Application) { a.Enabled = false })
		a := e.post(api.PathProtectionCheck, tok, `{}`)
		if a.status != 403 || a.body["error"] != "application_disabled" {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
}

func TestStoreDownAnswers503(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.mint(e.claims("alice"))
	e.store.Close()
	a := e.post(api.PathProtectionCheck, tok, `{}`)
	if a.status != http.StatusServiceUnavailable || a.body["error"] != "store_unavailable" || a.header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", a.status, a.header, a.raw)
	}
}

func TestFailedTokensAreRateLimited(t *testing.T) {
	e := newEnv(t, ratelimit.New(0.001, 3, 0))
	for range 3 {
		if a := e.post(api.PathProtectionCheck, "bad", `{}`); a.status != 401 {
			t.Fatalf("status %d", a.status)
		}
	}
	a := e.post(api.PathProtectionCheck, "bad", `{}`)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || a.body["error"] != "rate_limited" {
		t.Fatalf("%d %v %s", a.status, a.header, a.raw)
	}
}

// TestGoldenAnswers pins the JSON people's integrations parse.
func TestGoldenAnswers(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	e.enroll("bob", "")
	e.access.Unlock(context.Background(), "test", e.app, "bob", access.Unlock{})
	sid := regexp.MustCompile(`"sessionID":"[0-9a-f-]{36}"`)
	cases := map[string]answer{
		"locked":       e.check("alice"),
		"unlocked":     e.check("bob"),
		"not_enrolled": e.check("carol"),
		"token_error":  e.post(api.PathProtectionCheck, "x.y.z", `{}`),
		"bad_body":     e.post(api.PathProtectionCheck, e.mint(e.claims("alice")), `{`),
	}
	for name, a := range cases {
		t.Run(name, func(t *testing.T) {
			got := sid.ReplaceAll(a.raw, []byte(`"sessionID":"SESSION"`))
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				os.WriteFile(path, got, 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create)", err)
			}
			if string(got) != string(want) {
				t.Fatalf("answer changed:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestPeekHasNoSideEffects(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	e.access.Unlock(context.Background(), "test", e.app, "alice", access.Unlock{Once: true})
	tok := e.mint(e.claims("alice"))
	for range 3 {
		if a := e.post(api.PathCheck, tok, `{"peek":true}`); a.status != 200 || a.body["locked"] != false {
			t.Fatalf("peek: %d %s", a.status, a.raw)
		}
	}
	if a := e.check("alice"); a.body["locked"] != false {
		t.Fatal("peeking used up the once-unlock")
	}
	if a := e.post(api.PathCheck, tok, `{"peek":true}`); a.body["locked"] != true {
		t.Fatal("once-unlock still open after a real check")
	}
}
