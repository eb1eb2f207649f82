package userimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx/httpxtest"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
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
	h      *userimport.Handler
}

func newEnv(t *testing.T) *env {
	ctx := context.Background()
	s := backends.SQLite(t)
	c := clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
	e := &env{t: t, ctx: ctx, store: s, admin: &admin.Service{Store: s, Clock: c}, access: &access.Service{Store: s, Clock: c},
		tokens: &apitoken.Service{Store: s, Clock: c}}
	n := startNode(t, s, c, ctx, "node-a")
	e.h, e.srv = n.h, n.srv
	var err error
	if e.tenant, err = e.admin.CreateTenant(ctx, "test", "acme"); err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test/sso"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// node is one deadbolt node's importUsers over real HTTP: its handler
// runs jobs under bg (already ended: a node shutting down).
type node struct {
	h   *userimport.Handler
	srv *httptest.Server
}

func startNode(t *testing.T, s store.Store, c clock.Clock, bg context.Context, holder string) node {
	api := mgmtapi.New(mgmtapi.Deps{Store: s, Clock: c, Log: slog.New(slog.DiscardHandler), Tokens: &apitoken.Service{Store: s, Clock: c},
		Admin: &admin.Service{Store: s, Clock: c}, Access: &access.Service{Store: s, Clock: c}, Check: check.New(check.Deps{Store: s, Clock: c})})
	mux := http.NewServeMux()
	h := &userimport.Handler{Auth: api, Store: s, Clock: c, Log: slog.New(slog.DiscardHandler), Holder: holder, Background: bg}
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return node{h: h, srv: srv}
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
	return send(e.t, e.srv.URL, method, path, tok, body)
}

// send sends a request to the node at base with an API token.
func send(t *testing.T, base, method, path, tok string, body []byte) (int, userimport.Answer, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
	req.Header.Set("x-nl3-server-api-token", tok)
	res, b := httpxtest.Send(t, http.DefaultClient, req)
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

// batch is n rows for the env's application, accounts prefix0…prefixN.
func batch(n int, prefix string) []byte {
	users := make([]userimport.User, n)
	for i := range users {
		users[i] = userimport.User{FirstName: "User", LastName: fmt.Sprint(i), Email: fmt.Sprintf("owner%d@acme.test", i%10),
			Domain: "wiki.acme.test", UserAccountID: fmt.Sprintf("%s%05d", prefix, i)}
	}
	body, _ := json.Marshal(users)
	return body
}

// TestImportUsersRowCap: a batch over MaxRows is refused whole with 413
// too_many_rows and imports nothing.
func TestImportUsersRowCap(t *testing.T) {
	e := newEnv(t)
	status, _, raw := e.send("POST", path, e.token(e.tenant, "users:import"), batch(userimport.MaxRows+1, "u"))
	if status != http.StatusRequestEntityTooLarge || !bytes.Contains(raw, []byte(`"error":"too_many_rows"`)) {
		t.Fatalf("%d %s", status, raw)
	}
	if accts, err := e.store.Accounts(e.ctx, e.app.ID, "", 10); err != nil || len(accts) != 0 {
		t.Fatalf("%d accounts after a refused batch, %v", len(accts), err)
	}
}

// TestImportUsersOneJobPerTenant: while a tenant's queued job is open
// (taken here by a node that is shutting down, so it waits for another
// node to resume it), its next large batch is refused with 429 busy and
// Retry-After; another tenant's is taken; once the job is resumed and
// done the tenant may send again.
func TestImportUsersOneJobPerTenant(t *testing.T) {
	e := newEnv(t)
	stopped, stop := context.WithCancel(e.ctx)
	stop()
	stopping := startNode(t, e.store, clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)), stopped, "node-stopping")
	tok := e.token(e.tenant, "users:import")
	other, err := e.admin.CreateTenant(e.ctx, "test", "globex")
	if err != nil {
		t.Fatal(err)
	}
	otherTok := e.token(other, "users:import")
	status, first, raw := send(t, stopping.srv.URL, "POST", path, tok, batch(userimport.SyncRows+1, "a"))
	if status != http.StatusAccepted || first.Status != "queued" {
		t.Fatalf("first batch: %d %s", status, raw)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(batch(userimport.SyncRows+1, "b")))
	req.Header.Set("x-nl3-server-api-token", tok)
	res, busy := httpxtest.Send(t, http.DefaultClient, req)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !bytes.Contains(busy, []byte(`"error":"busy"`)) ||
		!bytes.Contains(busy, []byte(first.ResultsURL)) {
		t.Errorf("second batch while the first is open: %d Retry-After %q %s", res.StatusCode, res.Header.Get("Retry-After"), busy)
	}
	if status, _, raw := e.send("POST", path, otherTok, batch(userimport.SyncRows+1, "c")); status != http.StatusAccepted {
		t.Errorf("another tenant's batch meanwhile: %d %s", status, raw)
	}
	if status, still, raw := e.send("GET", first.ResultsURL, tok, nil); status != 200 || still.Status != "queued" {
		t.Fatalf("the job before it is resumed: %d %.300s", status, raw)
	}
	if n, err := e.h.ResumeOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	if status, done, raw := e.send("GET", first.ResultsURL+"?wait=60", tok, nil); status != 200 || done.Status != "done" || done.Enrolled != userimport.SyncRows+1 {
		t.Fatalf("first job: %d %.300s", status, raw)
	}
	if status, _, raw := e.send("POST", path, tok, batch(userimport.SyncRows+1, "b")); status != http.StatusAccepted {
		t.Fatalf("next batch after the job: %d %s", status, raw)
	}
}

// TestImportUsersKeepsFewJobs: past Handler.KeepJobs the job that
// finished first is forgotten (404), the later ones stay readable.
func TestImportUsersKeepsFewJobs(t *testing.T) {
	e := newEnv(t)
	e.h.KeepJobs = 2
	tok := e.token(e.tenant, "users:import")
	var jobs []userimport.Answer
	for i := range 3 {
		status, j, raw := e.send("POST", path, tok, batch(userimport.SyncRows+1, fmt.Sprint("j", i)))
		if status != http.StatusAccepted {
			t.Fatalf("job %d: %d %s", i, status, raw)
		}
		if status, done, raw := e.send("GET", j.ResultsURL+"?wait=60", tok, nil); status != 200 || done.Status != "done" {
			t.Fatalf("job %d: %d %.300s", i, status, raw)
		}
		jobs = append(jobs, j)
	}
	if status, _, raw := e.send("GET", jobs[0].ResultsURL, tok, nil); status != http.StatusNotFound {
		t.Errorf("oldest job past KeepJobs: %d %.200s", status, raw)
	}
	for _, j := range jobs[1:] {
		if status, done, raw := e.send("GET", j.ResultsURL, tok, nil); status != 200 || done.Status != "done" {
			t.Errorf("job %s: %d %.200s", j.ID, status, raw)
		}
	}
}
