package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestAdminTokens: an admin makes an API token (shown once, stored
// hashed), sees it listed and revokes it; a plain member and a cross-site
// form cannot, and another tenant's token is not there to revoke.
func TestAdminTokens(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, adm := e.member(e.app.TenantID, "olive@acme.test", store.RoleAdmin)
	form := url.Values{"name": {"terraform"}, "role": {"auditor"}, "scopes": {"accounts:write"}, "expires_days": {"30"}}
	e.refuses("make token", "/admin/tokens", []refusal{
		{"a plain member", e.signIn(e.alice), form, nil, http.StatusForbidden, ""},
		{"a cross-site form", adm, form, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, ""},
	}, func() bool { toks, _ := e.store.APITokens(ctx, e.app.TenantID); return len(toks) != 0 })

	r := e.do("POST", "/admin/tokens", form, adm)
	secret := regexp.MustCompile(`<code id="token-secret">([^<]+)</code>`).FindStringSubmatch(r.body)
	if r.code != 200 || secret == nil || !strings.HasPrefix(secret[1], apitoken.Prefix) || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("make token: %d, secret shown: %v", r.code, secret)
	}
	toks, _ := e.store.APITokens(ctx, e.app.TenantID)
	if len(toks) != 1 || toks[0].Hash != apitoken.Hash(secret[1]) || toks[0].Role != "auditor" || toks[0].ExpiresAt.IsZero() {
		t.Fatalf("tokens: %+v", toks)
	}
	if r := e.do("GET", "/admin/tokens", nil, adm); !strings.Contains(r.body, "terraform") || strings.Contains(r.body, secret[1]) {
		t.Fatal("the tokens page lacks the token or shows its secret again")
	}
	if r := e.do("POST", "/admin/tokens", url.Values{"role": {"root"}}, adm); r.code != http.StatusBadRequest {
		t.Errorf("an unknown role: %d", r.code)
	}

	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	foreign, _, err := (&apitoken.Service{Store: e.store, Clock: e.clock}).Create(ctx, "test", apitoken.New{TenantID: other.ID, Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/admin/tokens/"+foreign.ID+"/revoke", nil, adm); r.code != http.StatusNotFound {
		t.Fatalf("revoking another tenant's token: %d", r.code)
	}
	if r := e.do("POST", "/admin/tokens/"+toks[0].ID+"/revoke", nil, adm); r.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d %s", r.code, r.body)
	}
	if got, _ := e.store.APIToken(ctx, toks[0].ID); got.RevokedAt.IsZero() {
		t.Fatal("not revoked")
	}
	if got, _ := e.store.APIToken(ctx, foreign.ID); !got.RevokedAt.IsZero() {
		t.Fatal("another tenant's token was revoked")
	}
}
