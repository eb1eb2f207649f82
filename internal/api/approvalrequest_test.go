package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

func (e *env) get(path, tok string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	if tok != "" {
		req.Header.Set("x-nl3-authorization-token", tok)
	}
	return e.do(http.DefaultClient, req)
}

// TestApprovalRequestAPI: NL3's approvalRequest over real HTTP, with the
// application's JWT: POST answers {"requestId","status":"pending"}; bad
// tokens, unknown templates and nested metaData are refused and store
// nothing; GET answers the same application the status and decisions, and
// another application of the tenant 404.
func TestApprovalRequestAPI(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	bob, err := e.admin.CreateMember(ctx, "test", admin.NewMember{TenantID: e.app.TenantID, Email: "bob@acme.test", Role: store.RoleApprover})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.CreateTemplate(ctx, "test", e.app.TenantID, admin.NewTemplate{Key: "PURCHASE_APPROVAL", Title: "Purchase",
		Text: "Buy ${item} for ${amount}", Approvers: []string{"bob@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	tok := e.mint(e.claims("alice"))
	body := `{"templateId":"PURCHASE_APPROVAL","approvers":["bob@acme.test"],"metaData":{"item":"paper","amount":12.5}}`

	for _, c := range []struct {
		name, tok, body string
		status          int
		code            string
	}{
		{"no token", "", body, 401, "token_missing"},
		{"forged token", tok[:len(tok)-4] + "AAAA", body, 401, ""},
		{"unknown template", tok, `{"templateId":"NOPE","metaData":{}}`, 404, ""},
		{"no template", tok, `{"metaData":{}}`, 400, ""},
		{"nested metaData", tok, `{"templateId":"PURCHASE_APPROVAL","metaData":{"item":{"a":1}}}`, 400, ""},
		{"approver outside the template", tok, `{"templateId":"PURCHASE_APPROVAL","approvers":["eve@acme.test"]}`, 400, ""},
	} {
		a := e.post(api.PathApprovalRequest, c.tok, c.body)
		if a.status != c.status || (c.code != "" && a.body["error"] != c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, a.status, a.raw, c.status, c.code)
		}
	}
	if ops, _ := e.store.PendingOperations(ctx, e.app.TenantID, 10); len(ops) != 0 {
		t.Fatalf("refused requests stored %d requests", len(ops))
	}

	a := e.post(api.PathApprovalRequest, tok, body)
	id, _ := a.body["requestId"].(string)
	if a.status != 200 || id == "" || a.body["status"] != "pending" || len(a.body) != 2 {
		t.Fatalf("POST: %d %s", a.status, a.raw)
	}
	o, err := e.store.Operation(ctx, e.app.TenantID, id)
	if err != nil || o.Text != "Buy paper for 12.5" || o.Subject != "alice" {
		t.Fatalf("stored request = %+v, %v", o, err)
	}

	if g := e.get(api.PathApprovalRequest+"/"+id, tok); g.status != 200 || g.body["status"] != "pending" || g.body["requestId"] != id {
		t.Fatalf("GET pending: %d %s", g.status, g.raw)
	}
	if g := e.get(api.PathApprovalRequest+"/"+id, ""); g.status != 401 {
		t.Fatalf("GET without a token: %d %s", g.status, g.raw)
	}
	// Another application of the same tenant does not see it.
	other, err := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: e.app.TenantID, Name: "Shop", Issuer: "https://shop.acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := e.admin.CreateKey(ctx, "test", other, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	c := e.claims("alice")
	c.Issuer = "https://shop.acme.test"
	otherTok, err := token.Mint(token.Key{Algorithm: "HS256", Secret: secret}, c)
	if err != nil {
		t.Fatal(err)
	}
	if g := e.get(api.PathApprovalRequest+"/"+id, otherTok); g.status != 404 {
		t.Fatalf("GET by another application: %d %s", g.status, g.raw)
	}

	if _, _, err := e.approvals.VoteOperation(ctx, approval.Ballot{RequestID: id, Voter: bob, Approve: true,
		Channel: approval.ChannelPortal, Actor: "member:" + bob.ID}); err != nil {
		t.Fatal(err)
	}
	g := e.get(api.PathApprovalRequest+"/"+id, tok)
	ds, _ := g.body["decisions"].([]any)
	if g.status != 200 || g.body["status"] != "approved" || len(ds) != 1 || ds[0].(map[string]any)["approver"] != "bob@acme.test" {
		t.Fatalf("GET decided: %d %s", g.status, g.raw)
	}
}

// TestApprovalRequestFailedTokensLimited: bad tokens on both approvalRequest
// routes spend the same failed-token budget as lock checks, so an address
// that keeps failing gets 429 with Retry-After; a valid token still passes.
func TestApprovalRequestFailedTokensLimited(t *testing.T) {
	e := newEnv(t, ratelimit.New(0.001, 3, 0))
	var limited int
	for i := range 10 {
		var a answer
		if i%2 == 0 {
			a = e.post(api.PathApprovalRequest, "junk.junk.junk", `{"templateId":"X"}`)
		} else {
			a = e.get("/nl3/api/v1/approvalRequest/nope", "junk.junk.junk")
		}
		if throttled(t, a) {
			limited++
		}
	}
	if limited != 7 {
		t.Fatalf("%d of 10 junk tokens throttled, want 7 (burst 3)", limited)
	}
	if a := e.get("/nl3/api/v1/approvalRequest/nope", e.mint(e.claims("alice"))); a.status != http.StatusNotFound {
		t.Fatalf("valid token after junk: %d %s", a.status, a.raw)
	}
}
