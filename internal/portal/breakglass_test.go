package portal_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/notify"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// bgEnv is a portal with break-glass on, and the people who try its admin
// page: the tenant's admin, auditor, approver and a plain member (bob),
// and another tenant's admin (eve).
type bgEnv struct {
	*env
	bg                                 *breakglass.Service
	admin, auditor, approver, bob, eve *http.Cookie
	adminMember                        store.Member
}

func newBGEnv(t *testing.T) *bgEnv {
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		d.BreakGlass = &breakglass.Service{Store: d.Store, Clock: d.Clock, Notify: []string{store.ChannelEmail}}
	})
	b := &bgEnv{env: e, bg: &breakglass.Service{Store: e.store, Clock: e.clock}}
	tenant := e.alice.TenantID
	b.adminMember, b.admin = e.member(tenant, "root@acme.test", store.RoleAdmin)
	_, b.auditor = e.member(tenant, "audrey@acme.test", store.RoleAuditor)
	_, b.approver = e.member(tenant, "carol@acme.test", store.RoleApprover)
	b.bob = e.signIn(e.bob)
	globex, err := e.admin.CreateTenant(t.Context(), "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, b.eve = e.member(globex.ID, "eve@globex.test", store.RoleAdmin)
	return b
}

// refused posts form to path as each person who may not, and cross-site
// as the admin, and checks each answer and that the audit did not move.
func (b *bgEnv) refused(t *testing.T, path string, form url.Values, otherTenant int) {
	t.Helper()
	tenant := b.alice.TenantID
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		hdr    []string
		want   int
	}{
		{"the auditor", b.auditor, nil, http.StatusForbidden},
		{"an approver", b.approver, nil, http.StatusForbidden},
		{"a plain member", b.bob, nil, http.StatusForbidden},
		{"another tenant's admin", b.eve, nil, otherTenant},
		{"cross-site", b.admin, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"signed out", nil, nil, http.StatusUnauthorized},
	} {
		before := b.auditLength(tenant)
		if r := b.do("POST", path, form, c.cookie, c.hdr...); r.code != c.want {
			t.Errorf("POST %s as %s: %d, want %d", path, c.name, r.code, c.want)
		}
		if after := b.auditLength(tenant); after != before {
			t.Errorf("POST %s as %s wrote %d audit records", path, c.name, after-before)
		}
	}
}

// TestBreakGlassAdminMarks: admins mark an account and a group and remove
// a mark from the page; auditors read it without forms; approvers, plain
// members, another tenant's admin and cross-site posts change nothing.
func TestBreakGlassAdminMarks(t *testing.T) {
	b := newBGEnv(t)
	ctx := t.Context()
	tenant := b.alice.TenantID
	if _, err := b.env.admin.CreateGroup(ctx, "test", tenant, "oncall", ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		want   int
	}{{"admin", b.admin, 200}, {"auditor", b.auditor, 200}, {"approver", b.approver, 403}, {"member", b.bob, 403},
		{"eve (no applications, so no forms)", b.eve, 200}} {
		r := b.do("GET", "/admin/break-glass", nil, c.cookie)
		if r.code != c.want {
			t.Errorf("GET /admin/break-glass as %s: %d, want %d", c.name, r.code, c.want)
		}
		if forms := strings.Contains(r.body, `action="/admin/break-glass/unlock"`); forms != (c.name == "admin") {
			t.Errorf("GET /admin/break-glass as %s: forms shown: %v", c.name, forms)
		}
	}

	markAlice := url.Values{"target": {"account"}, "app": {b.app.ID}, "account": {"alice"}, "max": {"30 min"}}
	b.refused(t, "/admin/break-glass/marks", markAlice, http.StatusNotFound)
	for _, c := range []struct {
		name string
		form url.Values
	}{
		{"no target", url.Values{"app": {b.app.ID}, "account": {"alice"}}},
		{"no account", url.Values{"target": {"account"}, "app": {b.app.ID}}},
		{"unknown account", url.Values{"target": {"account"}, "app": {b.app.ID}, "account": {"zed"}}},
		{"no group", url.Values{"target": {"group"}}},
		{"bad cap", url.Values{"target": {"account"}, "app": {b.app.ID}, "account": {"alice"}, "max": {"soon"}}},
	} {
		if r := b.do("POST", "/admin/break-glass/marks", c.form, b.admin); r.code/100 != 4 {
			t.Errorf("mark, %s: %d, want a 4xx", c.name, r.code)
		}
	}
	if marks, _ := b.store.BreakGlassMarks(ctx, tenant); len(marks) != 0 {
		t.Fatalf("refused marks made %d", len(marks))
	}
	for _, form := range []url.Values{markAlice, {"target": {"group"}, "group": {"oncall"}}} {
		if r := b.do("POST", "/admin/break-glass/marks", form, b.admin); r.code != http.StatusSeeOther {
			t.Fatalf("admin marks %v: %d %s", form, r.code, r.body)
		}
	}
	marks, err := b.store.BreakGlassMarks(ctx, tenant)
	if err != nil || len(marks) != 2 || marks[0].MaxUnlock != 30*time.Minute || marks[1].MaxUnlock != breakglass.DefaultMax {
		t.Fatalf("marks: %+v %v", marks, err)
	}
	page := b.do("GET", "/admin/break-glass", nil, b.auditor).body
	if !strings.Contains(page, "group oncall") || !strings.Contains(page, `<span class="mono">alice</span> at Wiki`) || strings.Contains(page, "/delete") {
		t.Fatalf("the auditor's page does not list both marks, or offers removal:\n%s", page)
	}
	if page := b.do("GET", "/admin/break-glass", nil, b.eve).body; strings.Contains(page, marks[0].ID) || strings.Contains(page, "oncall") {
		t.Fatal("another tenant's admin sees acme's marks")
	}
	if got := b.auditActions("member:root@acme.test"); !slices.Contains(got, "breakglass.marked") {
		t.Fatalf("the admin's audit: %v", got)
	}

	unmark := "/admin/break-glass/marks/" + marks[1].ID + "/delete"
	b.refused(t, unmark, url.Values{}, http.StatusNotFound)
	if r := b.do("POST", unmark, url.Values{}, b.admin); r.code != http.StatusSeeOther {
		t.Fatalf("admin removes the group's mark: %d %s", r.code, r.body)
	}
	if marks, _ := b.store.BreakGlassMarks(ctx, tenant); len(marks) != 1 || marks[0].AccountID == "" {
		t.Fatalf("after removal: %+v", marks)
	}
}

