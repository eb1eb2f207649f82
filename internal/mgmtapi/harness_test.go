package mgmtapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/httpx/httpxtest"
	"github.com/deadbolt-dev/deadbolt/internal/mgmtapi"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
)

// env is the management API over real HTTP on a real SQLite file, with a
// fake clock, two tenants and tokens of every kind.
type env struct {
	t      testing.TB
	ctx    context.Context
	store  *sqlite.Store
	clock  *clock.Fake
	admin  *admin.Service
	access *access.Service
	tokens *apitoken.Service
	used   *apitoken.Recorder
	api    *mgmtapi.API
	srv    *httptest.Server
	tenant store.Tenant // acme
	other  store.Tenant // globex
	// schemas validates every answer against the served document;
	// loaded at the first answer.
	schemas *schemaCheck
}

func newEnv(t testing.TB, limiter *ratelimit.Limiter) *env {
	t.Helper()
	ctx := context.Background()
	s := backends.SQLite(t)
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	e := &env{t: t, ctx: ctx, store: s, clock: clock.NewFake(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))}
	e.admin = &admin.Service{Store: s, Clock: e.clock, Box: box, Egress: egress.Policy{AllowPrivate: true}}
	e.access = &access.Service{Store: s, Clock: e.clock}
	e.tokens = &apitoken.Service{Store: s, Clock: e.clock}
	e.used = &apitoken.Recorder{Store: s}
	e.api = mgmtapi.New(mgmtapi.Deps{Store: s, Clock: e.clock, Log: slog.New(slog.DiscardHandler), Tokens: e.tokens,
		Used: e.used, Admin: e.admin, Access: e.access, Check: check.New(check.Deps{Store: s, Clock: e.clock}),
		Approvals: &approval.Service{Store: s, Clock: e.clock}, Limiter: limiter})
	mux := http.NewServeMux()
	e.api.Register(mux)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	var err error
	if e.tenant, err = e.admin.CreateTenant(ctx, "test", "acme"); err != nil {
		t.Fatal(err)
	}
	if e.other, err = e.admin.CreateTenant(ctx, "test", "globex"); err != nil {
		t.Fatal(err)
	}
	return e
}

// token makes a token of tenant tn and returns its secret.
func (e *env) token(tn store.Tenant, role string, scopes ...string) string {
	e.t.Helper()
	_, secret, err := e.tokens.Create(e.ctx, "test", apitoken.New{TenantID: tn.ID, Name: role, Role: role, Scopes: scopes})
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// answer is one HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", a.status, err, a.body)
	}
	return v
}

// do sends method path with body (JSON, or none when nil) and headers
// given as name, value pairs.
func (e *env) do(method, path string, body any, headers ...string) answer {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, b := httpxtest.Send(e.t, http.DefaultClient, req)
	checkShape(e.t, method, path, res, b)
	e.validateAnswer(req, res, b)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// bearer is the Authorization header of a token.
func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// checkShape checks what every answer shares: JSON, and the one error
// shape for errors.
func checkShape(t testing.TB, method, path string, res *http.Response, b []byte) {
	t.Helper()
	ct := res.Header.Get("Content-Type")
	export := strings.HasSuffix(path, "/export") || strings.Contains(path, "/export?")
	if res.StatusCode < 300 && export && (strings.HasPrefix(ct, "application/x-ndjson") || strings.HasPrefix(ct, "text/csv")) {
		return // a streamed export
	}
	if !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	if res.StatusCode < 400 {
		return
	}
	var eb struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(b, &eb); err != nil || eb.Error == "" || eb.Message == "" {
		t.Errorf("%s %s: error %d is not {error, message}: %s", method, path, res.StatusCode, b)
	}
}
