package mgmtapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The callers of the isolation matrix, in the order each route tries
// them: the admin last, since its writes change what the route sees.
var callers = []string{"none", "revoked", "expired", "other", "auditor", "approver", "admin"}

// fixture is tenant acme's records the routes name.
type fixture struct {
	app     store.Application
	kid     string
	account store.Account
	member  store.Member
	group   store.Group
	policy  policy.Policy
	webhook store.Webhook
	// bank is under an approval policy: two of the group's three
	// approvers (bob, carol, dave) open an account, and a request is
	// denied when two approvals can no longer come. approve and deny are
	// requests alice asked for on accounts treasury and till.
	bank          store.Application
	approve, deny store.UnlockRequest
	template      store.Template
}

func (e *env) fixture() fixture {
	t := e.t
	var f fixture
	var err error
	if f.app, err = e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test"}); err != nil {
		t.Fatal(err)
	}
	k, _, err := e.admin.CreateKey(e.ctx, "test", f.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	f.kid = k.KID
	if f.account, err = e.access.Enroll(e.ctx, "test", f.app, "alice", "alice@acme.test"); err != nil {
		t.Fatal(err)
	}
	if f.member, err = e.store.MemberByEmail(e.ctx, e.tenant.ID, "alice@acme.test"); err != nil {
		t.Fatal(err)
	}
	if f.group, err = e.admin.CreateGroup(e.ctx, "test", e.tenant.ID, "finance", ""); err != nil {
		t.Fatal(err)
	}
	if f.policy, err = e.admin.CreatePolicy(e.ctx, "test", e.tenant.ID, policy.Policy{Name: "incident", Type: policy.Alert,
		Action: policy.Lock, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, For: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if f.webhook, _, err = e.admin.CreateWebhook(e.ctx, "test", admin.NewWebhook{TenantID: e.tenant.ID, URL: "http://127.0.0.1:9/hook"}); err != nil {
		t.Fatal(err)
	}
	if f.bank, err = e.admin.CreateApp(e.ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Bank", Issuer: "https://bank.acme.test"}); err != nil {
		t.Fatal(err)
	}
	for _, acct := range []string{"treasury", "till", "vault-approver", "vault-admin"} {
		if _, err := e.access.Enroll(e.ctx, "test", f.bank, acct, "alice@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	g, err := e.admin.CreateGroup(e.ctx, "test", e.tenant.ID, "approvers", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"bob", "carol", "dave"} {
		m, err := e.admin.CreateMember(e.ctx, "test", admin.NewMember{TenantID: e.tenant.ID, Email: who + "@acme.test", Role: store.RoleApprover})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.admin.AddToGroup(e.ctx, "test", e.tenant.ID, g.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.admin.CreatePolicy(e.ctx, "test", e.tenant.ID, policy.Policy{Name: "bank approvals", Type: policy.Approval, Enabled: true,
		Approval: &policy.ApprovalRule{Required: 2, Groups: []string{g.ID}, DenyOn: policy.DenyQuorum}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Assign(e.ctx, "test", e.tenant.ID, p.ID, admin.Target{App: f.bank.ID}); err != nil {
		t.Fatal(err)
	}
	svc := &approval.Service{Store: e.store, Clock: e.clock}
	if f.approve, err = svc.Create(e.ctx, "test", f.member, f.bank, "treasury", approval.Ask{Reason: "quarter close"}); err != nil {
		t.Fatal(err)
	}
	if f.deny, err = svc.Create(e.ctx, "test", f.member, f.bank, "till", approval.Ask{Reason: "cash count"}); err != nil {
		t.Fatal(err)
	}
	if f.template, err = e.admin.CreateTemplate(e.ctx, "test", e.tenant.ID, admin.NewTemplate{Key: "PURCHASE", Title: "Purchase",
		Approvers: []string{"bob@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// cell is what one caller gets from one route.
type cells map[string]int

// every401 is the answer of the callers without a usable token.
func row(other, auditor, approver, adm int) cells {
	return cells{"none": 401, "revoked": 401, "expired": 401, "other": other, "auditor": auditor, "approver": approver, "admin": adm}
}

// TestIsolationMatrix tries every route with every kind of caller: no
// token, a revoked and an expired one, another tenant's admin, and this
// tenant's auditor, approver and admin. The expected answer of each cell
// is written here; another tenant's admin never sees or changes acme's
// records (404 for them, its own records in lists).
func TestIsolationMatrix(t *testing.T) {
	e := newEnv(t, nil)
	f := e.fixture()
	toks := map[string]string{
		"other":    e.token(e.other, apitoken.RoleAdmin),
		"auditor":  e.token(e.tenant, apitoken.RoleAuditor),
		"approver": e.token(e.tenant, apitoken.RoleApprover),
		"admin":    e.token(e.tenant, apitoken.RoleAdmin),
	}
	revoked, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	toks["revoked"] = secret
	if _, err := e.tokens.Revoke(e.ctx, "test", e.tenant.ID, revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, toks["expired"], err = e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleAdmin, ExpiresIn: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)

	r := strings.NewReplacer("{app}", f.app.ID, "{kid}", f.kid, "{account}", f.account.ID, "{member}", f.member.ID,
		"{group}", f.group.ID, "{policy}", f.policy.ID, "{webhook}", f.webhook.ID, "{bank}", f.bank.ID,
		"{approve}", f.approve.ID, "{deny}", f.deny.ID)
	// Who a vote is cast for: the approver's token votes as bob, the
	// admin's as carol; the others never get that far.
	// The other tenant's admin names bob too, who is not its member.
	voter := map[string]string{"other": "bob@acme.test", "approver": "bob@acme.test", "admin": "carol@acme.test"}
	tests := []struct {
		method, path string
		body         string // JSON; {caller} names the caller, so that creations differ
		want         cells
	}{
		{"GET", "/api/v1/whoami", "", row(200, 200, 200, 200)},
		{"GET", "/api/v1/applications", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/applications", `{"name":"App {caller}","issuer":"https://{caller}.app.test"}`, row(201, 403, 403, 201)},
		{"GET", "/api/v1/applications/{app}", "", row(404, 200, 200, 200)},
		{"GET", "/api/v1/applications/{app}/keys", "", row(404, 200, 200, 200)},
		{"POST", "/api/v1/applications/{app}/keys", `{}`, row(404, 403, 403, 201)},
		{"POST", "/api/v1/applications/{app}/keys/{kid}/revoke", `{}`, row(404, 403, 403, 200)},
		{"GET", "/api/v1/accounts", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/accounts", `{"application":"{app}","account":"acct-{caller}"}`, row(404, 403, 403, 201)},
		{"GET", "/api/v1/accounts/{account}", "", row(404, 200, 200, 200)},
		{"POST", "/api/v1/accounts/{account}/lock", `{}`, row(404, 403, 403, 200)},
		{"POST", "/api/v1/accounts/{account}/unlock", `{"for_seconds":600}`, row(404, 403, 403, 200)},
		{"GET", "/api/v1/members", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/members", `{"email":"{caller}@people.test","role":"member"}`, row(201, 403, 403, 201)},
		{"GET", "/api/v1/members/{member}", "", row(404, 200, 200, 200)},
		{"GET", "/api/v1/groups", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/groups", `{"name":"group-{caller}"}`, row(201, 403, 403, 201)},
		{"POST", "/api/v1/groups/{group}/members", `{"member":"{member}"}`, row(404, 403, 403, 200)},
		{"DELETE", "/api/v1/groups/{group}/members/{member}", "", row(404, 403, 403, 200)},
		{"GET", "/api/v1/policies", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/policies", `{"name":"policy-{caller}","type":"alert","action":"lock","alert":{"on":["execute"],"for":3600000000000}}`, row(201, 403, 403, 201)},
		{"GET", "/api/v1/policies/{policy}", "", row(404, 200, 200, 200)},
		{"GET", "/api/v1/webhooks", "", row(200, 200, 403, 200)},
		{"POST", "/api/v1/webhooks", `{"url":"http://127.0.0.1:9/{caller}"}`, row(201, 403, 403, 201)},
		{"DELETE", "/api/v1/webhooks/{webhook}", "", row(404, 403, 403, 200)},
		{"GET", "/api/v1/deliveries", "", row(200, 200, 403, 200)},
		{"GET", "/api/v1/requests", "", row(200, 200, 200, 200)},
		{"GET", "/api/v1/requests?state=all&limit=1", "", row(200, 200, 200, 200)},
		{"GET", "/api/v1/requests?state=pending", "", row(400, 400, 400, 400)},
		{"POST", "/api/v1/requests", `{"application":"{bank}","account":"vault-{caller}","as":"alice@acme.test","reason":"by {caller}"}`, row(404, 403, 403, 201)},
		{"GET", "/api/v1/requests/{approve}", "", row(404, 200, 200, 200)},
		{"POST", "/api/v1/requests/{approve}/approve", `{"as":"{voter}"}`, row(404, 403, 200, 200)},
		{"POST", "/api/v1/requests/{deny}/deny", `{"as":"{voter}"}`, row(404, 403, 200, 200)},
		{"GET", "/api/v1/templates", "", row(200, 200, 200, 200)},
		{"POST", "/api/v1/templates", `{"key":"KEY_{CALLER}","title":"t"}`, row(201, 403, 403, 201)},
		{"DELETE", "/api/v1/templates/PURCHASE", "", row(404, 403, 403, 200)},
		{"GET", "/api/v1/audit", "", row(200, 200, 403, 200)},
		{"GET", "/api/v1/audit/export", "", row(200, 200, 403, 200)},
		{"GET", "/api/v1/checks?application={app}", "", row(404, 200, 403, 200)},
		{"GET", "/api/v1/checks/export?application={app}", "", row(404, 200, 403, 200)},
	}

	// Every served route has a row.
	var served, covered []string
	for _, rt := range e.api.Routes() {
		served = append(served, rt.Method+" "+rt.Path)
	}
	for _, tc := range tests {
		p, _, _ := strings.Cut(tc.path, "?")
		p = strings.NewReplacer("/api/v1/members/{member}", "/api/v1/members/{id}", "{approve}", "{id}", "{deny}", "{id}",
			"/templates/PURCHASE", "/templates/{key}", "{app}", "{id}", "{account}", "{id}", "{group}", "{id}", "{policy}", "{id}", "{webhook}", "{id}").Replace(p)
		covered = append(covered, tc.method+" "+p)
	}
	for _, s := range served {
		if !slices.Contains(covered, s) {
			t.Errorf("route %s has no row in the isolation matrix", s)
		}
	}

	acmeIDs := []string{f.app.ID, f.account.ID, f.member.ID, f.group.ID, f.policy.ID, f.webhook.ID, f.bank.ID, f.approve.ID,
		f.deny.ID, f.template.ID}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			for _, who := range callers {
				var body any
				if tc.body != "" {
					body = json.RawMessage(strings.NewReplacer("{caller}", who, "{CALLER}", strings.ToUpper(who), "{voter}", voter[who]).Replace(r.Replace(tc.body)))
				}
				var hdr []string
				if who != "none" {
					hdr = bearer(toks[who])
				}
				got := e.do(tc.method, r.Replace(tc.path), body, hdr...)
				if got.status != tc.want[who] {
					t.Errorf("%s: status %d, want %d: %s", who, got.status, tc.want[who], got.body)
				}
				if who == "other" && got.status < 300 {
					for _, id := range acmeIDs {
						if strings.Contains(string(got.body), id) {
							t.Errorf("other tenant's admin sees acme's record %s: %s", id, got.body)
						}
					}
				}
			}
		})
	}
}

// TestWritesAuditedAsToken: a change made through the API is in the
// tenant's audit trail with the token as its actor.
func TestWritesAuditedAsToken(t *testing.T) {
	e := newEnv(t, nil)
	tok, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	got := e.do("POST", "/api/v1/applications", map[string]any{"name": "Wiki", "issuer": "https://wiki.acme.test"}, bearer(secret)...)
	if got.status != http.StatusCreated {
		t.Fatalf("create: %d %s", got.status, got.body)
	}
	recs, err := e.store.AuditRecords(e.ctx, e.tenant.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(recs, func(r auditRecord) bool {
		return r.Action == "application.created" && r.Actor == "api-token:"+tok.ID
	}) {
		t.Errorf("no application.created by api-token:%s in %+v", tok.ID, recs)
	}
}

// TestRequestVotesAndAuditExport: two approvals through the API, by two
// tokens, approve a request (package approval counts them); one token
// cannot cast both (same_actor) nor vote for someone who is no approver;
// the audit export streams the votes with the token as actor, as JSONL
// and CSV.
func TestRequestVotesAndAuditExport(t *testing.T) {
	e := newEnv(t, nil)
	f := e.fixture()
	tok, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleApprover})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/requests/" + f.approve.ID + "/approve"
	if got := e.do("POST", path, map[string]any{"as": "alice@acme.test"}, bearer(secret)...); got.status != http.StatusForbidden {
		t.Errorf("vote as the requester, who is no approver: %d %s", got.status, got.body)
	}
	got := e.do("POST", path, map[string]any{"as": "bob@acme.test", "comment": "ok"}, bearer(secret)...)
	if v := got.json(t); got.status != 200 || v["status"] != "pending" || v["decided"] != false || v["approvals"] != 1.0 {
		t.Fatalf("first approval: %d %s", got.status, got.body)
	}
	// One token is one actor: it cannot make up the quorum by voting
	// "as" a second approver.
	got = e.do("POST", path, map[string]any{"as": "carol@acme.test"}, bearer(secret)...)
	if v := got.json(t); got.status != http.StatusForbidden || v["error"] != "same_actor" {
		t.Fatalf("the token's second approval, as carol: %d %s", got.status, got.body)
	}
	_, other, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: e.tenant.ID, Role: apitoken.RoleApprover})
	if err != nil {
		t.Fatal(err)
	}
	got = e.do("POST", path, map[string]any{"as": "carol@acme.test"}, bearer(other)...)
	if v := got.json(t); got.status != 200 || v["status"] != "approved" || v["decided"] != true || v["grant_id"] == "" {
		t.Fatalf("second approval, by a second token: %d %s", got.status, got.body)
	}
	auditor := e.token(e.tenant, apitoken.RoleAuditor)
	got = e.do("GET", "/api/v1/audit/export?action=request.voted", nil, bearer(auditor)...)
	lines := strings.Split(strings.TrimSpace(string(got.body)), "\n")
	if got.status != 200 || len(lines) != 2 || !strings.Contains(lines[0], `"actor":"api-token:`+tok.ID+`"`) {
		t.Fatalf("JSONL export: %d %s", got.status, got.body)
	}
	got = e.do("GET", "/api/v1/audit/export?format=csv&action=request.voted", nil, bearer(auditor)...)
	if rows := strings.Split(strings.TrimSpace(string(got.body)), "\n"); got.status != 200 || len(rows) != 3 || !strings.HasPrefix(got.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV export: %d %s", got.status, got.body)
	}
	if got = e.do("GET", "/api/v1/audit/export?format=xml", nil, bearer(auditor)...); got.status != http.StatusBadRequest {
		t.Errorf("format=xml: %d %s", got.status, got.body)
	}
}

// TestCheckPagesAndExport: the check log pages oldest first with a cursor
// (full pages while there are more), honours since, and exports whole as
// JSONL or CSV.
func TestCheckPagesAndExport(t *testing.T) {
	e := newEnv(t, nil)
	f := e.fixture()
	var recs []store.CheckRecord
	start := e.clock.Now()
	for i := range 25 {
		recs = append(recs, store.CheckRecord{ID: fmt.Sprintf("chk%02d", i), TenantID: e.tenant.ID, AppID: f.app.ID, KID: f.kid,
			Account: "alice", At: start.Add(time.Duration(i) * time.Second), Locked: true, Status: "locked"})
	}
	if err := e.store.AppendChecks(e.ctx, recs); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	tok := e.token(e.tenant, apitoken.RoleAuditor)
	var seen []string
	var sizes []int
	cursor := ""
	for range 5 {
		got := e.do("GET", "/api/v1/checks?application="+f.app.ID+"&limit=10&cursor="+cursor, nil, bearer(tok)...)
		v := got.json(t)
		items := v["items"].([]any)
		sizes = append(sizes, len(items))
		for _, it := range items {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		if cursor, _ = v["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if fmt.Sprint(sizes) != "[10 10 5]" || len(seen) != 25 || seen[0] != "chk00" || seen[24] != "chk24" {
		t.Errorf("pages %v, ids %v", sizes, seen)
	}
	since := start.Add(20 * time.Second).Format(time.RFC3339)
	if got := e.do("GET", "/api/v1/checks?application="+f.app.ID+"&since="+since, nil, bearer(tok)...); len(got.json(t)["items"].([]any)) != 5 {
		t.Errorf("since %s: %s", since, got.body)
	}
	got := e.do("GET", "/api/v1/checks/export?application="+f.app.ID, nil, bearer(tok)...)
	if n := strings.Count(string(got.body), "\n"); got.status != 200 || n != 25 {
		t.Errorf("JSONL export: %d, %d lines", got.status, n)
	}
	got = e.do("GET", "/api/v1/checks/export?format=csv&application="+f.app.ID, nil, bearer(tok)...)
	if lines := strings.Split(strings.TrimSpace(string(got.body)), "\n"); got.status != 200 || len(lines) != 26 || !strings.HasPrefix(lines[0], "id,app_id") {
		t.Errorf("CSV export: %d %.200s", got.status, got.body)
	}
}

// TestDeliveryPages: deliveries page newest first with a cursor, ties of
// one instant broken by ID, each message once.
func TestDeliveryPages(t *testing.T) {
	e := newEnv(t, nil)
	f := e.fixture()
	err := e.store.Update(e.ctx, func(tx store.Tx) error {
		for i := range 25 {
			m := store.OutboxMessage{ID: fmt.Sprintf("msg%02d", i), TenantID: e.tenant.ID, Channel: store.ChannelWebhook,
				WebhookID: f.webhook.ID, Type: "account.locked", Payload: []byte(`{}`), CreatedAt: e.clock.Now().Add(time.Duration(i/2) * time.Second)}
			if err := tx.EnqueueOutbox(e.ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.tenant, apitoken.RoleAuditor)
	var ids []string
	cursor := ""
	for range 10 {
		v := e.do("GET", "/api/v1/deliveries?limit=4&cursor="+cursor, nil, bearer(tok)...).json(t)
		for _, it := range v["items"].([]any) {
			if id := it.(map[string]any)["id"].(string); strings.HasPrefix(id, "msg") {
				ids = append(ids, id)
			}
		}
		if cursor, _ = v["next_cursor"].(string); cursor == "" {
			break
		}
	}
	if len(ids) != 25 || ids[0] != "msg24" || ids[24] != "msg00" || !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("deliveries paged as %v", ids)
	}
}
