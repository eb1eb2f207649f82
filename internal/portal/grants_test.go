package portal_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/breakglass"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestGrantExtendRevoke: alice, the owner, asks from her accounts page to
// extend her open grant, which becomes an extend request for the
// approvers; bob (a member, not the owner) cannot ask for her. The revoke
// button shows on the approvals page of carol (an approver, not an admin)
// and the admin, not of bob nor another tenant's admin. Revoking the
// grant is refused to bob (lesser role, not an approver) and to another
// tenant's admin, and cross-site; carol, an approver, revokes it and the
// account locks at once, audited, with account.locked queued for push
// receivers.
func TestGrantExtendRevoke(t *testing.T) {
	var approvals *approval.Service
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		approvals = &approval.Service{Store: d.Store.(*sqlite.Store), Clock: d.Clock}
		d.Approvals = approvals
	})
	ctx := t.Context()
	tenant := e.alice.TenantID
	carol, carolCookie := e.member(tenant, "carol@acme.test", store.RoleApprover)
	g, err := e.admin.CreateGroup(ctx, "test", tenant, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.admin.AddToGroup(ctx, "test", tenant, g.ID, carol.ID); err != nil {
		t.Fatal(err)
	}
	e.approvalPolicy(tenant, policy.ApprovalRule{Required: 1, Groups: []string{g.ID}, MaxDuration: time.Hour}, admin.Target{App: e.app.ID})
	if _, _, err := e.admin.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: tenant, URL: "https://hooks.acme.test/deadbolt"}); err != nil {
		t.Fatal(err)
	}
	q, err := approvals.Create(ctx, "member:alice@acme.test", e.alice, e.app, "alice", approval.Ask{Reason: "month end", For: 20 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := approvals.Vote(ctx, approval.Ballot{RequestID: q.ID, Voter: carol, Approve: true, Channel: approval.ChannelPortal, Actor: "member:carol@acme.test"}); err != nil {
		t.Fatal(err)
	}
	acct := e.account("alice")
	open := func() bool {
		g, err := e.store.CurrentGrant(ctx, acct.ID)
		return err == nil && g.Usable(e.clock.Now())
	}
	if !open() {
		t.Fatal("the approved request opened nothing")
	}

	alice := e.signIn(e.alice)
	extendPath := "/accounts/" + acct.ID + "/extend"
	if r := e.do("GET", "/", nil, alice); !strings.Contains(r.body, `action="`+extendPath+`"`) {
		t.Fatalf("no extend form on alice's open account:\n%s", r.body)
	}
	pendingExtends := func() int {
		items, err := approvals.Inbox(ctx, carol, 10)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range items {
			if it.Request.Kind == store.RequestExtend {
				n++
			}
		}
		return n
	}
	bob := e.signIn(e.bob)
	e.refuses("extend", extendPath, []refusal{
		{"not the owner", bob, url.Values{"for": {"30 min"}, "reason": {"mine now"}}, nil, http.StatusNotFound, ""},
		{"cross-site", alice, url.Values{"for": {"30 min"}, "reason": {"x"}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, ""},
		{"no reason", alice, url.Values{"for": {"30 min"}}, nil, http.StatusBadRequest, ""},
		{"no length", alice, url.Values{"reason": {"x"}}, nil, http.StatusBadRequest, ""},
		{"over the policy's cap", alice, url.Values{"for": {"3 h"}, "reason": {"x"}}, nil, http.StatusBadRequest, ""},
	}, func() bool { return pendingExtends() != 0 })
	if r := e.do("POST", extendPath, url.Values{"for": {"30 min"}, "reason": {"still reconciling"}}, alice); r.code != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", r.code, r.body)
	}
	if n := pendingExtends(); n != 1 {
		t.Fatalf("carol has %d extend requests, want 1", n)
	}

	revokePath := "/grants/" + acct.ID + "/revoke"
	globex, err := e.admin.CreateTenant(ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	_, eve := e.member(globex.ID, "eve@globex.test", store.RoleAdmin)
	// The button shows to those the route allows, by its own rule: carol
	// (an approver, not an admin) and the tenant's admin; not bob, nor
	// another tenant's admin.
	button := `action="` + revokePath + `"`
	_, adminCookie := e.member(tenant, "root@acme.test", store.RoleAdmin)
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		want   bool
	}{
		{"carol, an approver", carolCookie, true},
		{"the admin", adminCookie, true},
		{"bob, a member", bob, false},
		{"another tenant's admin", eve, false},
	} {
		r := e.do("GET", "/approvals", nil, c.cookie)
		if r.code != http.StatusOK || strings.Contains(r.body, button) != c.want {
			t.Errorf("approvals page of %s: %d, revoke button shown %v, want %v", c.name, r.code, !c.want, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		cookie *http.Cookie
		hdr    []string
		want   int
	}{
		{"a member who is no approver", bob, nil, http.StatusForbidden},
		{"another tenant's admin", eve, nil, http.StatusNotFound},
		{"cross-site", carolCookie, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	} {
		if r := e.do("POST", revokePath, url.Values{"reason": {"x"}}, c.cookie, c.hdr...); r.code != c.want {
			t.Errorf("revoke, %s: %d, want %d", c.name, r.code, c.want)
		}
		if !open() {
			t.Fatalf("revoke, %s: the grant closed", c.name)
		}
	}
	if r := e.do("POST", revokePath, url.Values{"reason": {"done early"}}, carolCookie); r.code != http.StatusSeeOther ||
		!strings.Contains(r.header.Get("Location"), "done=grant-revoked") {
		t.Fatalf("carol revokes: %d %v", r.code, r.header)
	}
	if open() {
		t.Fatal("the grant is still open after the revoke")
	}
	if got := e.auditActions("member:carol@acme.test"); !slices.Contains(got, "grant.revoked") {
		t.Fatalf("carol's audit: %v", got)
	}
	msgs, err := e.store.OutboxOfTenant(ctx, tenant, 20)
	if err != nil {
		t.Fatal(err)
	}
	locked := false
	for _, m := range msgs {
		locked = locked || m.Channel == store.ChannelWebhook && m.Type == "account.locked"
	}
	if !locked {
		t.Fatalf("push receivers are not told: %+v", msgs)
	}
}

// TestBreakGlassPortal: alice's account is marked break-glass with a 30
// min cap: her accounts page offers the form, bob's unmarked account gets
// none; a missing reason, a length over the cap, bob on alice's account
// and a cross-site post open nothing; alice's break-glass opens it at
// once, audited as account.break_glass.
func TestBreakGlassPortal(t *testing.T) {
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		d.BreakGlass = &breakglass.Service{Store: d.Store, Clock: d.Clock, Notify: []string{store.ChannelEmail}}
	})
	ctx := t.Context()
	bg := &breakglass.Service{Store: e.store, Clock: e.clock}
	if _, err := bg.Mark(ctx, "test", e.alice.TenantID, breakglass.Target{App: e.app, Account: "alice"}, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	acct := e.account("alice")
	path := "/accounts/" + acct.ID + "/break-glass"
	alice, bob := e.signIn(e.alice), e.signIn(e.bob)
	if r := e.do("GET", "/", nil, alice); !strings.Contains(r.body, `action="`+path+`"`) || !strings.Contains(r.body, "at most 30 min") {
		t.Fatalf("no break-glass form on alice's marked account:\n%s", r.body)
	}
	if r := e.do("GET", "/", nil, bob); strings.Contains(r.body, "/break-glass") {
		t.Fatal("bob's unmarked account offers break-glass")
	}
	open := func() bool {
		g, err := e.store.CurrentGrant(ctx, acct.ID)
		return err == nil && g.Usable(e.clock.Now())
	}
	e.refuses("break glass", path, []refusal{
		{"no reason", alice, url.Values{"for": {"10 min"}}, nil, http.StatusBadRequest, ""},
		{"over the cap", alice, url.Values{"for": {"2 h"}, "reason": {"outage"}}, nil, http.StatusBadRequest, ""},
		{"not the owner", bob, url.Values{"reason": {"outage"}}, nil, http.StatusNotFound, ""},
		{"cross-site", alice, url.Values{"reason": {"outage"}}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, ""},
	}, open)
	if r := e.do("POST", path, url.Values{"for": {"10 min"}, "reason": {"payments outage"}}, alice); r.code != http.StatusSeeOther {
		t.Fatalf("break glass: %d %s", r.code, r.body)
	}
	if !open() {
		t.Fatal("break-glass did not open the account")
	}
	if got := e.auditActions("member:alice@acme.test"); !slices.Contains(got, "account.break_glass") {
		t.Fatalf("alice's audit: %v", got)
	}
}