// TestBreakGlassAdminUnlock: an admin opens a marked account of the
// tenant (not their own) through breakglass.Service.Unlock: the reason is
// required, the cap enforced, an unmarked account refused; every owner
// and admin is alerted and the audit records account.break_glass with the
// admin as actor. Nobody else can, and nothing opens when refused.
func TestBreakGlassAdminUnlock(t *testing.T) {
	b := newBGEnv(t)
	ctx := t.Context()
	tenant := b.alice.TenantID
	if _, err := b.bg.Mark(ctx, "test", tenant, breakglass.Target{App: b.app, Account: "alice"}, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	alice := b.account("alice")
	open := func(a store.Account) bool {
		g, err := b.store.CurrentGrant(ctx, a.ID)
		return err == nil && g.Usable(b.clock.Now())
	}
	const path = "/admin/break-glass/unlock"
	good := url.Values{"app": {b.app.ID}, "account": {"alice"}, "reason": {"payments outage"}, "for": {"10 min"}}
	b.refused(t, path, good, http.StatusNotFound)
	for _, c := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no reason", url.Values{"app": {b.app.ID}, "account": {"alice"}, "for": {"10 min"}}, http.StatusBadRequest},
		{"a blank reason", url.Values{"app": {b.app.ID}, "account": {"alice"}, "reason": {"   "}}, http.StatusBadRequest},
		{"over the cap", url.Values{"app": {b.app.ID}, "account": {"alice"}, "reason": {"x"}, "for": {"31 min"}}, http.StatusBadRequest},
		{"an unmarked account", url.Values{"app": {b.app.ID}, "account": {"bob"}, "reason": {"x"}}, http.StatusForbidden},
		{"an unknown application", url.Values{"app": {"nope"}, "account": {"alice"}, "reason": {"x"}}, http.StatusNotFound},
	} {
		if r := b.do("POST", path, c.form, b.admin); r.code != c.want {
			t.Errorf("admin break-glass, %s: %d, want %d\n%s", c.name, r.code, c.want, r.body)
		}
	}
	if open(alice) || open(b.account("bob")) {
		t.Fatal("a refused break-glass opened an account")
	}
	outbox := func() map[string]int {
		msgs, err := b.store.OutboxOfTenant(ctx, tenant, 100)
		if err != nil {
			t.Fatal(err)
		}
		to := map[string]int{}
		for _, m := range msgs {
			if m.Type == notify.TypeBreakGlass {
				to[m.MemberID]++
			}
		}
		return to
	}
	if n := len(outbox()); n != 0 {
		t.Fatalf("refused break-glass alerted %d members", n)
	}
	if r := b.do("POST", path, good, b.admin); r.code != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=break-glass") {
		t.Fatalf("admin break-glass: %d %v %s", r.code, r.header, r.body)
	}
	g, err := b.store.CurrentGrant(ctx, alice.ID)
	if err != nil || !g.Usable(b.clock.Now()) || g.Until.Sub(b.clock.Now()) != 10*time.Minute {
		t.Fatalf("alice's grant after the admin's break-glass: %+v %v", g, err)
	}
	if got := b.auditActions("member:root@acme.test"); !slices.Contains(got, "account.break_glass") {
		t.Fatalf("the admin's audit: %v", got)
	}
	// Every owner and admin of the tenant is alerted, on the deployment's
	// channel; nobody else is.
	members, err := b.store.Members(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	alerted := outbox()
	for _, m := range members {
		want := 0
		if m.Role == store.RoleOwner || m.Role == store.RoleAdmin {
			want = 1
		}
		if alerted[m.ID] != want {
			t.Errorf("%s (%s) got %d break-glass alerts, want %d", m.Email, m.Role, alerted[m.ID], want)
		}
	}
	if alerted[b.adminMember.ID] != 1 {
		t.Fatal("the admin who broke the glass is not among those alerted")
	}
}

