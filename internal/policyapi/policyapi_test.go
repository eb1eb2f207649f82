package policyapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/policyapi"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// TestNL3Policies: the list answers the token's tenant's policies with
// NL3's fields first; execute runs an alert policy of the token's tenant
// and refuses another tenant's (404), a token without policies:write
// (403), no token (401) and a policy that does not run on execute (409).
func TestNL3Policies(t *testing.T) {
	ctx := t.Context()
	db := backends.SQLite(t)
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	adm := &admin.Service{Store: db, Clock: clk}
	tokens := &apitoken.Service{Store: db, Clock: clk}
	acme, err := adm.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	other, err := adm.CreateTenant(ctx, "test", "other")
	if err != nil {
		t.Fatal(err)
	}
	token := func(tenant, role string) string {
		_, secret, err := tokens.Create(ctx, "test", apitoken.New{TenantID: tenant, Name: role + "-" + tenant, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	acmeAdmin, acmeAuditor, otherAdmin := token(acme.ID, apitoken.RoleAdmin), token(acme.ID, apitoken.RoleAuditor), token(other.ID, apitoken.RoleAdmin)
	siem, err := adm.CreatePolicy(ctx, "test", acme.ID, policy.Policy{Name: "SIEM incident", Type: policy.Alert, Action: policy.Lock,
		Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnExecute}, For: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	manual, err := adm.CreatePolicy(ctx, "test", acme.ID, policy.Policy{Name: "On blocked sign-in", Type: policy.Alert, Action: policy.Lock,
		Enabled: true, Alert: &policy.AlertRule{On: []policy.Trigger{policy.OnBlockedSignin}, For: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}

	mux := http.NewServeMux()
	(&policyapi.Handler{Auth: mgmtapi.New(mgmtapi.Deps{Store: db, Clock: clk, Tokens: tokens}), Admin: adm}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	call := func(method, path, header, tok, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set(header, tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}

	code, body := call("GET", "/nl3/api/v1/sdk/policies", "X-Nl3-Api-Token", acmeAuditor, "")
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	if !bytes.HasPrefix(body, []byte(`[{"activeDate":`)) || !bytes.Contains(body, []byte(`"alertAction":"lock","id":"`+manual.ID)) {
		t.Errorf("list does not start with NL3's fields: %s", body)
	}
	var list []map[string]any
	if err := json.Unmarshal(body, &list); err != nil || len(list) != 2 {
		t.Fatalf("list: %v %s", err, body)
	}
	if code, body := call("GET", "/nl3/api/v1/sdk/policies", "X-Nl3-Api-Token", otherAdmin, ""); code != 200 || string(body) != "[]\n" && string(body) != "[]" {
		t.Errorf("another tenant's list: %d %s; want []", code, body)
	}

	for _, tc := range []struct {
		name, header, tok, ref string
		want                   int
	}{
		{"no token", "", "", siem.ID, 401},
		{"auditor (no policies:write)", "X-Nl3-Server-Api-Token", acmeAuditor, siem.ID, 403},
		{"another tenant's token", "X-Nl3-Server-Api-Token", otherAdmin, siem.ID, 404},
		{"a policy that does not run on execute", "X-Nl3-Server-Api-Token", acmeAdmin, manual.ID, 409},
		{"the tenant's admin", "X-Nl3-Server-Api-Token", acmeAdmin, siem.ID, 200},
		{"by bearer and name", "Authorization", "Bearer " + acmeAdmin, "SIEM incident", 200},
	} {
		code, body := call("POST", "/nl3/api/v1/sdk/policies/"+strings.ReplaceAll(tc.ref, " ", "%20")+"/execute", tc.header, tc.tok, `{"reason":"INC-1"}`)
		if code != tc.want {
			t.Errorf("%s: %d %s; want %d", tc.name, code, body, tc.want)
		}
	}
	execs, err := db.Executions(ctx, acme.ID, clk.Now())
	if err != nil || len(execs) != 2 || execs[0].PolicyID != siem.ID || execs[0].Reason != "INC-1" {
		t.Fatalf("executions: %+v, %v; want the two allowed ones", execs, err)
	}
}
