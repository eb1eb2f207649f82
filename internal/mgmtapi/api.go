package mgmtapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/apitoken"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/lock"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// The rate each API token may send requests at: RequestsPerSecond on
// average, Burst at once.
const (
	RequestsPerSecond = 20
	Burst             = 100
)

// bodyLimit is the largest request body a route reads.
const bodyLimit = 1 << 20

// Evaluator decides an account's lock without side effects (check.Service).
type Evaluator interface {
	Evaluate(ctx context.Context, app store.Application, st store.CheckState, now time.Time) (lock.Decision, error)
}

// Deps are what the API needs.
type Deps struct {
	Store  store.Store
	Clock  clock.Clock
	Log    *slog.Logger
	Tokens *apitoken.Service
	// Used records each token's last use; nil records nothing.
	Used   *apitoken.Recorder
	Admin  *admin.Service
	Access *access.Service
	// Approvals asks for, votes on and shows approval requests.
	Approvals *approval.Service
	Check     Evaluator
	// Limiter limits requests per token; nil means no limit.
	Limiter *ratelimit.Limiter
}

// API is the /api/v1 handler set.
type API struct {
	d      Deps
	routes []Route
}

// Route is one served route: its method and path pattern (as
// http.ServeMux reads them) and the scope a token needs for it ("" for
// any valid token).
type Route struct {
	Method  string
	Path    string
	Scope   string
	Summary string
	handle  func(c *call) error
}

// call is one authenticated request.
type call struct {
	w   http.ResponseWriter
	r   *http.Request
	tok store.APIToken
	now time.Time
}

// actor names the token in audit records.
func (c *call) actor() string { return "api-token:" + c.tok.ID }

func (c *call) tenant() string { return c.tok.TenantID }

// New returns the API.
func New(d Deps) *API {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	a := &API{d: d}
	a.routes = a.table()
	if _, err := a.Document(); err != nil {
		panic(err) // a route without its description: a programming error
	}
	return a
}

// Routes lists every route the API serves.
func (a *API) Routes() []Route { return append([]Route(nil), a.routes...) }

// Mux is where Register adds routes (an *http.ServeMux).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register adds every route to mux, and the document that describes
// them: /api/v1/openapi.json and its reference page /api/v1/docs, which
// need no token.
func (a *API) Register(mux Mux) {
	for _, rt := range a.routes {
		mux.Handle(rt.Method+" "+rt.Path, httpx.Wrap(a.d.Log, a.serve(rt)))
	}
	mux.Handle("GET "+DocumentPath, httpx.Wrap(a.d.Log, a.serveDocument))
	mux.Handle("GET "+ReferencePath, httpx.Wrap(a.d.Log, a.serveReference))
}

// Token is the API token of a request: Authorization: Bearer, else
// x-nl3-api-token, else x-nl3-server-api-token; "" when there is none.
func Token(r *http.Request) string {
	scheme, t, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if ok && strings.EqualFold(scheme, "bearer") {
		return strings.TrimSpace(t)
	}
	for _, h := range []string{"X-Nl3-Api-Token", "X-Nl3-Server-Api-Token"} {
		if t := strings.TrimSpace(r.Header.Get(h)); t != "" {
			return t
		}
	}
	return ""
}

// Authenticate checks the request's token, its rate and its scope, and
// records its use. Other handlers that take API tokens (NL3 importUsers)
// use it too.
func (a *API) Authenticate(r *http.Request, scope string) (store.APIToken, error) {
	tok, err := a.d.Tokens.Authenticate(r.Context(), Token(r))
	if err != nil {
		return tok, err
	}
	if a.d.Limiter != nil {
		if key := "api-token:" + tok.ID; !a.d.Limiter.Allow(key) {
			wait, _ := a.d.Limiter.Wait(key)
			return tok, &httpx.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
				Message: "too many requests with this API token; retry after the time in Retry-After", RetryAfter: wait}
		}
	}
	if a.d.Used != nil {
		a.d.Used.Used(tok.ID, a.d.Clock.Now())
	}
	if scope != "" {
		if err := apitoken.Allows(tok, scope); err != nil {
			return tok, err
		}
	}
	return tok, nil
}

func (a *API) serve(rt Route) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		tok, err := a.Authenticate(r, rt.Scope)
		if err != nil {
			return err
		}
		c := &call{w: w, r: r, tok: tok, now: a.d.Clock.Now()}
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			return rt.handle(c)
		}
		return a.idempotent(c, rt, key)
	}
}

