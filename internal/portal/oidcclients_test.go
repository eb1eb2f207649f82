package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/oidc"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestAdminOIDCClients: admins add an OpenID client (its secret shown in
// that answer only, stored as a hash) and delete it; a plain member and a
// cross-site form are refused, another tenant's client cannot be deleted,
// and a bad redirect URI changes nothing.
func TestAdminOIDCClients(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleOwner)
	form := url.Values{"name": {"stepup"}, "redirect_uris": {"https://rp.acme.test/cb\n"}, "frame_origins": {"https://rp.acme.test"},
		"app": {e.app.ID}}
	e.refuses("add client", "/admin/oidc", []refusal{
		{"a plain member", e.signIn(e.alice), form, nil, http.StatusForbidden, ""},
		{"a cross-site form", owner, form, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, ""},
	}, func() bool { clients, _ := e.store.OIDCClients(ctx, e.app.TenantID); return len(clients) != 0 })
	if r := e.do("GET", "/admin/oidc", nil, e.signIn(e.alice)); r.code != http.StatusForbidden {
		t.Fatalf("a plain member reading clients: %d", r.code)
	}
	r := e.do("POST", "/admin/oidc", form, owner)
	secret := regexp.MustCompile(`<code id="client-secret">([^<]+)</code>`).FindStringSubmatch(r.body)
	if r.code != 200 || secret == nil {
		t.Fatalf("add client: %d %s", r.code, r.body)
	}
	clients, _ := e.store.OIDCClients(ctx, e.app.TenantID)
	if len(clients) != 1 || clients[0].SecretHash != ids.SecretHash(secret[1]) || clients[0].AppID != e.app.ID ||
		clients[0].RedirectURIs[0] != "https://rp.acme.test/cb" {
		t.Fatalf("clients: %+v", clients)
	}
	if r := e.do("GET", "/admin/oidc", nil, owner); !strings.Contains(r.body, clients[0].ID) || strings.Contains(r.body, secret[1]) {
		t.Fatal("the page lacks the client or shows its secret again")
	}
	bad := url.Values{"name": {"x"}, "redirect_uris": {"http://rp.acme.test/cb"}}
	if r := e.do("POST", "/admin/oidc", bad, owner); r.code != http.StatusBadRequest {
		t.Fatalf("plain http off loopback: %d", r.code)
	}
	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	foreign, err := (&oidc.Clients{Store: e.store, Clock: e.clock}).Create(ctx, "test",
		oidc.NewClient{TenantID: other.ID, Name: "g", RedirectURIs: []string{"https://g.test/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/admin/oidc/"+foreign.Client.ID+"/delete", nil, owner); r.code != http.StatusNotFound {
		t.Fatalf("deleting another tenant's client: %d", r.code)
	}
	if r := e.do("POST", "/admin/oidc/"+clients[0].ID+"/delete", nil, owner); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.code)
	}
	if cs, _ := e.store.OIDCClients(ctx, e.app.TenantID); len(cs) != 0 {
		t.Fatalf("after delete: %+v", cs)
	}
}
