package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// TestAskAheadPortal: alice's account is under an approval policy (carol
// approves, 1 h at most): her accounts page offers "Ask for access" in
// place of Unlock, with no length beyond the policy's cap; bob's account,
// under no approval policy, keeps Unlock. A missing reason, a malformed
// or past start, a length over the cap, bob on alice's account and a
// cross-site post ask nothing; alice's ask makes one pending request with
// her reason, length and start, and carol is told through the outbox.
func TestAskAheadPortal(t *testing.T) {
	e := newEnvWith(t, publicURL, func(d *portal.Deps) {
		withPolicies(d)
		d.Approvals = &approval.Service{Store: d.Store.(*sqlite.Store), Clock: d.Clock, Notify: []string{store.ChannelEmail}}
	})
	ctx := t.Context()
	tenant := e.alice.TenantID
	carol, _ := e.member(tenant, "carol@acme.test", store.RoleApprover)
	pol := e.approvalPolicy(tenant, policy.ApprovalRule{Required: 1, Members: []string{carol.ID}, MaxDuration: time.Hour}, admin.Target{Member: e.alice.ID})
	acct := e.account("alice")
	path := "/accounts/" + acct.ID + "/request"
	alice, bob := e.signIn(e.alice), e.signIn(e.bob)

	page := e.do("GET", "/", nil, alice).body
	if !strings.Contains(page, `action="`+path+`"`) {
		t.Fatalf("no ask form on alice's governed account:\n%s", page)
	}
	if strings.Contains(page, `action="/accounts/`+acct.ID+`/unlock"`) {
		t.Error("alice's governed account still offers Unlock, which its policy refuses")
	}
	if form := page[strings.Index(page, `action="`+path+`"`):]; strings.Contains(form[:strings.Index(form, "</form>")], `value="4 h"`) {
		t.Error("the ask form offers 4 h, beyond the policy's 1 h")
	}
	bobPage := e.do("GET", "/", nil, bob).body
	if strings.Contains(bobPage, "/request\"") || !strings.Contains(bobPage, "/unlock\"") {
		t.Errorf("bob's account, under no approval policy, must keep Unlock and offer no ask:\n%s", bobPage)
	}

	pending := func() (store.UnlockRequest, bool) {
		q, err := e.store.PendingRequest(ctx, acct.ID)
		if err != nil {
			return q, false
		}
		return q, q.Status == store.RequestPending
	}
	start := e.clock.Now().UTC().Add(2 * time.Hour).Truncate(time.Minute)
	good := url.Values{"reason": {"month end close"}, "for": {"30 min"}, "start": {start.Format("2006-01-02T15:04")}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
	}
	e.refuses("ask", path, []refusal{
		{"bob, not the owner", bob, good, nil, http.StatusNotFound, ""},
		{"cross-site", alice, good, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, ""},
		{"no reason", alice, with("reason", "  "), nil, http.StatusBadRequest, "Give a reason"},
		{"malformed start", alice, with("start", "tomorrow 9ish"), nil, http.StatusBadRequest, "is not a start time"},
		{"past start", alice, with("start", e.clock.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")), nil, http.StatusBadRequest, "in the past"},
		{"over the policy's cap", alice, with("for", "2 h"), nil, http.StatusBadRequest, ""},
		{"bad length", alice, with("for", "a while"), nil, http.StatusBadRequest, ""},
	}, func() bool { _, made := pending(); return made })

	r := e.do("POST", path, good, alice)
	if r.code != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=access-asked") {
		t.Fatalf("alice asks: %d %v\n%s", r.code, r.header, r.body)
	}
	q, ok := pending()
	if !ok {
		t.Fatal("alice's ask made no pending request")
	}
	if q.Kind != store.RequestAhead || q.Reason != "month end close" || q.Duration != 30*time.Minute ||
		!q.StartsAt.Equal(start) || q.RequestedBy != e.alice.ID || q.PolicyID != pol.ID {
		t.Fatalf("request: %+v, want ahead by alice for 30 min from %s", q, start)
	}
	msgs, err := e.store.OutboxOfTenant(ctx, tenant, 50)
	if err != nil {
		t.Fatal(err)
	}
	told := false
	for _, m := range msgs {
		told = told || m.MemberID == carol.ID && m.Channel == store.ChannelEmail && strings.Contains(string(m.Payload), q.ID)
	}
	if !told {
		t.Fatalf("carol is not told of the request: %+v", msgs)
	}
	page = e.do("GET", "/?done=access-asked", nil, alice).body
	if !strings.Contains(page, "Access asked.") {
		t.Error("no notice after asking")
	}
	// Her own request is shown as hers to wait on, not as a sign-in she
	// could approve.
	if !strings.Contains(page, "You asked for access to <strong>alice</strong>") || strings.Contains(page, "/requests/"+q.ID+"/approve") {
		t.Errorf("alice's page words her own request as a sign-in to vote on:\n%s", page)
	}
}
