package userimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/userimport"
)

// env is importUsers over real HTTP on a real SQLite file, with the
// management API's token check.
type env struct {
	t      *testing.T
	ctx    context.Context
	store  *sqlite.Store
	admin  *admin.Service
	access *access.Service
	tokens *apitoken.Service
	srv    *httptest.Server
	tenant store.Tenant
	app    store.Application
}

func newEnv(t *testing.T) *env {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "deadbolt.db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	e := &env{t: t, ctx: ctx, store: s, admin: &admin.Service{Store: s, Clock: c}, access: &access.Service{Store: s, Clock: c},
		tokens: &apitoken.Service{Store: s, Clock: c}}
	api := mgmtapi.New(mgmtapi.Deps{Store: s, Clock: c, Log: slog.New(slog.DiscardHandler), Tokens: e.tokens, Admin: e.admin,
		Access: e.access, Check: check.New(check.Deps{Store: s, Clock: c})})
	mux := http.NewServeMux()
	(&userimport.Handler{Auth: api, Store: s, Clock: c, Log: slog.New(slog.DiscardHandler)}).Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if e.tenant, err = e.admin.CreateTenant(ctx, "test", "acme"); err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test/sso"}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) token(tn store.Tenant, scopes ...string) string {
	_, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: tn.ID, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func (e *env) send(method, path, tok string, body []byte) (int, userimport.Answer, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("x-nl3-server-api-token", tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var a userimport.Answer
	_ = json.Unmarshal(b, &a)
	return res.StatusCode, a, b
}

const path = "/nl3/api/v1/sdk/importUsers"

// TestImportUsersPerRow: each row gets its own result; an account already
// enrolled is no error; a bad row does not stop the good ones; sending
// the batch again enrolls nothing twice.
func TestImportUsersPerRow(t *testing.T) {
	e := newEnv(t)
	if _, err := e.access.Enroll(e.ctx, "test", e.app, "old", ""); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.tenant, "users:import")
	body := []byte(`[
	 {"first_name":"Ann","last_name":"Lee","email":"ann@acme.test","domain":"wiki.acme.test","phone":"+1","userAccountId":"ann"},
	 {"first_name":"Old","last_name":"Timer","email":"","domain":"WIKI.acme.test","phone":"","userAccountId":"old"},
	 {"first_name":"X","last_name":"Y","email":"x@acme.test","domain":"mail.acme.test","phone":"","userAccountId":"x"},
	 {"first_name":"B","last_name":"C","email":"not-an-email","domain":"wiki.acme.test","phone":"","userAccountId":"bc"},
	 {"first_name":"Ann","last_name":"Again","email":"ann@acme.test","domain":"wiki.acme.test","phone":"","userAccountId":"ann"}]`)
	status, got, raw := e.send("POST", path, tok, body)
	want := []string{userimport.Enrolled, userimport.AlreadyEnrolled, userimport.Failed, userimport.Failed, userimport.Failed}
	if status != http.StatusOK || len(got.Results) != len(want) {
		t.Fatalf("%d %s", status, raw)
	}
	for i, w := range want {
		if got.Results[i].Status != w || got.Results[i].Row != i+1 {
			t.Errorf("row %d: %+v, want %s", i+1, got.Results[i], w)
		}
	}
	if got.Enrolled != 1 || got.AlreadyEnrolled != 1 || got.Errors != 3 || got.MembersCreated != 1 {
		t.Errorf("counts %+v", got)
	}
	m, err := e.store.MemberByEmail(e.ctx, e.tenant.ID, "ann@acme.test")
	if err != nil || m.Name != "Ann Lee" {
		t.Errorf("member %+v, %v", m, err)
	}
	if _, got, _ = e.send("POST", path, tok, body); got.Enrolled != 0 || got.AlreadyEnrolled != 2 {
		t.Errorf("again: %+v", got)
	}
	// A token without users:import, and bodies that are not an array.
	if status, _, raw := e.send("POST", path, e.token(e.tenant, "accounts:write"), body); status != http.StatusForbidden {
		t.Errorf("without the scope: %d %s", status, raw)
	}
	for _, bad := range []string{`{}`, `[]`, `nonsense`} {
		if status, _, raw := e.send("POST", path, tok, []byte(bad)); status != http.StatusBadRequest {
			t.Errorf("body %s: %d %s", bad, status, raw)
		}
	}
}

// TestImportUsers50000: a batch of 50 000 rows is queued (202) and
// imported in one transaction; its results are read back with ?wait=,
// only by the tenant that sent it.
func TestImportUsers50000(t *testing.T) {
	if testing.Short() {
		t.Skip("50 000 rows")
	}
	e := newEnv(t)
	const n = 50_000
	users := make([]userimport.User, n)
	for i := range users {
		users[i] = userimport.User{FirstName: "User", LastName: fmt.Sprint(i), Email: fmt.Sprintf("owner%d@acme.test", i%500),
			Domain: "wiki.acme.test", UserAccountID: fmt.Sprintf("user%05d", i)}
	}
	body, _ := json.Marshal(users)
	tok := e.token(e.tenant, "users:import")
	start := time.Now()
	status, queued, raw := e.send("POST", path, tok, body)
	if status != http.StatusAccepted || queued.ID == "" || queued.ResultsURL != path+"/"+queued.ID {
		t.Fatalf("%d %s", status, raw)
	}
	other, err := e.admin.CreateTenant(e.ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	if status, _, raw := e.send("GET", queued.ResultsURL, e.token(other, "users:import"), nil); status != http.StatusNotFound {
		t.Errorf("another tenant reads the job: %d %s", status, raw)
	}
	var done userimport.Answer
	for range 10 {
		if status, done, raw = e.send("GET", queued.ResultsURL+"?wait=60", tok, nil); status != 200 || done.Status != "running" {
			break
		}
	}
	t.Logf("50 000 rows imported in %s (request to results)", time.Since(start).Round(time.Millisecond))
	if done.Status != "done" || done.Enrolled != n || done.Errors != 0 || len(done.Results) != n || done.MembersCreated != 500 {
		t.Fatalf("%d %.300s", status, raw)
	}
	accts, err := e.store.Accounts(e.ctx, e.app.ID, "", n+1)
	if err != nil || len(accts) != n {
		t.Fatalf("%d accounts, %v", len(accts), err)
	}
	recs, err := e.store.AuditRecords(e.ctx, e.tenant.ID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	imports := 0
	for _, r := range recs {
		if r.Action == "accounts.imported" {
			imports++
		}
	}
	if imports != 1 {
		t.Errorf("%d accounts.imported events, want 1 (one transaction)", imports)
	}
}
