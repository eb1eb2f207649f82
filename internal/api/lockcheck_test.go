package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// throttled reports whether a, the answer to a junk token, was rate
// limited: a 429 with Retry-After and the code rate_limited. An answer
// other than that or a 401 fails t.
func throttled(t *testing.T, a answer) bool {
	t.Helper()
	switch {
	case a.status == http.StatusTooManyRequests:
		if a.header.Get("Retry-After") == "" || a.body["error"] != "rate_limited" {
			t.Fatalf("429 without Retry-After or code: %v %s", a.header, a.raw)
		}
		return true
	case a.status != http.StatusUnauthorized:
		t.Fatalf("junk token: %d %s", a.status, a.raw)
	}
	return false
}

// Junk tokens from one address must not make a valid token from that
// address answer 429: only failures are throttled.
func TestJunkDoesNotBlockValidToken(t *testing.T) {
	e := newEnv(t, ratelimit.New(0.001, 3, 0))
	e.enroll("alice", "")
	c := from("127.0.0.2")
	var limited int
	for range 60 {
		a := e.postFrom(c, api.PathProtectionCheck, "junk.junk.junk", `{}`, nil)
		if throttled(t, a) {
			limited++
		}
	}
	if limited != 57 {
		t.Fatalf("%d of 60 junk tokens throttled, want 57 (burst 3)", limited)
	}
	a := e.postFrom(c, api.PathProtectionCheck, e.mint(e.claims("alice")), `{}`, nil)
	if a.status != http.StatusOK || a.body["locked"] != true {
		t.Fatalf("valid token after junk from the same address: %d %s", a.status, a.raw)
	}
	// Another address is untouched.
	if a := e.postFrom(from("127.0.0.3"), api.PathProtectionCheck, "junk.junk.junk", `{}`, nil); a.status != http.StatusUnauthorized {
		t.Fatalf("junk from a fresh address: %d %s", a.status, a.raw)
	}
}

