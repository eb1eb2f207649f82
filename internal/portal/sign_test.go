package portal_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/evidence"
	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// TestSignToApprove: under a policy that says sign (2 of the finance
// group), two approvers sign their approvals with their passkeys over
// HTTP; the account opens; the evidence the portal serves verifies
// offline, pinned to their keys. Someone outside the approvers, another
// tenant's admin and a second vote are refused.
func TestSignToApprove(t *testing.T) {
	e, base, approvals := servedWithApprovals(t)
	approvals.Verifier = approval.PasskeyVerifier{Passkeys: e.portal.Passkeys()}
	ctx := context.Background()
	carol := e.enrol(base, e.alice.TenantID, "carol@acme.test", store.RoleApprover)
	dave := e.enrol(base, e.alice.TenantID, "dave@acme.test", store.RoleApprover)
	g, err := e.admin.CreateGroup(ctx, "test", e.alice.TenantID, "finance", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Member{carol.m, dave.m} {
		if _, _, err := e.admin.AddToGroup(ctx, "test", e.alice.TenantID, g.ID, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.approvalPolicy(e.alice.TenantID, policy.ApprovalRule{Required: 2, Sign: true, Groups: []string{g.ID}, MaxDuration: time.Hour}, admin.Target{App: e.app.ID})
	q, err := approvals.Create(ctx, "member:alice@acme.test", e.alice, e.app, "alice", approval.Ask{Reason: "month end", For: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	signPath := "/approvals/" + q.ID + "/sign"
	sign := func(p person, decision string) (string, error) {
		return p.tab.Assert(ctx, p.key, signPath+"/begin", signPath+"/finish", map[string]string{"decision": decision})
	}

	if code, body := page(t, carol.tab, signPath); code != http.StatusOK || !strings.Contains(body, "month end") || !strings.Contains(body, "Approve and sign") {
		t.Fatalf("carol's sign page: %d\n%s", code, body)
	}
	// bob is no approver, no requester and no admin: he may not see the
	// request at all, and signing is refused.
	bobTab, bobKey := e.setupMember(base, e.bob)
	bob := person{m: e.bob, tab: bobTab, key: bobKey}
	if code, body := page(t, bob.tab, signPath); code != http.StatusNotFound || strings.Contains(body, "month end") {
		t.Fatalf("bob's sign page: %d, want 404 without the request's details", code)
	}
	var se *softkey.StatusError
	if _, err := sign(bob, evidence.Approve); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Fatalf("bob signs: %v, want 403", err)
	}
	// Another tenant's admin does not see the request at all.
	globex, _ := e.admin.CreateTenant(ctx, "test", "globex")
	eve := e.enrol(base, globex.ID, "eve@globex.test", store.RoleAdmin)
	if code, _ := page(t, eve.tab, signPath); code != http.StatusNotFound {
		t.Fatalf("another tenant's admin: %d, want 404", code)
	}
	if code, _ := page(t, eve.tab, "/approvals/"+q.ID+"/evidence"); code != http.StatusNotFound {
		t.Fatalf("another tenant's admin downloads evidence: %d, want 404", code)
	}

	if to, err := sign(carol, evidence.Approve); err != nil || to != signPath+"?done=approve" {
		t.Fatalf("carol signs: %q, %v", to, err)
	}
	if _, err := sign(carol, evidence.Approve); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Fatalf("carol signs twice: %v, want 403", err)
	}
	if _, err := sign(dave, evidence.Approve); err != nil {
		t.Fatalf("dave signs: %v", err)
	}
	if got, _ := e.store.UnlockRequest(ctx, q.ID); got.Status != store.RequestApproved || got.GrantID == "" {
		t.Fatalf("after two signed approvals: %+v", got)
	}

	if code, _ := page(t, bob.tab, "/approvals/"+q.ID+"/evidence"); code != http.StatusNotFound {
		t.Fatalf("bob downloads the evidence: %d, want 404", code)
	}
	res, err := carol.tab.Get(ctx, "/approvals/"+q.ID+"/evidence")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	file, err := evidence.Read(res.Body)
	if err != nil {
		t.Fatalf("evidence download (%d): %v", res.StatusCode, err)
	}
	got, err := evidence.Verify(file, evidence.Options{RPID: "localhost", Keys: fingerprints(carol, dave)})
	if err != nil {
		t.Fatalf("the downloaded evidence: %v", err)
	}
	if len(got) != 2 || got[0].Statement.Approver != "carol@acme.test" || got[1].Statement.Approver != "dave@acme.test" ||
		got[0].Statement.Reason != "month end" || got[0].Statement.Duration() != 30*time.Minute {
		t.Fatalf("verified: %+v", got)
	}
}

// fingerprints are the SHA-256 fingerprints of people's passkeys' public
// keys, as `deadbolt approval verify --key` takes them.
func fingerprints(people ...person) []string {
	var keys []string
	for _, p := range people {
		pub, _ := p.key.PublicKeyCOSE()
		keys = append(keys, evidence.Fingerprint(pub))
	}
	return keys
}