// codeLike matches a break-glass code as breakglass.NewCode writes it.
var codeLike = regexp.MustCompile(`[A-Z2-7]{4}(-[A-Z2-7]{4}){4}`)

// TestBreakGlassAdminCodes: an admin issues offline codes for a marked
// account as the CLI does: the answer shows the device's file once; the
// store keeps hashes; the page lists each code's metadata (who, for which
// account, when, used or not, reported use) and never a code or a hash.
// A count out of range, an unmarked account and everyone who may not
// issue nothing.
func TestBreakGlassAdminCodes(t *testing.T) {
	b := newBGEnv(t)
	ctx := t.Context()
	tenant := b.alice.TenantID
	if _, err := b.bg.Mark(ctx, "test", tenant, breakglass.Target{App: b.app, Account: "alice"}, 0); err != nil {
		t.Fatal(err)
	}
	const path = "/admin/break-glass/codes"
	b.refused(t, path, url.Values{"app": {b.app.ID}, "account": {"alice"}, "count": {"3"}}, http.StatusNotFound)
	for _, c := range []struct {
		name string
		form url.Values
		want int
	}{
		{"no count", url.Values{"app": {b.app.ID}, "account": {"alice"}}, http.StatusBadRequest},
		{"zero", url.Values{"app": {b.app.ID}, "account": {"alice"}, "count": {"0"}}, http.StatusBadRequest},
		{"too many", url.Values{"app": {b.app.ID}, "account": {"alice"}, "count": {"101"}}, http.StatusBadRequest},
		{"an unmarked account", url.Values{"app": {b.app.ID}, "account": {"bob"}, "count": {"3"}}, http.StatusForbidden},
	} {
		if r := b.do("POST", path, c.form, b.admin); r.code != c.want {
			t.Errorf("issue, %s: %d, want %d", c.name, r.code, c.want)
		}
	}
	if codes, _ := b.store.BreakGlassCodes(ctx, tenant); len(codes) != 0 {
		t.Fatalf("refused issues made %d codes", len(codes))
	}

	r := b.do("POST", path, url.Values{"app": {b.app.ID}, "account": {"alice"}, "count": {"3"}}, b.admin)
	if r.code != http.StatusOK || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("issue: %d %v", r.code, r.header)
	}
	shown := slices.Compact(codeLike.FindAllString(r.body, -1))
	if len(shown) != 3 {
		t.Fatalf("the answer shows %d codes, want 3:\n%s", len(shown), r.body)
	}
	stored, err := b.store.BreakGlassCodes(ctx, tenant)
	if err != nil || len(stored) != 3 {
		t.Fatalf("stored codes: %d %v", len(stored), err)
	}
	hashes := map[string]bool{}
	for _, c := range stored {
		hashes[c.Hash] = true
		if c.CreatedBy != "member:root@acme.test" {
			t.Errorf("code issued by %q", c.CreatedBy)
		}
	}
	for _, code := range shown {
		if !hashes[breakglass.Hash(code)] {
			t.Errorf("the code shown %s is not stored as its hash", code)
		}
	}
	if got := b.auditActions("member:root@acme.test"); !slices.Contains(got, "breakglass.codes_issued") {
		t.Fatalf("the admin's audit: %v", got)
	}

	// The device uses one code and reports it; the list shows it used.
	if _, err := b.bg.Report(ctx, b.app, "alice", []breakglass.Used{{Code: shown[0], At: b.clock.Now().Add(-time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []*http.Cookie{b.admin, b.auditor} {
		page := b.do("GET", "/admin/break-glass", nil, who)
		if page.code != http.StatusOK {
			t.Fatalf("page: %d", page.code)
		}
		if codeLike.MatchString(page.body) {
			t.Fatalf("the page shows a code: %v", codeLike.FindAllString(page.body, -1))
		}
		for h := range hashes {
			if strings.Contains(page.body, h) {
				t.Fatal("the page shows a code's hash")
			}
		}
		if n := strings.Count(page.body, "<tr data-code="); n != 3 {
			t.Errorf("the page lists %d codes, want 3", n)
		}
		if strings.Count(page.body, `<span class="badge">unused</span>`) != 2 || strings.Count(page.body, `<span class="badge denied">used</span>`) != 1 ||
			!strings.Contains(page.body, "reported") || !strings.Contains(page.body, "by member:root@acme.test") {
			t.Errorf("the list does not show who issued, and which code was used and reported:\n%s", page.body)
		}
	}
	if page := b.do("GET", "/admin/break-glass", nil, b.eve).body; strings.Contains(page, "<tr data-code=") {
		t.Fatal("another tenant's admin sees acme's codes")
	}
}