// The client address comes from X-Forwarded-For only for requests from a
// trusted proxy, and then it is the right-most untrusted hop; the check
// log and the failed-token limiter both use it.
func TestClientAddressBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, ratelimit.New(0.001, 2, 0), "127.0.0.2")
	e.enroll("alice", "")
	proxy, direct := from("127.0.0.2"), from("127.0.0.3")
	loggedIP := func(c *http.Client, xff string) string {
		t.Helper()
		a := e.postFrom(c, api.PathProtectionCheck, e.mint(e.claims("alice")), `{}`, map[string]string{"X-Forwarded-For": xff})
		if a.status != http.StatusOK {
			t.Fatalf("%d %s", a.status, a.raw)
		}
		rec, err := e.store.CheckRecord(context.Background(), a.body["sessionID"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return rec.IP
	}
	for _, tc := range []struct {
		name string
		c    *http.Client
		xff  string
		want string
	}{
		{"untrusted peer: XFF ignored", direct, "198.51.100.9", "127.0.0.3"},
		{"trusted proxy: its hop", proxy, "198.51.100.9", "198.51.100.9"},
		{"trusted proxy: spoofed left hops skipped", proxy, "1.1.1.1, 198.51.100.9", "198.51.100.9"},
		{"trusted proxy: trusted hops walked past", proxy, "1.1.1.1, 198.51.100.9, 127.0.0.2", "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loggedIP(tc.c, tc.xff); got != tc.want {
				t.Fatalf("check log IP %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("userIP in the body still wins", func(t *testing.T) {
		a := e.postFrom(proxy, api.PathProtectionCheck, e.mint(e.claims("alice")), `{"userIP":"203.0.113.50"}`,
			map[string]string{"X-Forwarded-For": "198.51.100.9"})
		rec, _ := e.store.CheckRecord(context.Background(), a.body["sessionID"].(string))
		if rec.IP != "203.0.113.50" {
			t.Fatalf("check log IP %s", rec.IP)
		}
	})

	junk := func(c *http.Client, xff string) int {
		return e.postFrom(c, api.PathProtectionCheck, "junk.junk.junk", `{}`, map[string]string{"X-Forwarded-For": xff}).status
	}
	t.Run("limiter keys on the forwarded client behind the proxy", func(t *testing.T) {
		for range 2 {
			junk(proxy, "198.51.100.1")
		}
		if s := junk(proxy, "198.51.100.1"); s != http.StatusTooManyRequests {
			t.Fatalf("third junk from the same client: %d", s)
		}
		if s := junk(proxy, "198.51.100.2"); s != http.StatusUnauthorized {
			t.Fatalf("another client behind the proxy was throttled: %d", s)
		}
	})
	t.Run("an untrusted peer cannot dodge the limiter with XFF", func(t *testing.T) {
		for i := range 2 {
			junk(direct, "192.0.2."+string(rune('1'+i)))
		}
		if s := junk(direct, "192.0.2.99"); s != http.StatusTooManyRequests {
			t.Fatalf("untrusted peer naming a new address in XFF: %d", s)
		}
	})
}

// The token's sub names the account. The body may name another only on the
// SDK path, and only when the application lets its server name accounts.
func TestBodyCannotNameAnotherAccount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	e.enroll("alice", "")
	bob, err := e.access.Enroll(ctx, "test", e.app, "bob", "")
	if err != nil {
		t.Fatal(err)
	}
	e.access.Unlock(ctx, "test", e.app, "bob", access.Unlock{Once: true})
	tok := e.mint(e.claims("alice"))
	bobRef := check.UserToken(bob.ID)

	for _, path := range []string{api.PathProtectionCheck, api.PathCheck} {
		for _, body := range []string{`{"userAccountId":"bob"}`, `{"nl3UserToken":"` + bobRef + `"}`} {
			t.Run("ignored on "+path+" "+body, func(t *testing.T) {
				a := e.post(path, tok, body)
				if a.status != http.StatusOK || a.body["locked"] != true {
					t.Fatalf("%d %s", a.status, a.raw)
				}
				rec, _ := e.store.CheckRecord(ctx, a.body["sessionID"].(string))
				if rec.Account != "alice" {
					t.Fatalf("decided for %q", rec.Account)
				}
			})
		}
	}
	for _, body := range []string{`{"userAccountId":"bob"}`, `{"nl3UserToken":"` + bobRef + `"}`} {
		t.Run("refused on the SDK path "+body, func(t *testing.T) {
			a := e.post(api.PathSDKLockCheck, tok, body)
			if a.status != http.StatusForbidden || a.body["error"] != "account_not_permitted" {
				t.Fatalf("%d %s", a.status, a.raw)
			}
		})
	}
	t.Run("SDK path naming the token's own account", func(t *testing.T) {
		a := e.post(api.PathSDKLockCheck, tok, `{"userAccountId":"alice"}`)
		if a.status != http.StatusOK || a.body["locked"] != true {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	// bob's once-unlock is still there: none of the above used it.
	e.admin.UpdateApp(ctx, "test", e.app.ID, func(a *store.Application) { a.ServerNamesAccounts = true })
	t.Run("SDK path, server names accounts", func(t *testing.T) {
		a := e.post(api.PathSDKLockCheck, tok, `{"nl3UserToken":"`+bobRef+`"}`)
		if a.status != http.StatusOK || a.body["locked"] != false {
			t.Fatalf("%d %s", a.status, a.raw)
		}
	})
	t.Run("other paths still take the sub", func(t *testing.T) {
		a := e.post(api.PathProtectionCheck, tok, `{"userAccountId":"bob"}`)
		rec, _ := e.store.CheckRecord(ctx, a.body["sessionID"].(string))
		if a.status != http.StatusOK || rec.Account != "alice" {
			t.Fatalf("%d %s %q", a.status, a.raw, rec.Account)
		}
	})
}

// Tokens meant for enablement links never serve a lock check: those typed
// enable+jwt, and any token the enablement flow retired.
func TestEnablementTokensRefused(t *testing.T) {
	e := newEnv(t, nil)
	e.enroll("alice", "")
	typed, err := token.MintEnablement(token.Key{Algorithm: "HS256", Secret: e.secret}, e.claims("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if a := e.post(api.PathProtectionCheck, typed, `{}`); a.status != http.StatusUnauthorized || a.body["error"] != "token_use" {
		t.Fatalf("typed enablement token: %d %s", a.status, a.raw)
	}

	c := e.claims("alice")
	plain := e.mint(c)
	c.IssuedAt = c.IssuedAt.Add(time.Second)
	other := e.mint(c)
	if a := e.post(api.PathProtectionCheck, plain, `{}`); a.status != http.StatusOK {
		t.Fatalf("before retiring: %d %s", a.status, a.raw)
	}
	tk, _ := token.Parse(plain)
	e.svc.Retire(tk.OneTimeKey(), c.ExpiresAt.Add(time.Minute))
	if a := e.post(api.PathProtectionCheck, plain, `{}`); a.status != http.StatusUnauthorized || a.body["error"] != "token_use" {
		t.Fatalf("retired token: %d %s", a.status, a.raw)
	}
	if a := e.post(api.PathProtectionCheck, other, `{}`); a.status != http.StatusOK {
		t.Fatalf("another token of the same account: %d %s", a.status, a.raw)
	}
}

// Every context field is capped before it is logged or put in an unlock
// request.
func TestContextIsBounded(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	acct, err := e.access.Enroll(ctx, "test", e.app, "dave", "dave@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	// dave's owner can sign in, so a locked check raises a request.
	m, _ := e.store.MemberByEmail(ctx, e.app.TenantID, "dave@acme.test")
	if err := e.store.Update(ctx, func(tx store.Tx) error {
		return tx.CreatePasskey(ctx, store.Passkey{ID: "pk1", TenantID: m.TenantID, MemberID: m.ID, Credential: []byte{1},
			CreatedAt: e.clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	long := func(n int) string { return strings.Repeat("é", n/2) + "x" }
	body := `{"userIP":"` + long(100) + `","userDevice":"` + long(3000) + `","userLocation":"` + long(1000) +
		`","integrationType":"` + long(200) + `","integrationData":{"blob":"` + strings.Repeat("y", 10000) + `"}}`
	a := e.post(api.PathProtectionCheck, e.mint(e.claims("dave")), body)
	if a.status != http.StatusOK || a.body["status"] != "pending_approval" {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	rec, err := e.store.CheckRecord(ctx, a.body["sessionID"].(string))
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.store.PendingRequest(ctx, acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name           string
		logged, raised string
		cap            int
	}{
		{"ip", rec.IP, req.IP, check.MaxIP},
		{"device", rec.Device, req.Device, check.MaxDevice},
		{"location", rec.Location, req.Location, check.MaxLocation},
		{"integration type", rec.IntegrationType, req.IntegrationType, check.MaxIntegrationType},
	} {
		for where, v := range map[string]string{"check log": f.logged, "unlock request": f.raised} {
			if len(v) > f.cap || len(v) < f.cap-4 || !strings.HasSuffix(v, "…") || !strings.HasPrefix(v, "éé") {
				t.Errorf("%s in the %s: %d bytes %q, want cut to at most %d ending in …", f.name, where, len(v), v, f.cap)
			}
		}
	}
}

func TestBoundIntegrationData(t *testing.T) {
	small := check.Request{IntegrationData: `{ "a" : [1, 2] }`}.Bound()
	if small.IntegrationData != `{"a":[1,2]}` {
		t.Fatalf("small data: %s", small.IntegrationData)
	}
	big := check.Request{IntegrationData: `{"blob":"` + strings.Repeat("y", 5000) + `"}`}.Bound()
	if big.IntegrationData != `{"truncated":true,"bytes":5011}` {
		t.Fatalf("large data: %s", big.IntegrationData)
	}
	if nul := (check.Request{Device: "a\x00b"}).Bound(); nul.Device != "ab" {
		t.Fatalf("NUL kept: %q", nul.Device)
	}
}
