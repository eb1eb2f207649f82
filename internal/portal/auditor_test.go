package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// auditLength is how many audit records the tenant has.
func (e *env) auditLength(tenantID string) int {
	e.t.Helper()
	recs, err := e.store.AuditRecords(e.t.Context(), tenantID, 0, 100000)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(recs)
}

// fillPath puts real IDs of the env's tenant in a route pattern, so that
// a handler that forgot the role check would find what it acts on.
func (e *env) fillPath(pattern string, ids map[string]string) string {
	for k, v := range ids {
		pattern = strings.ReplaceAll(pattern, "{"+k+"}", url.PathEscape(v))
	}
	return strings.TrimSuffix(pattern, "{$}")
}

// TestAuditorChangesNothing: an auditor reads every admin page an admin
// reads, and each change the portal offers under /admin/ (every POST
// route it registers, so a route added later is tried too), posted by an
// auditor with real IDs and a plausible form, is refused 403 and writes
// nothing (the audit chain, written with every change, does not move).
// A plain member reads no admin page; an auditor of another tenant sees
// nothing of this one; the Admin link shows for auditors.
func TestAuditorChangesNothing(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	tenant := e.app.TenantID
	_, adminCookie := e.member(tenant, "adam@acme.test", store.RoleAdmin)
	aud, audCookie := e.member(tenant, "audrey@acme.test", store.RoleAuditor)
	keys, err := e.store.SigningKeys(ctx, e.app.ID)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v, %v", keys, err)
	}
	if _, err := e.admin.CreateTemplate(ctx, "test", tenant, admin.NewTemplate{Key: "PAYMENT", Title: "Payment"}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"id": e.app.ID, "kid": keys[0].KID, "account": "alice", "job": "none", "key": "PAYMENT"}

	var posted int
	for _, pattern := range portal.PostRoutes() {
		if !strings.HasPrefix(pattern, "/admin/") || pattern == "/admin/audit/verify" {
			continue // "Verify now" changes nothing, and auditors run it (TestAuditVerifyNow)
		}
		path := pattern
		if strings.HasPrefix(pattern, "/admin/members/{id}") {
			path = strings.ReplaceAll(path, "{id}", e.bob.ID)
		}
		path = e.fillPath(path, ids)
		form := url.Values{"name": {"Changed"}, "email": {"new@acme.test"}, "role": {store.RoleAdmin},
			"issuer": {"https://new.acme.test"}, "url": {"https://hooks.acme.test/x"}, "account": {"carol"},
			"confirm": {"Wiki"}, "action": {"lockdown"}, "redirect_uri": {"https://wiki.acme.test/cb"}, "for": {"15 min"}}
		before := e.auditLength(tenant)
		r := e.do("POST", path, form, audCookie)
		if r.code != http.StatusForbidden {
			t.Errorf("auditor POST %s: %d, want 403", path, r.code)
		}
		if after := e.auditLength(tenant); after != before {
			t.Errorf("auditor POST %s wrote %d audit records", path, after-before)
		}
		posted++
	}
	if posted < 15 {
		t.Fatalf("posted to %d admin routes; the route list is not what the test expects", posted)
	}
	if got, _ := e.store.Member(ctx, e.bob.ID); got.Role != e.bob.Role {
		t.Fatalf("bob's role changed to %s", got.Role)
	}

	// Every admin page, as the auditor and as the admin: the same pages.
	_, memberCookie := e.member(tenant, "mo@acme.test", store.RoleMember)
	for _, pattern := range portal.Routes() {
		if !strings.HasPrefix(pattern, "/admin") || strings.Contains(pattern, "{job}") || strings.Contains(pattern, "/export") {
			continue
		}
		path := e.fillPath(pattern, ids)
		want := e.do("GET", path, nil, adminCookie).code
		if got := e.do("GET", path, nil, audCookie).code; got != want {
			t.Errorf("auditor GET %s: %d, the admin gets %d", path, got, want)
		}
		if want == http.StatusOK && !strings.Contains(e.do("GET", path, nil, audCookie).body, `id="read-only"`) {
			t.Errorf("auditor GET %s: no read-only notice", path)
		}
		if got := e.do("GET", path, nil, memberCookie).code; got != http.StatusForbidden && want != http.StatusSeeOther {
			t.Errorf("member GET %s: %d, want 403", path, got)
		}
	}
	if home := e.do("GET", "/", nil, audCookie); !strings.Contains(home.body, `href="/admin"`) {
		t.Error("the auditor's home page has no Admin link")
	}
	if home := e.do("GET", "/", nil, memberCookie); strings.Contains(home.body, `href="/admin"`) {
		t.Error("a plain member's home page has an Admin link")
	}

	// An auditor of another tenant sees nothing of this one.
	globex, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, strangerCookie := e.member(globex.ID, "eve@globex.test", store.RoleAuditor)
	if r := e.do("GET", "/admin/apps/"+e.app.ID, nil, strangerCookie); r.code != http.StatusNotFound {
		t.Errorf("globex auditor GET acme's application: %d, want 404", r.code)
	}
	for _, path := range []string{"/admin/apps", "/admin/members", "/admin/activity"} {
		r := e.do("GET", path, nil, strangerCookie)
		if r.code != http.StatusOK || strings.Contains(r.body, issuer) || strings.Contains(r.body, e.app.ID) || strings.Contains(r.body, aud.Email) {
			t.Errorf("globex auditor GET %s: %d, showing acme's", path, r.code)
		}
	}

	// Admins make auditors, as admin.By allows, and the auditor is one.
	r := e.do("POST", "/admin/members/"+e.bob.ID+"/role", url.Values{"role": {store.RoleAuditor}}, adminCookie)
	if r.code != http.StatusSeeOther {
		t.Fatalf("admin makes bob an auditor: %d %s", r.code, r.body)
	}
	if got, _ := e.store.Member(ctx, e.bob.ID); got.Role != store.RoleAuditor {
		t.Fatalf("bob's role: %s", got.Role)
	}
	if r := e.do("GET", "/admin/apps", nil, e.signIn(e.bob)); r.code != http.StatusOK {
		t.Fatalf("bob, now an auditor, reads the admin pages: %d", r.code)
	}
}

