package mgmtapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

type auditRecord = audit.Record

// TestTokenHeaders: the token is accepted in each of the three headers.
func TestTokenHeaders(t *testing.T) {
	e := newEnv(t, nil)
	secret := e.token(e.tenant, apitoken.RoleAuditor)
	for _, h := range [][]string{bearer(secret), {"x-nl3-api-token", secret}, {"x-nl3-server-api-token", secret}} {
		got := e.do("GET", "/api/v1/whoami", nil, h...)
		if got.status != http.StatusOK || got.json(t)["tenant"] != "acme" {
			t.Errorf("%s: %d %s", h[0], got.status, got.body)
		}
	}
	got := e.do("GET", "/api/v1/whoami", nil, bearer("dbt_not-a-token")...)
	if got.status != http.StatusUnauthorized || got.json(t)["error"] != "unauthenticated" {
		t.Errorf("unknown token: %d %s", got.status, got.body)
	}
}

// TestCustomScopes: a token with scopes and no role can do exactly what
// its scopes allow.
func TestCustomScopes(t *testing.T) {
	e := newEnv(t, nil)
	secret := e.token(e.tenant, "", "applications:write")
	if got := e.do("POST", "/api/v1/applications", map[string]any{"name": "Wiki", "issuer": "https://wiki.acme.test"}, bearer(secret)...); got.status != http.StatusCreated {
		t.Errorf("write with applications:write: %d %s", got.status, got.body)
	}
	got := e.do("GET", "/api/v1/applications", nil, bearer(secret)...)
	if got.status != http.StatusForbidden || got.json(t)["error"] != "insufficient_scope" {
		t.Errorf("read without applications:read: %d %s", got.status, got.body)
	}
	if _, _, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Scopes: []string{"accounts:fly"}}); err == nil {
		t.Error("a token with an unknown scope was made")
	}
}

// TestLastUseBatched: a request records the token's use in memory; the
// store sees it when the recorder flushes, once for many requests.
func TestLastUseBatched(t *testing.T) {
	e := newEnv(t, nil)
	tok, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleAuditor})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.do("GET", "/api/v1/whoami", nil, bearer(secret)...)
	}
	got, err := e.store.APIToken(e.ctx, tok.ID)
	if err != nil || !got.LastUsedAt.IsZero() {
		t.Fatalf("before the flush: %+v %v", got, err)
	}
	if err := e.used.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ = e.store.APIToken(e.ctx, tok.ID); !got.LastUsedAt.Equal(e.clock.Now()) {
		t.Errorf("last used %v, want %v", got.LastUsedAt, e.clock.Now())
	}
}

// TestRateLimitPerToken: a token past its burst gets 429 with
// Retry-After; another token is not affected.
func TestRateLimitPerToken(t *testing.T) {
	// One request per 1000 s refills nothing within the test.
	e := newEnv(t, ratelimit.New(0.001, 2, 0))
	a, b := e.token(e.tenant, apitoken.RoleAuditor), e.token(e.tenant, apitoken.RoleAuditor)
	for i := range 2 {
		if got := e.do("GET", "/api/v1/whoami", nil, bearer(a)...); got.status != http.StatusOK {
			t.Fatalf("request %d: %d", i, got.status)
		}
	}
	got := e.do("GET", "/api/v1/whoami", nil, bearer(a)...)
	if got.status != http.StatusTooManyRequests || got.header.Get("Retry-After") == "" {
		t.Errorf("third request: %d, Retry-After %q", got.status, got.header.Get("Retry-After"))
	}
	if got := e.do("GET", "/api/v1/whoami", nil, bearer(b)...); got.status != http.StatusOK {
		t.Errorf("other token: %d", got.status)
	}
}

