package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// servedWithApprovals is a served env whose portal runs approvals, and
// that approval service.
func servedWithApprovals(t *testing.T) (*env, string, *approval.Service) {
	t.Helper()
	var approvals *approval.Service
	e, base := servedWith(t, func(d *portal.Deps) {
		approvals = &approval.Service{Store: d.Store.(*sqlite.Store), Clock: d.Clock}
		d.Approvals = approvals
	})
	return e, base, approvals
}

// crossSiteVote posts an approval to target from tab as a form from another
// site would, and returns the status.
func crossSiteVote(t *testing.T, tab *softkey.Client, target string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, target, strings.NewReader("decision=approve"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := tab.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// approvalPolicy makes the approval policy "treasury" of tenantID with
// rule, assigns it to target and returns it.
func (e *env) approvalPolicy(tenantID string, rule policy.ApprovalRule, target admin.Target) policy.Policy {
	e.t.Helper()
	ctx := e.t.Context()
	pol, err := e.admin.CreatePolicy(ctx, "test", tenantID, policy.Policy{Name: "treasury", Type: policy.Approval, Enabled: true, Approval: &rule})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.admin.Assign(ctx, "test", tenantID, pol.ID, target); err != nil {
		e.t.Fatal(err)
	}
	return pol
}

// TestApprovalsInbox: under a policy of one approval from the finance
// group, carol sees alice's request in her inbox at /approvals and
// approves it over HTTP; alice sees the vote under "My requests". bob
// (no approver) sees nothing and his vote is refused; another tenant's
// admin sees nothing and cannot vote; a cross-origin vote is refused.
func TestApprovalsInbox(t *testing.T) {
	e, base, approvals := servedWithApprovals(t)
	ctx := context.Background()
	carol := e.enrol(base, e.alice.TenantID, "carol@acme.test", store.RoleApprover)
	g, err := e.admin.CreateGroup(ctx, "test", e.alice.TenantID, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.admin.AddToGroup(ctx, "test", e.alice.TenantID, g.ID, carol.m.ID); err != nil {
		t.Fatal(err)
	}
	e.approvalPolicy(e.alice.TenantID, policy.ApprovalRule{Required: 1, Groups: []string{g.ID}, MaxDuration: time.Hour}, admin.Target{App: e.app.ID})
	q, err := approvals.Create(ctx, "member:alice@acme.test", e.alice, e.app, "alice", approval.Ask{Reason: "month end", For: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	votePath := "/approvals/" + q.ID + "/vote"
	vote := func(c *softkey.Client, decision string) (int, string) {
		t.Helper()
		res, err := c.PostForm(ctx, votePath, url.Values{"decision": {decision}})
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	code, body := page(t, carol.tab, "/approvals")
	if code != http.StatusOK || !strings.Contains(body, "month end") || !strings.Contains(body, "alice@acme.test") ||
		!strings.Contains(body, "expires in") || !strings.Contains(body, `action="`+votePath+`"`) ||
		strings.Contains(body, "/approvals/"+q.ID+"/sign") {
		t.Fatalf("carol's inbox: %d\n%s", code, body)
	}

	// bob is no approver: nothing in his inbox, and his vote is refused.
	bobTab, bobKey := e.setupMember(base, e.bob)
	bob := person{m: e.bob, tab: bobTab, key: bobKey}
	if code, body := page(t, bob.tab, "/approvals"); code != http.StatusOK || strings.Contains(body, votePath) {
		t.Fatalf("bob's inbox: %d\n%s", code, body)
	}
	if code, body := vote(bob.tab, "approve"); code != http.StatusForbidden || !strings.Contains(body, "not an approver") {
		t.Fatalf("bob votes: %d, want 403\n%s", code, body)
	}
	// Another tenant's admin sees nothing and cannot vote.
	globex, _ := e.admin.CreateTenant(ctx, "test", "globex")
	eve := e.enrol(base, globex.ID, "eve@globex.test", store.RoleAdmin)
	if code, body := page(t, eve.tab, "/approvals"); code != http.StatusOK || strings.Contains(body, q.ID) {
		t.Fatalf("another tenant's admin's inbox: %d\n%s", code, body)
	}
	if code, _ := vote(eve.tab, "approve"); code != http.StatusNotFound && code != http.StatusForbidden {
		t.Fatalf("another tenant's admin votes: %d, want 404 or 403", code)
	}
	// A vote from another site is refused and changes nothing.
	if code := crossSiteVote(t, carol.tab, base+votePath); code != http.StatusForbidden {
		t.Fatalf("cross-origin vote: %d, want 403", code)
	}
	if got, _ := e.store.UnlockRequest(ctx, q.ID); got.Status != store.RequestPending {
		t.Fatalf("after refused votes: %+v", got)
	}

	// A vote that is neither approve nor deny is refused.
	if code, _ := vote(carol.tab, "maybe"); code != http.StatusBadRequest {
		t.Fatalf("carol votes maybe: %d, want 400", code)
	}
	if code, body := vote(carol.tab, "approve"); code != http.StatusOK || !strings.Contains(body, "Your vote was recorded") ||
		strings.Contains(body, votePath) {
		t.Fatalf("carol approves: %d\n%s", code, body)
	}
	if got, _ := e.store.UnlockRequest(ctx, q.ID); got.Status != store.RequestApproved || got.GrantID == "" {
		t.Fatalf("after carol's approval: %+v", got)
	}
	if code, _ := vote(carol.tab, "approve"); code != http.StatusForbidden {
		t.Fatalf("carol votes twice: %d, want 403", code)
	}
	aliceTab, _ := e.setupMember(base, e.alice)
	if code, body := page(t, aliceTab, "/approvals"); code != http.StatusOK || !strings.Contains(body, "My requests") ||
		!strings.Contains(body, "approved via portal") {
		t.Fatalf("alice's requests: %d\n%s", code, body)
	}
}

// TestOperationInbox: an approval request for an operation shows in its
// approvers' inbox with its title and its filled text HTML-escaped; a
// member who is not an approver and another tenant's admin cannot vote, a
// cross-site vote is refused, and the approver's vote decides it.
func TestOperationInbox(t *testing.T) {
	e, base, approvals := servedWithApprovals(t)
	ctx := context.Background()
	carol := e.enrol(base, e.alice.TenantID, "carol@acme.test", store.RoleApprover)
	if _, err := e.admin.CreateTemplate(ctx, "test", e.alice.TenantID, admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item}", Approvers: []string{"carol@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	o, err := approvals.AskOperation(ctx, e.app, "alice", approval.OperationAsk{Template: "PURCHASE_APPROVAL",
		MetaData: map[string]string{"item": `<script>alert(1)</script>`}})
	if err != nil {
		t.Fatal(err)
	}
	votePath := "/approvals/ops/" + o.ID + "/vote"
	vote := func(c *softkey.Client, decision string) int {
		t.Helper()
		res, err := c.PostForm(ctx, votePath, url.Values{"decision": {decision}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	code, body := page(t, carol.tab, "/approvals")
	if code != http.StatusOK || !strings.Contains(body, "Purchase") || !strings.Contains(body, "Buy &lt;script&gt;alert(1)&lt;/script&gt;") ||
		strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, `action="`+votePath+`"`) {
		t.Fatalf("carol's inbox: %d\n%s", code, body)
	}
	bobTab, _ := e.setupMember(base, e.bob)
	if code, body := page(t, bobTab, "/approvals"); code != http.StatusOK || strings.Contains(body, votePath) {
		t.Fatalf("bob's inbox: %d\n%s", code, body)
	}
	if code := vote(bobTab, "approve"); code != http.StatusForbidden {
		t.Fatalf("bob votes: %d, want 403", code)
	}
	globex, _ := e.admin.CreateTenant(ctx, "test", "globex")
	eve := e.enrol(base, globex.ID, "eve@globex.test", store.RoleAdmin)
	if code := vote(eve.tab, "approve"); code != http.StatusNotFound {
		t.Fatalf("another tenant's admin votes: %d, want 404", code)
	}
	if code := crossSiteVote(t, carol.tab, base+votePath); code != http.StatusForbidden {
		t.Fatalf("cross-origin vote: %d, want 403", code)
	}
	if got, _ := e.store.Operation(ctx, e.alice.TenantID, o.ID); got.Status != store.RequestPending {
		t.Fatalf("after refused votes: %+v", got)
	}
	if code := vote(carol.tab, "approve"); code != http.StatusOK {
		t.Fatalf("carol approves: %d", code)
	}
	if got, _ := e.store.Operation(ctx, e.alice.TenantID, o.ID); got.Status != store.RequestApproved {
		t.Fatalf("after carol's approval: %+v", got)
	}
}
