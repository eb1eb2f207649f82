package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/audit"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestExposurePage: the exposure report is for the tenant's owners,
// admins and auditors: it shows this tenant's unlock and blocked sign-in,
// downloads as HTML, CSV and JSON, never shows another tenant's accounts
// (its admin sees only its own; this tenant's application named in the
// address is not found), refuses a plain member, and names bad input.
func TestExposurePage(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := context.Background()
	tenant := e.app.TenantID
	if _, err := e.access.Unlock(ctx, "member:alice@acme.test", e.app, "alice", access.Unlock{For: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AppendChecks(ctx, []store.CheckRecord{{ID: "c1", TenantID: tenant, AppID: e.app.ID, Account: "bob",
		At: e.clock.Now(), Locked: true, Status: "locked", IP: "203.0.113.9"}}); err != nil {
		t.Fatal(err)
	}

	other, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	otherApp, err := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: other.ID, Name: "Globex mail", Issuer: "https://mail.globex.test",
		DefaultUnlock: 10 * time.Minute, MaxUnlock: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.access.Enroll(ctx, "test", otherApp, "gina", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.access.Unlock(ctx, "cli:root", otherApp, "gina", access.Unlock{For: 20 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	_, adminCookie := e.member(tenant, "adam@acme.test", store.RoleAdmin)
	_, audCookie := e.member(tenant, "audrey@acme.test", store.RoleAuditor)
	_, memberCookie := e.member(tenant, "mel@acme.test", store.RoleMember)
	_, otherAdmin := e.member(other.ID, "olga@globex.test", store.RoleAdmin)

	for who, c := range map[string]*http.Cookie{"admin": adminCookie, "auditor": audCookie} {
		r := e.do("GET", "/admin/reports/exposure?days=7", nil, c)
		if r.code != 200 || !strings.Contains(r.body, "30 min") || !strings.Contains(r.body, "203.0.113.9") ||
			strings.Contains(r.body, "gina") || !strings.Contains(r.body, `href="/admin/reports/exposure" aria-current="page"`) ||
			!strings.Contains(r.body, "<svg") || strings.Contains(r.body, "<style") {
			t.Errorf("%s: %d\n%s", who, r.code, r.body)
		}
	}
	r := e.do("GET", "/admin/reports/exposure?days=7&format=json", nil, audCookie)
	var rep struct {
		Tenant   string `json:"tenant"`
		Accounts []struct {
			Account string  `json:"account"`
			Open    float64 `json:"open_seconds"`
			Blocked int     `json:"blocked_signins"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil || rep.Tenant != "acme" || len(rep.Accounts) != 2 ||
		rep.Accounts[0].Account != "alice" || rep.Accounts[0].Open != 1800 || rep.Accounts[1].Blocked != 1 ||
		!strings.Contains(r.header.Get("Content-Disposition"), `filename="exposure-acme-`) {
		t.Errorf("JSON download: %v %s %v", err, r.body, r.header)
	}
	if r := e.do("GET", "/admin/reports/exposure?days=7&format=csv", nil, adminCookie); r.code != 200 ||
		!strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || !strings.Contains(r.body, "acme,https://wiki.acme.test,alice") {
		t.Errorf("CSV download: %d %v %s", r.code, r.header, r.body)
	}
	if r := e.do("GET", "/admin/reports/exposure?days=7&format=html", nil, adminCookie); r.code != 200 ||
		!strings.Contains(r.body, "<style>") || strings.Contains(r.body, "<script") || !strings.Contains(r.body, "<h1 id=\"exposure-h\">") {
		t.Errorf("HTML download: %d %.300s", r.code, r.body)
	}

	if r := e.do("GET", "/admin/reports/exposure?format=json", nil, otherAdmin); r.code != 200 || strings.Contains(r.body, "alice") ||
		!strings.Contains(r.body, "gina") {
		t.Errorf("the other tenant's admin: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/admin/reports/exposure?app="+e.app.ID, nil, otherAdmin); r.code != http.StatusNotFound {
		t.Errorf("another tenant's application: %d", r.code)
	}
	if r := e.do("GET", "/admin/reports/exposure", nil, memberCookie); r.code != http.StatusForbidden {
		t.Errorf("a plain member: %d", r.code)
	}
	if r := e.do("GET", "/admin/reports/exposure", nil, nil); r.code == 200 {
		t.Errorf("signed out: %d", r.code)
	}
	for q, want := range map[string]string{"days=0": "days must", "from=2026-13-01&to=2026-12-01": "two dates", "format=pdf": "pdf"} {
		if r := e.do("GET", "/admin/reports/exposure?"+q, nil, adminCookie); r.code != http.StatusBadRequest || !strings.Contains(r.body, want) {
			t.Errorf("%s: %d %.200s", q, r.code, r.body)
		}
	}
}

// heldStore holds the first AuditHeads call (the exposure report's first
// read of the audit log) until release is closed, after saying so on held.
type heldStore struct {
	portal.Store
	taken   atomic.Bool
	held    chan struct{}
	release chan struct{}
}

func (h *heldStore) AuditHeads(ctx context.Context) ([]audit.Head, error) {
	if h.taken.CompareAndSwap(false, true) {
		close(h.held)
		<-h.release
	}
	return h.Store.AuditHeads(ctx)
}

// TestExposurePageOneAtATime: while a tenant's report is being built, a
// second request of the same tenant gets 409 and builds nothing; another
// tenant's is built; once the first is done, the tenant's next request is.
func TestExposurePageOneAtATime(t *testing.T) {
	h := &heldStore{held: make(chan struct{}), release: make(chan struct{})}
	e := newEnvWith(t, publicURL, func(d *portal.Deps) { h.Store = d.Store; d.Store = h })
	ctx := context.Background()
	other, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, adminCookie := e.member(e.app.TenantID, "adam@acme.test", store.RoleAdmin)
	_, audCookie := e.member(e.app.TenantID, "audrey@acme.test", store.RoleAuditor)
	_, otherAdmin := e.member(other.ID, "olga@globex.test", store.RoleAdmin)

	first := make(chan resp)
	go func() { first <- e.do("GET", "/admin/reports/exposure?days=3650&format=json", nil, adminCookie) }()
	<-h.held
	if r := e.do("GET", "/admin/reports/exposure?days=7", nil, audCookie); r.code != http.StatusConflict || !strings.Contains(r.body, "being built") {
		t.Errorf("a second report of the tenant while one is built: %d %.300s", r.code, r.body)
	}
	if r := e.do("GET", "/admin/reports/exposure?days=7&format=json", nil, otherAdmin); r.code != 200 {
		t.Errorf("another tenant's report meanwhile: %d %.300s", r.code, r.body)
	}
	close(h.release)
	if r := <-first; r.code != 200 || !strings.Contains(r.body, `"caveats"`) {
		t.Errorf("the first report: %d %.300s", r.code, r.body)
	}
	if r := e.do("GET", "/admin/reports/exposure?days=7", nil, audCookie); r.code != 200 {
		t.Errorf("the next report, once the first is done: %d %.300s", r.code, r.body)
	}
}