// TestAuditorRoleRules: the role is set through admin.Service.SetRole, by
// the rules of admin.By: an admin makes a member an auditor and back, but
// not an admin (only owners change an admin's role); an auditor changes
// no one's role, their own included.
func TestAuditorRoleRules(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	tenant := e.app.TenantID
	adm, _ := e.member(tenant, "adam@acme.test", store.RoleAdmin)
	adm2, _ := e.member(tenant, "ada@acme.test", store.RoleAdmin)
	aud, _ := e.member(tenant, "audrey@acme.test", store.RoleAuditor)
	svc := e.admin
	if _, err := svc.SetRole(ctx, admin.AsMember(adm), e.bob.ID, store.RoleAuditor); err != nil {
		t.Fatalf("admin makes a member an auditor: %v", err)
	}
	if _, err := svc.SetRole(ctx, admin.AsMember(adm), adm2.ID, store.RoleAuditor); err == nil {
		t.Fatal("an admin made another admin an auditor")
	}
	for _, target := range []store.Member{aud, e.bob, adm} {
		if _, err := svc.SetRole(ctx, admin.AsMember(aud), target.ID, store.RoleAdmin); err == nil {
			t.Fatalf("the auditor changed %s's role", target.Email)
		}
	}
	if _, err := svc.SetRole(ctx, admin.Operator("cli:test"), aud.ID, store.RoleMember); err != nil {
		t.Fatalf("the operator changes an auditor's role: %v", err)
	}
	if _, err := svc.SetRole(ctx, admin.Operator("cli:test"), aud.ID, "inspector"); err == nil {
		t.Fatal("a role that does not exist was set")
	}
}
