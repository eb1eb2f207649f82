package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx/httpxtest"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/scim"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// env is the SCIM service and the management API on one mux, over real
// HTTP, on a real SQLite file or a real PostgreSQL database, with a fake
// clock and two tenants.
type env struct {
	t      testing.TB
	ctx    context.Context
	store  store.Store
	clock  *clock.Fake
	admin  *admin.Service
	access *access.Service
	tokens *apitoken.Service
	check  *check.Service
	srv    *httptest.Server
	tenant store.Tenant // acme
	other  store.Tenant // globex
	app    store.Application
}

// newEnv serves SCIM and the management API on s (a store of
// storetest/backends).
func newEnv(t testing.TB, s store.Store) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, ctx: ctx, store: s, clock: clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))}
	e.admin = &admin.Service{Store: s, Clock: e.clock}
	e.access = &access.Service{Store: s, Clock: e.clock}
	e.tokens = &apitoken.Service{Store: s, Clock: e.clock}
	e.check = check.New(check.Deps{Store: s, Clock: e.clock})
	log := slog.New(slog.DiscardHandler)
	api := mgmtapi.New(mgmtapi.Deps{Store: s, Clock: e.clock, Log: log, Tokens: e.tokens, Admin: e.admin,
		Access: e.access, Check: e.check})
	mux := http.NewServeMux()
	api.Register(mux)
	(&scim.Handler{Auth: api, Admin: e.admin, Access: e.access, Store: s, Clock: e.clock, Log: log,
		PublicURL: "https://deadbolt.acme.test"}).Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	var err error
	if e.tenant, err = e.admin.CreateTenant(ctx, "test", "acme"); err != nil {
		t.Fatal(err)
	}
	if e.other, err = e.admin.CreateTenant(ctx, "test", "globex"); err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: e.tenant.ID, Name: "Wiki", Issuer: "https://wiki.acme.test/sso"}); err != nil {
		t.Fatal(err)
	}
	return e
}

// token makes a token of tenant tn with role (may be "") and scopes, and
// returns its ID and secret.
func (e *env) token(tn store.Tenant, role string, scopes ...string) (string, string) {
	e.t.Helper()
	tok, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: tn.ID, Name: "scim", Role: role, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.ID, secret
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// do sends method path (under the server) with the JSON text body ("" for
// none) and the token tok ("" for none). Every answer but 204 must be
// application/scim+json, and every error SCIM's error shape with its
// status.
func (e *env) do(method, path, tok, body string) answer {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, raw := httpxtest.Send(e.t, http.DefaultClient, req)
	a := answer{status: res.StatusCode, header: res.Header, raw: raw}
	if res.StatusCode == http.StatusNoContent {
		return a
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		e.t.Fatalf("%s %s: %d answer is not a JSON object: %v: %s", method, path, res.StatusCode, err, raw)
	}
	if res.StatusCode >= 400 {
		schemas, _ := a.body["schemas"].([]any)
		if len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" ||
			a.body["status"] != strconv.Itoa(res.StatusCode) || a.body["detail"] == "" {
			e.t.Errorf("%s %s: error %d is not SCIM's error shape: %s", method, path, res.StatusCode, raw)
		}
	}
	return a
}

// want fails the test unless the answer has status.
func (a answer) want(t testing.TB, status int, what string) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, a.status, status, a.raw)
	}
	return a
}

func (a answer) str(key string) string { s, _ := a.body[key].(string); return s }

// resources is a list answer's Resources.
func (a answer) resources() []map[string]any {
	var out []map[string]any
	list, _ := a.body["Resources"].([]any)
	for _, r := range list {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// compact re-encodes a JSON text without its layout.
func compact(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("bad JSON in test: %v: %s", err, s)
	}
	return b.String()
}

// decision is the lock decision for account name at the application, as
// the lock check makes it: from the state the check reads.
func (e *env) decision(name string) lock.Decision {
	e.t.Helper()
	st, err := e.store.CheckState(e.ctx, e.app.ID, name)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.check.Evaluate(e.ctx, e.app, st, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// audited lists the actions of the tenant's audit trail by actor.
func (e *env) audited(tn store.Tenant, actor string) []string {
	e.t.Helper()
	recs, err := e.store.AuditRecords(e.ctx, tn.ID, 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		if r.Actor == actor {
			out = append(out, r.Action)
		}
	}
	return out
}

// wantAudited fails unless every action is in the trail by actor.
func (e *env) wantAudited(tn store.Tenant, actor string, actions ...string) {
	e.t.Helper()
	got := e.audited(tn, actor)
	for _, a := range actions {
		if !slices.Contains(got, a) {
			e.t.Errorf("audit trail by %s lacks %s: %v", actor, a, got)
		}
	}
}