// idempotent serves a POST with an Idempotency-Key: the first request
// runs and its answer is kept; a later one with the same key and the same
// request gets that answer again, one with another request is refused.
func (a *API) idempotent(c *call, rt Route, key string) error {
	ctx := c.r.Context()
	if len(key) > 255 {
		return httpx.Errorf(http.StatusBadRequest, "invalid", "the Idempotency-Key header is longer than 255 characters")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, c.r.Body, bodyLimit))
	if err != nil {
		return httpx.Errorf(http.StatusRequestEntityTooLarge, "body_too_large", "request body is larger than %d bytes", bodyLimit)
	}
	c.r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256([]byte(c.r.Method + " " + c.r.URL.Path + "\n" + string(body)))
	digest := hex.EncodeToString(sum[:])
	got, claimed, err := a.d.Store.ClaimIdempotencyKey(ctx, store.IdempotentAnswer{TokenID: c.tok.ID, Key: key,
		TenantID: c.tenant(), Request: digest, CreatedAt: c.now})
	if err != nil {
		return err
	}
	if !claimed {
		switch {
		case got.Request != digest:
			return httpx.Errorf(http.StatusUnprocessableEntity, "idempotency_key_reused",
				"this Idempotency-Key was used with another request (method, path or body); use a new key")
		case got.Status == 0:
			return &httpx.Error{Status: http.StatusConflict, Code: "idempotency_in_progress",
				Message: "the first request with this Idempotency-Key is still being served; retry shortly", RetryAfter: time.Second}
		}
		h := c.w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("Idempotent-Replayed", "true")
		c.w.WriteHeader(got.Status)
		_, err := c.w.Write(got.Body)
		return err
	}
	rec := &recorder{header: http.Header{}}
	inner := *c
	inner.w = rec
	if err := rt.handle(&inner); err != nil {
		httpx.WriteError(rec, c.r, a.d.Log, err)
	}
	// Keep an answer that is final; a server-side failure is released so
	// that a retry runs afresh.
	fctx := context.WithoutCancel(ctx)
	if rec.status >= 500 {
		err = a.d.Store.ReleaseIdempotencyKey(fctx, c.tok.ID, key)
	} else {
		err = a.d.Store.FinishIdempotencyKey(fctx, c.tok.ID, key, rec.status, withoutSecret(rec.body.Bytes()))
	}
	if err != nil {
		a.d.Log.Error("idempotency key: answer not kept", "token", c.tok.ID, "err", err)
	}
	for k, v := range rec.header {
		c.w.Header()[k] = v
	}
	c.w.WriteHeader(rec.status)
	_, err = c.w.Write(rec.body.Bytes())
	return err
}

// IdempotencyKeep is how long the answer to a POST with an
// Idempotency-Key is kept for replays; the server forgets older ones.
const IdempotencyKeep = 24 * time.Hour

// secretNotKept stands in a kept answer for the secret the first answer
// showed: secrets are shown once and stored only sealed or hashed, never
// in the idempotency table, so a replay cannot show one again.
const secretNotKept = "(shown once, in the first answer; not kept for replays)"

// withoutSecret returns body, a JSON answer, with its top-level "secret"
// replaced by secretNotKept; other bodies are returned as they are.
func withoutSecret(body []byte) []byte {
	var v map[string]json.RawMessage
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	if _, ok := v["secret"]; !ok {
		return body
	}
	v["secret"], _ = json.Marshal(secretNotKept)
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// recorder keeps an answer to write it later.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// decode reads the JSON body into v.
func (c *call) decode(v any) error { return httpx.DecodeJSON(c.r, bodyLimit, v) }

// reply writes v with status.
func (c *call) reply(status int, v any) error {
	httpx.WriteJSON(c.w, status, v)
	return nil
}

// query parameters

func (c *call) limit() (int, error) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, httpx.Errorf(http.StatusBadRequest, "invalid", "limit must be a whole number from 1 to 1000, not %q", v)
	}
	return n, nil
}

// own checks that a record found by ID belongs to the token's tenant;
// another tenant's record is not found, as if it did not exist.
func (c *call) own(tenantID, what, id string, err error) error {
	if err == nil && tenantID != c.tenant() {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	return err
}