// TestIdempotencyKey: the same key twice makes one application and gives
// the same answer; the key with another body is refused.
func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, nil)
	secret := e.token(e.tenant, apitoken.RoleAdmin)
	hdr := append(bearer(secret), "Idempotency-Key", "create-wiki-1")
	body := map[string]any{"name": "Wiki", "issuer": "https://wiki.acme.test"}
	first := e.do("POST", "/api/v1/applications", body, hdr...)
	second := e.do("POST", "/api/v1/applications", body, hdr...)
	if first.status != http.StatusCreated || second.status != first.status || !bytes.Equal(first.body, second.body) {
		t.Fatalf("first %d %s, second %d %s", first.status, first.body, second.status, second.body)
	}
	if second.header.Get("Idempotent-Replayed") != "true" {
		t.Error("the replay is not marked")
	}
	apps, err := e.store.Applications(e.ctx, e.tenant.ID)
	if err != nil || len(apps) != 1 {
		t.Errorf("%d applications, want 1 (%v)", len(apps), err)
	}
	other := e.do("POST", "/api/v1/applications", map[string]any{"name": "Mail", "issuer": "https://mail.acme.test"}, hdr...)
	if other.status != http.StatusUnprocessableEntity {
		t.Errorf("key reused with another body: %d %s", other.status, other.body)
	}
	// A refusal is an answer too: it is replayed, not retried.
	bad := append(bearer(secret), "Idempotency-Key", "bad-1")
	x := e.do("POST", "/api/v1/applications", map[string]any{"name": "", "issuer": "x"}, bad...)
	y := e.do("POST", "/api/v1/applications", map[string]any{"name": "", "issuer": "x"}, bad...)
	if x.status != http.StatusBadRequest || y.status != x.status || !bytes.Equal(x.body, y.body) {
		t.Errorf("refusal: %d %s then %d %s", x.status, x.body, y.status, y.body)
	}
	// Keys are per token: another token's same key is a new request.
	other2 := e.token(e.tenant, apitoken.RoleAdmin)
	z := e.do("POST", "/api/v1/applications", body, append(bearer(other2), "Idempotency-Key", "create-wiki-1")...)
	if z.status != http.StatusConflict {
		t.Errorf("another token's key: %d %s (want 409: the issuer exists)", z.status, z.body)
	}
}

