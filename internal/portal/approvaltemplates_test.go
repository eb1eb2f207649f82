package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestTemplatesPage: admins create approval templates on /admin/templates
// (approvers by email, groups, sign_and_approve, K, deny_on, expiry) and
// delete them, through the same service as the CLI: each change is
// audited; bad input is shown beside its field and changes nothing.
// Auditors read the page without its forms; approvers and plain members
// get 403; another tenant's admin sees none of the templates and cannot
// delete one; cross-site and signed-out posts are refused.
func TestTemplatesPage(t *testing.T) {
	b := newBGEnv(t)
	ctx := t.Context()
	tenant := b.alice.TenantID
	carol, _ := b.store.MemberByEmail(ctx, tenant, "carol@acme.test")
	g, err := b.env.admin.CreateGroup(ctx, "test", tenant, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	// dora registered through an enablement link and never confirmed her
	// address: nothing may be bound to her by it (admin.Bindable).
	if _, err := b.env.admin.CreateMember(ctx, "enable-link", admin.NewMember{TenantID: tenant, Email: "dora@acme.test", SelfRegistered: true}); err != nil {
		t.Fatal(err)
	}
	templates := func(tenantID string) []store.Template {
		t.Helper()
		ts, err := b.store.Templates(ctx, tenantID)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		want   int
	}{{"admin", b.admin, 200}, {"auditor", b.auditor, 200}, {"approver", b.approver, 403}, {"member", b.bob, 403}, {"eve", b.eve, 200}} {
		r := b.do("GET", "/admin/templates", nil, c.cookie)
		if r.code != c.want {
			t.Errorf("GET /admin/templates as %s: %d, want %d", c.name, r.code, c.want)
		}
		if forms := strings.Contains(r.body, `action="/admin/templates"`); forms != (c.name == "admin" || c.name == "eve") {
			t.Errorf("GET /admin/templates as %s: form shown: %v", c.name, forms)
		}
	}
	if r := b.do("GET", "/admin/templates", nil, b.admin); !strings.Contains(r.body, `aria-current="page">Approval templates`) &&
		!strings.Contains(r.body, `href="/admin/templates" aria-current="page"`) {
		t.Errorf("the admin sub-navigation does not mark Approval templates:\n%s", r.body)
	}

	good := url.Values{"key": {"PAYMENT"}, "title": {"Payment"}, "text": {"Pay ${amount} to ${payee}"},
		"approvers": {"carol@acme.test"}, "groups": {g.ID}, "mode": {store.ModeSignAndApprove}, "approvals": {"2"},
		"deny_on": {store.DenyQuorum}, "expiry": {"2 h"}}
	b.refused(t, "/admin/templates", good, http.StatusBadRequest) // eve's tenant has no carol
	if n := len(templates(tenant)); n != 0 {
		t.Fatalf("refused creates made %d templates", n)
	}

	for _, c := range []struct {
		name, field, value, wantField string
	}{
		{"lower-case key", "key", "payment", "err-key"},
		{"no title", "title", " ", "err-title"},
		{"a stray ${", "text", "Pay ${ now", "err-text"},
		{"an outsider approver", "approvers", "eve@globex.test", "err-approvers"},
		{"an unconfirmed self-registered approver", "approvers", "dora@acme.test", "err-approvers"},
		{"another tenant's group", "groups", "grp_none", "err-groups"},
		{"unknown mode", "mode", "rubber_stamp", "err-mode"},
		{"zero approvals", "approvals", "0", "err-approvals"},
		{"words for approvals", "approvals", "two", "err-approvals"},
		{"unknown deny-on", "deny_on", "last", "err-deny_on"},
		{"unreadable expiry", "expiry", "soon", "err-expiry"},
		{"expiry past 30 days", "expiry", "40 days", "err-expiry"},
	} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(c.field, c.value)
		before := b.auditLength(tenant)
		r := b.do("POST", "/admin/templates", form, b.admin)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, `id="`+c.wantField+`"`) || !strings.Contains(r.body, "Nothing was saved") {
			t.Errorf("%s: %d, want 400 with %s\n%s", c.name, r.code, c.wantField, r.body)
		}
		if c.value == "dora@acme.test" && !strings.Contains(r.body, "has not confirmed that address") {
			t.Errorf("%s: the page does not say why\n%s", c.name, r.body)
		}
		if c.field != "groups" && !strings.Contains(r.body, c.value) && strings.TrimSpace(c.value) != "" {
			t.Errorf("%s: the form does not keep what was typed", c.name)
		}
		if n, after := len(templates(tenant)), b.auditLength(tenant); n != 0 || after != before {
			t.Errorf("%s: %d templates, %d audit records written", c.name, n, after-before)
		}
	}

	before := b.auditLength(tenant)
	if r := b.do("POST", "/admin/templates", good, b.admin); r.code != http.StatusSeeOther || r.header.Get("Location") != "/admin/templates?done=template-created" {
		t.Fatalf("admin creates: %d %s\n%s", r.code, r.header.Get("Location"), r.body)
	}
	ts := templates(tenant)
	if len(ts) != 1 {
		t.Fatalf("templates: %+v", ts)
	}
	tp := ts[0]
	if tp.Key != "PAYMENT" || tp.Title != "Payment" || tp.Text != "Pay ${amount} to ${payee}" || len(tp.Approvers) != 1 || tp.Approvers[0] != carol.ID ||
		len(tp.ApproverGroups) != 1 || tp.ApproverGroups[0] != g.ID || tp.Mode != store.ModeSignAndApprove || tp.Approvals != 2 ||
		tp.DenyOn != store.DenyQuorum || tp.Expiry != 2*time.Hour {
		t.Fatalf("created: %+v", tp)
	}
	if after := b.auditLength(tenant); after != before+1 {
		t.Fatalf("create wrote %d audit records, want 1", after-before)
	}
	if r := b.do("POST", "/admin/templates", good, b.admin); r.code != http.StatusBadRequest || !strings.Contains(r.body, `id="err-key"`) {
		t.Errorf("a second PAYMENT: %d\n%s", r.code, r.body)
	}
	r := b.do("GET", "/admin/templates?done=template-created", nil, b.auditor)
	if r.code != 200 || !strings.Contains(r.body, "Template created") || !strings.Contains(r.body, "PAYMENT") || !strings.Contains(r.body, "carol@acme.test") ||
		!strings.Contains(r.body, "group finance") || !strings.Contains(r.body, "signed with a passkey") || !strings.Contains(r.body, "2 h") ||
		strings.Contains(r.body, `action="/admin/templates/PAYMENT/delete"`) || !strings.Contains(r.body, `id="read-only"`) {
		t.Errorf("the auditor's list: %d\n%s", r.code, r.body)
	}
	if r := b.do("GET", "/admin/templates", nil, b.eve); strings.Contains(r.body, "PAYMENT") {
		t.Error("another tenant's admin sees acme's template")
	}

	b.refused(t, "/admin/templates/PAYMENT/delete", url.Values{}, http.StatusNotFound)
	if n := len(templates(tenant)); n != 1 {
		t.Fatalf("after refused deletes: %d templates", n)
	}
	if r := b.do("POST", "/admin/templates/PAYMENT/delete", url.Values{}, b.admin); r.code != http.StatusSeeOther {
		t.Fatalf("admin deletes: %d %s", r.code, r.body)
	}
	if n, after := len(templates(tenant)), b.auditLength(tenant); n != 0 || after != before+2 {
		t.Fatalf("after the delete: %d templates, %d audit records since the create", n, after-before)
	}
	if r := b.do("POST", "/admin/templates/PAYMENT/delete", url.Values{}, b.admin); r.code != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", r.code)
	}
}
