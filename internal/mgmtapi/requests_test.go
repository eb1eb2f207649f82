package mgmtapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
)

// TestRequestStatesAndPages: GET /requests lists open requests by
// default and any state on ?state=, newest first, in cursor pages that
// neither repeat nor skip a request; a bad state is refused, another
// tenant sees none of them and a token without requests:read none.
func TestRequestStatesAndPages(t *testing.T) {
	e := newEnv(t, nil)
	f := e.fixture()
	// One actor votes once on a request: bob and carol vote with tokens
	// of their own.
	voters := map[string]string{"bob@acme.test": e.token(e.tenant, apitoken.RoleApprover),
		"carol@acme.test": e.token(e.tenant, apitoken.RoleApprover)}
	auditor := e.token(e.tenant, apitoken.RoleAuditor)
	for _, v := range []struct{ id, path, as string }{
		{f.approve.ID, "approve", "bob@acme.test"}, {f.approve.ID, "approve", "carol@acme.test"},
		{f.deny.ID, "deny", "bob@acme.test"}, {f.deny.ID, "deny", "carol@acme.test"},
	} {
		if got := e.do("POST", "/api/v1/requests/"+v.id+"/"+v.path, map[string]any{"as": v.as}, bearer(voters[v.as])...); got.status != http.StatusOK {
			t.Fatalf("%s %s as %s: %d %s", v.path, v.id, v.as, got.status, got.body)
		}
	}
	svc := &approval.Service{Store: e.store, Clock: e.clock}
	ask := func(account string) string {
		t.Helper()
		q, err := svc.Create(e.ctx, "test", f.member, f.bank, account, approval.Ask{Reason: "r " + account})
		if err != nil {
			t.Fatal(err)
		}
		return q.ID
	}
	stale := ask("vault-approver")
	e.clock.Advance(30 * 24 * time.Hour) // it runs out, unmarked
	open1 := ask("vault-admin")
	open2 := ask("treasury")

	list := func(tok string, q url.Values) (ids []string, next string, status int) {
		t.Helper()
		got := e.do("GET", "/api/v1/requests?"+q.Encode(), nil, bearer(tok)...)
		if got.status != http.StatusOK {
			return nil, "", got.status
		}
		v := got.json(t)
		for _, it := range v["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		return ids, v["next_cursor"].(string), got.status
	}
	all := []string{open2, open1, stale, f.deny.ID, f.approve.ID}
	if !slices.IsSortedFunc(all, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Fatalf("request IDs do not grow with time: %v", all)
	}
	for _, tc := range []struct {
		state string
		want  []string
	}{
		{"", []string{open2, open1}},
		{"open", []string{open2, open1}},
		{"approved", []string{f.approve.ID}},
		{"denied", []string{f.deny.ID}},
		{"expired", []string{stale}},
		{"all", all},
	} {
		q := url.Values{}
		if tc.state != "" {
			q.Set("state", tc.state)
		}
		if ids, next, _ := list(auditor, q); !slices.Equal(ids, tc.want) || next != "" {
			t.Errorf("state %q: %v next %q, want %v", tc.state, ids, next, tc.want)
		}
	}
	// Pages of two; a request asked for between pages comes first in a
	// later listing, never inside these pages.
	var seen []string
	q := url.Values{"state": {"all"}, "limit": {"2"}}
	for i := 0; ; i++ {
		ids, next, status := list(auditor, q)
		if status != http.StatusOK || i > 5 {
			t.Fatalf("page %d: status %d", i, status)
		}
		seen = append(seen, ids...)
		if i == 0 {
			e.clock.Advance(time.Second)
			ask("till")
		}
		if next == "" {
			break
		}
		q.Set("cursor", next)
	}
	if !slices.Equal(seen, all) {
		t.Errorf("pages: %v, want %v", seen, all)
	}

	if _, _, status := list(auditor, url.Values{"state": {"pending"}}); status != http.StatusBadRequest {
		t.Errorf("state=pending: %d, want 400", status)
	}
	if _, _, status := list(auditor, url.Values{"cursor": {"!!"}}); status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d, want 400", status)
	}
	if ids, _, status := list(e.token(e.other, apitoken.RoleAdmin), url.Values{"state": {"all"}}); status != http.StatusOK || len(ids) != 0 {
		t.Errorf("other tenant's admin: %d %v", status, ids)
	}
	if _, _, status := list(e.token(e.tenant, "", "accounts:read"), url.Values{"state": {"all"}}); status != http.StatusForbidden {
		t.Errorf("token without requests:read: %d, want 403", status)
	}
	if got := e.do("GET", "/api/v1/requests?state=all", nil); got.status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", got.status)
	}
}