// TestAccountPagination walks 10 000 accounts a page at a time while
// accounts are enrolled concurrently: every account that existed before
// is seen exactly once, and no account twice.
func TestAccountPagination(t *testing.T) {
	if testing.Short() {
		t.Skip("10 000 accounts")
	}
	e := newEnv(t, nil)
	app, err := e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10_000
	before := map[string]bool{}
	err = e.store.Update(e.ctx, func(tx store.Tx) error {
		for i := range n {
			a := store.Account{ID: ids.New(), TenantID: e.tenant.ID, AppID: app.ID, Name: fmt.Sprintf("user%05d", i),
				CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
			before[a.Name] = true
			if err := tx.CreateAccount(e.ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	secret := e.token(e.tenant, apitoken.RoleAuditor)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := e.access.Enroll(e.ctx, "test", app, fmt.Sprintf("new%05d", i), ""); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("more than 100 pages")
		}
		got := e.do("GET", "/api/v1/accounts?limit=1000&cursor="+cursor, nil, bearer(secret)...)
		if got.status != http.StatusOK {
			t.Fatalf("page %d: %d %s", pages, got.status, got.body)
		}
		v := got.json(t)
		for _, it := range v["items"].([]any) {
			name := it.(map[string]any)["account"].(string)
			if seen[name] {
				t.Fatalf("account %s seen twice", name)
			}
			seen[name] = true
		}
		if cursor, _ = v["next_cursor"].(string); cursor == "" {
			break
		}
	}
	close(stop)
	wg.Wait()
	for name := range before {
		if !seen[name] {
			t.Fatalf("account %s never seen", name)
		}
	}
}

// TestRevokeStopsAtOnce: a revoked token is refused on its next request.
func TestRevokeStopsAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	tok, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleAuditor, ExpiresIn: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/api/v1/whoami", nil, bearer(secret)...); got.status != http.StatusOK {
		t.Fatalf("before: %d", got.status)
	}
	if _, err := e.tokens.Revoke(e.ctx, "test", e.other.ID, tok.ID); err == nil {
		t.Error("another tenant revoked the token")
	}
	if _, err := e.tokens.Revoke(e.ctx, "test", e.tenant.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/api/v1/whoami", nil, bearer(secret)...); got.status != http.StatusUnauthorized {
		t.Errorf("after: %d %s", got.status, got.body)
	}
}

// TestIdempotentReplayShowsNoSecret: a key's secret is in the first
// answer only; the kept answer (and so a replay) has a placeholder, and
// no row of the idempotency table holds the secret.
func TestIdempotentReplayShowsNoSecret(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token(e.tenant, apitoken.RoleAdmin)
	app, err := e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	hdr := append(bearer(tok), "Idempotency-Key", "key-1")
	first := e.do("POST", "/api/v1/applications/"+app.ID+"/keys", map[string]any{}, hdr...)
	second := e.do("POST", "/api/v1/applications/"+app.ID+"/keys", map[string]any{}, hdr...)
	var a, b struct {
		KID    string `json:"kid"`
		Secret string `json:"secret"`
	}
	if first.status != http.StatusCreated || json.Unmarshal(first.body, &a) != nil || a.Secret == "" || a.Secret == secretNotKeptText {
		t.Fatalf("first answer: %d %s", first.status, first.body)
	}
	if second.status != first.status || json.Unmarshal(second.body, &b) != nil || b.KID != a.KID || b.Secret != secretNotKeptText {
		t.Fatalf("replay: %d %s (want the same key, secret not shown)", second.status, second.body)
	}
	if bytes.Contains(second.body, []byte(a.Secret)) {
		t.Fatal("the replay shows the secret again")
	}
}

// secretNotKeptText is what a kept answer says in place of a secret.
const secretNotKeptText = "(shown once, in the first answer; not kept for replays)"

// TestAccountFiltersBeforePaging: the owner and state filters apply before
// a page is cut, so each page holds limit matching accounts while that
// many more match, and the pages together hold every match once.
func TestAccountFiltersBeforePaging(t *testing.T) {
	e := newEnv(t, nil)
	app, err := e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		owner := "bob@acme.test"
		if i%3 == 0 {
			owner = "alice@acme.test" // 10 of 30, spread out
		}
		name := fmt.Sprintf("user%02d", i)
		if _, err := e.access.Enroll(e.ctx, "test", app, name, owner); err != nil {
			t.Fatal(err)
		}
		if i%5 == 0 { // 6 of 30 open
			if _, err := e.access.Unlock(e.ctx, "test", app, name, access.Unlock{For: time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
	}
	secret := e.token(e.tenant, apitoken.RoleAuditor)
	for _, tc := range []struct {
		query string
		sizes []int
	}{
		{"owner=alice@acme.test&limit=4", []int{4, 4, 2}},
		{"state=unlocked&limit=4", []int{4, 2}},
		{"state=locked&owner=alice@acme.test&limit=3", []int{3, 3, 2}}, // alice: 10, of which user00 and user15 are open
	} {
		var sizes []int
		cursor := ""
		for range 10 {
			got := e.do("GET", "/api/v1/accounts?"+tc.query+"&cursor="+cursor, nil, bearer(secret)...)
			if got.status != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.query, got.status, got.body)
			}
			v := got.json(t)
			sizes = append(sizes, len(v["items"].([]any)))
			if cursor, _ = v["next_cursor"].(string); cursor == "" {
				break
			}
		}
		if fmt.Sprint(sizes) != fmt.Sprint(tc.sizes) {
			t.Errorf("%s: pages of %v, want %v", tc.query, sizes, tc.sizes)
		}
	}
}

// TestAddAuditor: the served document's NewMember lists every role a
// member can be added with, the auditor's included, and an admin token
// adds an auditor (the answer is checked against the document, as every
// answer here is); an unknown role is refused.
func TestAddAuditor(t *testing.T) {
	e := newEnv(t, nil)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Enum []string `json:"enum"`
				} `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(e.specDoc(), &doc); err != nil {
		t.Fatal(err)
	}
	roles := doc.Components.Schemas["NewMember"].Properties["role"].Enum
	for _, r := range []string{store.RoleAdmin, store.RoleApprover, store.RoleMember, store.RoleAuditor} {
		if !slices.Contains(roles, r) {
			t.Errorf("NewMember.role lists %v: %s is missing", roles, r)
		}
	}
	secret := e.token(e.tenant, apitoken.RoleAdmin)
	got := e.do("POST", "/api/v1/members", map[string]any{"email": "eve@people.test", "role": "auditor"}, bearer(secret)...)
	if got.status != http.StatusCreated || got.json(t)["role"] != "auditor" {
		t.Fatalf("add an auditor: %d %s", got.status, got.body)
	}
	got = e.do("POST", "/api/v1/members", map[string]any{"email": "mallory@people.test", "role": "superuser"}, bearer(secret)...)
	if got.status != http.StatusBadRequest {
		t.Fatalf("add a superuser: %d %s", got.status, got.body)
	}
}
