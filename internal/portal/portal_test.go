package portal_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/config"
	"github.com/deadbolt-dev/deadbolt/internal/egress"
	"github.com/deadbolt-dev/deadbolt/internal/egress/egresstest"
	"github.com/deadbolt-dev/deadbolt/internal/ids"
	"github.com/deadbolt-dev/deadbolt/internal/live"
	"github.com/deadbolt-dev/deadbolt/internal/portal"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

const (
	publicURL = "https://deadbolt.test"
	issuer    = "https://wiki.acme.test"
)

// env is a portal on a real SQLite file with a fake clock, served through
// its http.Handler.
type env struct {
	t        *testing.T
	clock    *clock.Fake
	store    *sqlite.Store
	admin    *admin.Service
	access   *access.Service
	requests *access.Requests
	portal   *portal.Portal
	enable   *portal.EnableAPI
	deps     portal.Deps
	check    *check.Service
	app      store.Application
	secret   []byte
	alice    store.Member
	bob      store.Member
}

func newEnv(t *testing.T, public string) *env {
	t.Helper()
	return newEnvWith(t, public, nil)
}

// newEnvWith is newEnv with the portal's Deps changed by mod first.
func newEnvWith(t *testing.T, public string, mod func(*portal.Deps)) *env {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	box, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
	e := &env{t: t, clock: clock.NewFake(time.Now().UTC()), store: s}
	// Webhook hosts resolve without DNS.
	hooks := egress.Policy{Resolver: egresstest.Static{"hooks.acme.test": {netip.MustParseAddr("93.184.215.14")},
		"hooks.globex.test": {netip.MustParseAddr("93.184.215.15")}}}
	e.admin = &admin.Service{Store: s, Clock: e.clock, Box: box, Egress: hooks}
	e.access = &access.Service{Store: s, Clock: e.clock}
	broker := &live.Broker{}
	e.requests = &access.Requests{Store: s, Clock: e.clock, Changed: func(c access.RequestChange) { broker.Publish(c.OwnerID) }}
	tenant, err := e.admin.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: issuer,
		DefaultUnlock: 10 * time.Minute, MaxUnlock: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.UpdateApp(ctx, "test", e.app.ID, func(a *store.Application) { a.Origins = []string{"https://wiki.acme.test"} }); err != nil {
		t.Fatal(err)
	}
	if _, e.secret, err = e.admin.CreateKey(ctx, "test", e.app, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, acct := range []struct{ name, owner string }{{"alice", "alice@acme.test"}, {"bob", "bob@acme.test"}} {
		if _, err := e.access.Enroll(ctx, "test", e.app, acct.name, acct.owner); err != nil {
			t.Fatal(err)
		}
	}
	e.alice, _ = s.MemberByEmail(ctx, tenant.ID, "alice@acme.test")
	e.bob, _ = s.MemberByEmail(ctx, tenant.ID, "bob@acme.test")
	e.addPasskey(e.alice, "alice-key")

	logw := checklog.New(s, checklog.Options{Mode: checklog.Sync})
	t.Cleanup(func() { logw.Close(context.Background()) })
	auds, _ := token.AcceptedAudiences(public, nil)
	chk := check.New(check.Deps{Store: s, Keys: cache.New(s, cache.Options{Box: box}), Clock: e.clock, Log: logw, Requests: e.requests,
		Verifier: &token.Verifier{Audiences: auds, Now: e.clock.Now}})
	cfg := config.Default().Portal
	e.check = chk
	e.deps = portal.Deps{Store: s, Clock: e.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Box: box,
		Check: chk, Access: e.access, Requests: e.requests, Broker: broker, PublicURL: public, Config: cfg, Poll: 50 * time.Millisecond,
		WebhookEgress: hooks}
	if mod != nil {
		mod(&e.deps)
	}
	e.portal, err = portal.New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.portal.Close)
	e.enable = &portal.EnableAPI{Store: s, Clock: e.clock, Check: chk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return e
}

func (e *env) addPasskey(m store.Member, id string) {
	e.t.Helper()
	if err := e.store.Update(context.Background(), func(tx store.Tx) error {
		return tx.CreatePasskey(context.Background(), store.Passkey{ID: id, TenantID: m.TenantID, MemberID: m.ID, Name: id,
			Credential: []byte("{}"), CreatedAt: e.clock.Now()})
	}); err != nil {
		e.t.Fatal(err)
	}
}

// signIn makes a session for m the way a passkey sign-in does, and returns
// its cookie.
func (e *env) signIn(m store.Member) *http.Cookie {
	e.t.Helper()
	secret := ids.NewSecret()
	now := e.clock.Now()
	if err := e.store.Update(context.Background(), func(tx store.Tx) error {
		return tx.CreateSession(context.Background(), store.Session{ID: ids.SecretHash(secret), TenantID: m.TenantID,
			MemberID: m.ID, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(12 * time.Hour)})
	}); err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: "__Host-deadbolt_session", Value: secret}
}

// member makes a member of tenantID with role (the operator's invite) and
// signs them in.
func (e *env) member(tenantID, email, role string) (store.Member, *http.Cookie) {
	e.t.Helper()
	inv, err := e.admin.Invite(e.t.Context(), admin.Operator("test"), tenantID, email, "", role, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv.Member, e.signIn(inv.Member)
}

// owner invites and signs in an owner of the env's tenant.
func (e *env) owner(email string) (store.Member, *http.Cookie) {
	e.t.Helper()
	return e.member(e.app.TenantID, email, store.RoleOwner)
}

type resp struct {
	code   int
	header http.Header
	body   string
}

// refusal is a form post a route must refuse: who sends it (cookie), the
// form, extra headers for e.do, the status wanted and, when set, words the
// answer must say.
type refusal struct {
	name   string
	cookie *http.Cookie
	form   url.Values
	hdr    []string
	want   int
	says   string
}

// refuses posts each case to path and checks its answer; after each,
// changed must report false (the refused post changed nothing), else the
// test stops. what names the route in failures.
func (e *env) refuses(what, path string, cases []refusal, changed func() bool) {
	e.t.Helper()
	for _, c := range cases {
		r := e.do("POST", path, c.form, c.cookie, c.hdr...)
		if r.code != c.want || !strings.Contains(r.body, c.says) {
			e.t.Errorf("%s, %s: %d, want %d saying %q\n%s", what, c.name, r.code, c.want, c.says, r.body)
		}
		if changed() {
			e.t.Fatalf("%s, %s: the refused post changed something", what, c.name)
		}
	}
}

// do sends one request to the portal (same-origin unless headers say
// otherwise).
func (e *env) do(method, path string, form url.Values, cookie *http.Cookie, headers ...string) resp {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, publicURL+path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	e.portal.ServeHTTP(w, r)
	return resp{code: w.Code, header: w.Header(), body: w.Body.String()}
}

func (e *env) mint(account string, mod func(*token.Claims)) string {
	e.t.Helper()
	now := e.clock.Now()
	c := token.Claims{Issuer: issuer, Subject: account, Audience: []string{publicURL},
		IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(5 * time.Minute), ID: ids.New()}
	if mod != nil {
		mod(&c)
	}
	raw, err := token.Mint(token.Key{Algorithm: "HS256", Secret: e.secret}, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

func (e *env) account(name string) store.Account {
	e.t.Helper()
	a, err := e.store.Account(context.Background(), e.app.ID, name)
	if err != nil {
		e.t.Fatalf("account %s: %v", name, err)
	}
	return a
}

var inlineScript = regexp.MustCompile(`<script(?:\s+[^>]*)?>`)

func TestSecurityHeadersAndNoInlineScript(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	for _, path := range []string{"/signin", "/", "/passkeys", "/nowhere", "/setup?t=nope"} {
		r := e.do("GET", path, nil, cookie)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: headers %v", path, r.header)
		}
		for _, tag := range inlineScript.FindAllString(r.body, -1) {
			if !strings.Contains(tag, `src="/static/`) {
				t.Errorf("%s: inline script tag %s", path, tag)
			}
		}
		if strings.Contains(r.body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(r.body) {
			t.Errorf("%s: inline event handler attribute", path)
		}
	}
	if r := e.do("GET", "/nowhere", nil, nil); r.code != http.StatusNotFound || !strings.Contains(r.body, "Page not found") {
		t.Errorf("unknown page: %d", r.code)
	}
	if r := e.do("GET", "/static/app.js", nil, nil); r.code != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Errorf("app.js: %d %s", r.code, r.header.Get("Content-Type"))
	}
	if r := e.do("GET", "/manifest.webmanifest", nil, nil); r.code != 200 || !json.Valid([]byte(r.body)) {
		t.Errorf("manifest: %d %s", r.code, r.body)
	}
}

func TestCrossOriginStateChangesRefused(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Sec-Fetch-Site", "same-site"},
		{"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	} {
		r := e.do("POST", "/lock-everything", url.Values{"on": {"true"}}, cookie, h...)
		if r.code != http.StatusForbidden {
			t.Errorf("POST with %v: %d, want 403", h, r.code)
		}
	}
	m, _ := e.store.Member(t.Context(), e.alice.ID)
	if m.LockAll {
		t.Fatal("a cross-origin request locked everything")
	}
	if r := e.do("POST", "/lock-everything", url.Values{"on": {"true"}}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("same-origin lock everything: %d %s", r.code, r.body)
	}
	if m, _ := e.store.Member(t.Context(), e.alice.ID); !m.LockAll {
		t.Fatal("same-origin lock everything did nothing")
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	if r := e.do("GET", "/", nil, cookie); r.code != 200 || !strings.Contains(r.body, "alice") {
		t.Fatalf("signed in: %d", r.code)
	}
	// Activity every 20 minutes keeps it alive...
	for range 3 {
		e.clock.Advance(20 * time.Minute)
		if r := e.do("GET", "/", nil, cookie); r.code != 200 {
			t.Fatalf("active session ended: %d", r.code)
		}
	}
	// ...31 idle minutes end it.
	e.clock.Advance(31 * time.Minute)
	if r := e.do("GET", "/", nil, cookie); r.code != http.StatusSeeOther || r.header.Get("Location") != "/signin" {
		t.Fatalf("idle session: %d %s", r.code, r.header.Get("Location"))
	}
	if _, err := e.store.Session(t.Context(), ids.SecretHash(cookie.Value)); err == nil {
		t.Fatal("an idle session was kept")
	}
	// Absolute expiry, however active.
	cookie = e.signIn(e.alice)
	for i := 0; i < 12*3; i++ {
		e.clock.Advance(20 * time.Minute)
		r := e.do("GET", "/", nil, cookie)
		if i < 12*3-1 && r.code != 200 {
			t.Fatalf("session ended after %d min", (i+1)*20)
		}
		if i == 12*3-1 && r.code != http.StatusSeeOther {
			t.Fatalf("session lives past its absolute expiry: %d", r.code)
		}
	}
	// Script calls get 401 JSON, not a redirect.
	if r := e.do("POST", "/passkeys/begin", nil, cookie); r.code != http.StatusUnauthorized || !json.Valid([]byte(r.body)) {
		t.Fatalf("signed-out script call: %d %s", r.code, r.body)
	}
}

func TestCeremonyCookie(t *testing.T) {
	e := newEnv(t, publicURL)
	r := e.do("POST", "/signin/begin", nil, nil)
	if r.code != 200 || !strings.Contains(r.body, `"challenge"`) || !strings.Contains(r.body, `"rpId":"deadbolt.test"`) {
		t.Fatalf("signin begin: %d %s", r.code, r.body)
	}
	c := r.header.Get("Set-Cookie")
	for _, want := range []string{"__Host-deadbolt_ceremony=", "Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(c, want) {
			t.Errorf("ceremony cookie %q lacks %s", c, want)
		}
	}
	// A garbage response is refused, and the ceremony cannot be retried.
	h, _, _ := strings.Cut(c, ";")
	name, value, _ := strings.Cut(h, "=")
	cookie := &http.Cookie{Name: name, Value: value}
	req := httptest.NewRequest("POST", publicURL+"/signin/finish", strings.NewReader(`{"credential":{"id":"x"}}`))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(cookie)
	w := httptest.NewRecorder()
	e.portal.ServeHTTP(w, req)
	if w.Code != http.StatusUnauthorized || !json.Valid(w.Body.Bytes()) {
		t.Fatalf("garbage sign-in: %d %s", w.Code, w.Body)
	}
}

func TestSigninRateLimit(t *testing.T) {
	e := newEnv(t, publicURL)
	got429 := false
	for i := range 30 {
		r := e.do("POST", "/signin/begin", nil, nil)
		if r.code == http.StatusTooManyRequests {
			got429 = true
			if i < 20 {
				t.Fatalf("throttled after %d attempts", i)
			}
			break
		}
	}
	if !got429 {
		t.Fatal("30 sign-in attempts in a row were never throttled")
	}
}

// TestStepUpFinishRateLimit: /stepup/finish is limited per address, on
// its own budget: throttling it leaves the sign-in's begin alone.
func TestStepUpFinishRateLimit(t *testing.T) {
	e := newEnv(t, publicURL)
	throttledAt := -1
	for i := range 30 {
		if r := e.do("POST", "/stepup/finish?id=none", nil, nil); r.code == http.StatusTooManyRequests {
			throttledAt = i
			break
		} else if r.code != http.StatusBadRequest && r.code != http.StatusNotFound {
			t.Fatalf("finish %d: %d %s", i, r.code, r.body)
		}
	}
	if throttledAt < 20 {
		t.Fatalf("30 step-up finishes in a row: throttled at %d (want after the 20 of the burst)", throttledAt)
	}
	if r := e.do("POST", "/signin/begin", nil, nil); r.code == http.StatusTooManyRequests {
		t.Fatal("throttled step-up finishes spent the sign-in budget")
	}
}

func TestAccountActions(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	alice, bob := e.account("alice"), e.account("bob")
	post := func(path string, form url.Values) resp { return e.do("POST", path, form, cookie) }

	if r := post("/accounts/"+alice.ID+"/unlock", url.Values{"for": {"15m"}}); r.code != http.StatusSeeOther {
		t.Fatalf("unlock: %d %s", r.code, r.body)
	}
	g, err := e.store.CurrentGrant(t.Context(), alice.ID)
	if err != nil || !g.Until.Equal(e.clock.Now().Add(15*time.Minute)) || g.GrantedBy != "member:alice@acme.test" {
		t.Fatalf("grant %+v %v", g, err)
	}
	if r := e.do("GET", "/", nil, cookie); !strings.Contains(r.body, "locks again in") {
		t.Fatal("open account shows no countdown")
	}
	// A custom length wins over the preset; plain numbers are minutes.
	post("/accounts/"+alice.ID+"/unlock", url.Values{"for": {"15m"}, "custom": {"40"}})
	if g, _ := e.store.CurrentGrant(t.Context(), alice.ID); !g.Until.Equal(e.clock.Now().Add(40 * time.Minute)) {
		t.Fatalf("custom unlock until %v", g.Until)
	}
	if r := post("/accounts/"+alice.ID+"/unlock", url.Values{"custom": {"2h"}}); r.code != http.StatusBadRequest || !strings.Contains(r.body, "at most") {
		t.Fatalf("too long: %d", r.code)
	}
	if r := post("/accounts/"+alice.ID+"/unlock", url.Values{"custom": {"soon"}}); r.code != http.StatusBadRequest {
		t.Fatalf("unreadable length: %d", r.code)
	}
	post("/accounts/"+alice.ID+"/unlock", url.Values{"once": {"1"}})
	if g, _ := e.store.CurrentGrant(t.Context(), alice.ID); !g.Once || !g.Until.Equal(e.clock.Now().Add(10*time.Minute)) {
		t.Fatalf("once grant %+v", g)
	}
	post("/accounts/"+alice.ID+"/lock", nil)
	if g, _ := e.store.CurrentGrant(t.Context(), alice.ID); g.Usable(e.clock.Now()) {
		t.Fatal("lock left the grant usable")
	}
	// Bob's account is not Alice's to open.
	for _, path := range []string{"/accounts/" + bob.ID + "/unlock", "/accounts/" + bob.ID + "/lock", "/accounts/nope/lock"} {
		if r := post(path, nil); r.code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, r.code)
		}
	}
	if _, err := e.store.CurrentGrant(t.Context(), bob.ID); err == nil {
		t.Fatal("Alice opened Bob's account")
	}
}

func TestRequestInbox(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	alice := e.account("alice")
	st, _ := e.store.CheckState(t.Context(), e.app.ID, "alice")
	if err := e.requests.Raise(t.Context(), e.app, st, check.Request{IP: "203.0.113.9", Device: "<b>curl</b>"}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	q, _ := e.store.PendingRequest(t.Context(), alice.ID)
	r := e.do("GET", "/", nil, cookie)
	if !strings.Contains(r.body, "203.0.113.9") || !strings.Contains(r.body, "&lt;b&gt;curl&lt;/b&gt;") || !strings.Contains(r.body, q.ID) {
		t.Fatalf("inbox does not show the request safely:\n%s", r.body)
	}
	// Bob cannot answer Alice's request.
	bobCookie := e.signIn(e.bob)
	if r := e.do("POST", "/requests/"+q.ID+"/approve", nil, bobCookie); r.code != http.StatusNotFound {
		t.Fatalf("Bob approving Alice's request: %d", r.code)
	}
	if r := e.do("POST", "/requests/"+q.ID+"/approve", url.Values{"once": {"1"}}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", r.code, r.body)
	}
	g, _ := e.store.CurrentGrant(t.Context(), alice.ID)
	if !g.Once || !g.Usable(e.clock.Now()) {
		t.Fatalf("approve once made %+v", g)
	}
	if r := e.do("POST", "/requests/"+q.ID+"/deny", nil, cookie); r.code != http.StatusConflict || !strings.Contains(r.body, "already answered") {
		t.Fatalf("deny after approve: %d", r.code)
	}
}

func TestEventStream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	e := newEnv(t, "http://localhost:"+port)
	srv := httptest.NewUnstartedServer(e.portal)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	cookie := e.signIn(e.alice)
	cookie.Name = "deadbolt_session" // http: no __Host- prefix

	home := func() (fp string) {
		req, _ := http.NewRequest("GET", "http://localhost:"+port+"/fragment/home", nil)
		req.AddCookie(cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("X-Fingerprint")
	}
	fp := home()
	if fp == "" {
		t.Fatal("fragment has no fingerprint")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://localhost:"+port+"/events?fp="+fp, nil)
	req.AddCookie(cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events content type %q", ct)
	}
	events := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				events <- ev
			}
		}
		close(events)
	}()
	// changed wants the next event to be "changed", which what happened
	// before (after) sends.
	changed := func(after string) {
		t.Helper()
		select {
		case ev := <-events:
			if ev != "changed" {
				t.Fatalf("event %q", ev)
			}
		case <-ctx.Done():
			t.Fatal("no event after " + after)
		}
	}
	// Nothing changed: nothing is sent.
	select {
	case ev := <-events:
		t.Fatalf("event %q without a change", ev)
	case <-time.After(300 * time.Millisecond):
	}
	// A lock check raises a request: "changed" arrives.
	st, _ := e.store.CheckState(t.Context(), e.app.ID, "alice")
	if err := e.requests.Raise(t.Context(), e.app, st, check.Request{IP: "203.0.113.9"}, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	changed("a request was raised")
	// A change made elsewhere (the CLI, another node) arrives by polling.
	if _, err := e.access.Unlock(t.Context(), "cli:test", e.app, "alice", access.Unlock{}); err != nil {
		t.Fatal(err)
	}
	changed("a change made outside the portal")
	// Closing the portal ends the stream (graceful shutdown).
	e.portal.Close()
	for range events {
	}
}

func TestEnableErrors(t *testing.T) {
	e := newEnv(t, publicURL)
	good := e.mint("carol", nil)
	cases := []struct {
		name, query, title string
		code               int
	}{
		{"no token", "", "This link is incomplete", 400},
		{"garbage", "auth-token=abc", "This link is not valid", 401},
		{"expired", "auth-token=" + e.mint("carol", func(c *token.Claims) {
			c.IssuedAt, c.ExpiresAt = e.clock.Now().Add(-20*time.Minute), e.clock.Now().Add(-10*time.Minute)
		}), "This link has expired", 401},
		{"foreign return address", "auth-token=" + good + "&return_to=" + url.QueryEscape("https://evil.example/x"), "Unknown return address", 400},
		{"return address in disguise", "auth-token=" + good + "&return_to=" + url.QueryEscape("https://wiki.acme.test@evil.example/"), "Unknown return address", 400},
	}
	for _, tc := range cases {
		r := e.do("GET", "/enable?"+tc.query, nil, nil)
		if r.code != tc.code || !strings.Contains(r.body, "<h1>"+tc.title+"</h1>") {
			t.Errorf("%s: %d, body lacks %q", tc.name, r.code, tc.title)
		}
	}
	// The good token survived the refused return addresses, works once,
	// and never from the address bar again.
	r := e.do("GET", "/enable?auth-token="+good+"&return_to="+url.QueryEscape("https://wiki.acme.test/back"), nil, nil)
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/enable/continue" || !strings.Contains(r.header.Get("Set-Cookie"), "__Host-deadbolt_enable=") {
		t.Fatalf("good token: %d %v", r.code, r.header)
	}
	if r := e.do("GET", "/enable?auth-token="+good, nil, nil); r.code != http.StatusConflict || !strings.Contains(r.body, "already used") {
		t.Fatalf("replayed token: %d", r.code)
	}
	if _, err := e.store.Account(t.Context(), e.app.ID, "carol"); err == nil {
		t.Fatal("enablement linked before anyone confirmed")
	}
}

func TestEnableLinkSignedIn(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	r := e.do("GET", "/enable?auth-token="+e.mint("alice.wiki", nil)+"&return_to="+url.QueryEscape("https://wiki.acme.test/back"), nil, cookie)
	h, _, _ := strings.Cut(r.header.Get("Set-Cookie"), ";")
	name, value, _ := strings.Cut(h, "=")
	ticket := &http.Cookie{Name: name, Value: value}

	req := func(method, path string) resp {
		rq := httptest.NewRequest(method, publicURL+path, nil)
		rq.Header.Set("Sec-Fetch-Site", "same-origin")
		rq.AddCookie(cookie)
		rq.AddCookie(ticket)
		w := httptest.NewRecorder()
		e.portal.ServeHTTP(w, rq)
		return resp{w.Code, w.Header(), w.Body.String()}
	}
	page := req("GET", "/enable/continue")
	if !strings.Contains(page.body, `id="link"`) || !strings.Contains(page.header.Get("Content-Security-Policy"), "form-action 'self' https://wiki.acme.test") {
		t.Fatalf("confirm page: %d %v", page.code, page.header)
	}
	done := req("POST", "/enable/link")
	if done.code != http.StatusSeeOther || done.header.Get("Location") != "https://wiki.acme.test/back" {
		t.Fatalf("link: %d %v", done.code, done.header)
	}
	if a := e.account("alice.wiki"); a.OwnerID != e.alice.ID {
		t.Fatalf("linked account %+v", a)
	}
	// Bob cannot take Alice's account over with a ticket of his own.
	bobCookie := e.signIn(e.bob)
	r = e.do("GET", "/enable?auth-token="+e.mint("alice.wiki", nil), nil, bobCookie)
	h, _, _ = strings.Cut(r.header.Get("Set-Cookie"), ";")
	name, value, _ = strings.Cut(h, "=")
	cookie, ticket = bobCookie, &http.Cookie{Name: name, Value: value}
	if r := req("POST", "/enable/link"); r.code != http.StatusConflict {
		t.Fatalf("taking over a linked account: %d", r.code)
	}
	if a := e.account("alice.wiki"); a.OwnerID != e.alice.ID {
		t.Fatal("the account changed owner")
	}
}

func TestEnableUserAPI(t *testing.T) {
	e := newEnv(t, publicURL)
	call := func(tok, body string) (int, map[string]any) {
		r := httptest.NewRequest("POST", "/nl3/api/v1/sdk/enableUser", strings.NewReader(body))
		r.Header.Set("x-nl3-authorization-token", tok)
		w := httptest.NewRecorder()
		e.enable.ServeHTTP(w, r)
		var m map[string]any
		json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m
	}
	code, m := call(e.mint("dave", nil), `{"email":"Dave@acme.test"}`)
	if code != 200 || !strings.HasPrefix(m["nl3UserToken"].(string), "nl3u_") {
		t.Fatalf("enableUser: %d %v", code, m)
	}
	dave, err := e.store.MemberByEmail(t.Context(), e.app.TenantID, "dave@acme.test")
	if err != nil || e.account("dave").OwnerID != dave.ID || m["nl3UserToken"] != portal.UserToken(e.account("dave").ID) {
		t.Fatalf("dave: %+v %v", dave, err)
	}
	// Lock checks on the SDK path may name the account by the reference:
	// the token's own account, or any when the server names accounts.
	ref := m["nl3UserToken"].(string)
	res, err := e.check.Check(t.Context(), check.Request{Token: e.mint("dave", nil), BodyNamesAccount: true, UserToken: ref, Peek: true})
	if err != nil || res.Account != "dave" {
		t.Fatalf("check by nl3UserToken: %+v %v", res, err)
	}
	if _, err := e.check.Check(t.Context(), check.Request{Token: e.mint("someone", nil), BodyNamesAccount: true, UserToken: ref, Peek: true}); !errors.Is(err, check.ErrAccountNotPermitted) {
		t.Fatalf("another account's reference: %v", err)
	}
	for _, ref := range []string{"nl3u_nope", "garbage"} {
		if res, _ := e.check.Check(t.Context(), check.Request{Token: e.mint("someone", nil), BodyNamesAccount: true, UserToken: ref, Peek: true}); res.Account != "someone" {
			t.Fatalf("check by unknown reference %q answered for %q", ref, res.Account)
		}
	}
	tok := e.mint("erin", func(c *token.Claims) { c.ID = "jti-1" })
	if code, m := call(tok, ``); code != 200 || m["account"] != "erin" {
		t.Fatalf("enableUser without email: %d %v", code, m)
	}
	if e.account("erin").OwnerID != "" {
		t.Fatal("an account enabled without email got an owner")
	}
	if code, m := call(tok, ``); code != http.StatusConflict || m["error"] != "token_replayed" {
		t.Fatalf("replay: %d %v", code, m)
	}
	forged, _ := token.Mint(token.Key{Algorithm: "HS256", Secret: bytes.Repeat([]byte{9}, 32)}, token.Claims{Issuer: issuer, Subject: "x",
		Audience: []string{publicURL}, ExpiresAt: e.clock.Now().Add(time.Minute)})
	if code, m := call(forged, ``); code != http.StatusUnauthorized || m["error"] != "token_signature" {
		t.Fatalf("forged: %d %v", code, m)
	}
	if code, m := call(e.mint("dave", nil), `{"email":"bob@acme.test"}`); code != http.StatusConflict || m["error"] != "owned_by_another" {
		t.Fatalf("relinking dave: %d %v", code, m)
	}
	if code, _ := call(e.mint("frank", nil), `{"email":"not an email"}`); code != http.StatusBadRequest {
		t.Fatalf("bad email: %d", code)
	}
	if code, _ := call(e.mint("frank", nil), `{"email":`); code != http.StatusBadRequest {
		t.Fatalf("bad body: %d", code)
	}
}

func TestSetupLinks(t *testing.T) {
	e := newEnv(t, publicURL)
	if r := e.do("GET", "/setup?t=bogus", nil, nil); r.code != http.StatusNotFound || !strings.Contains(r.body, "This link does not work") {
		t.Fatalf("bogus setup link: %d", r.code)
	}
	inv, err := e.admin.Invite(t.Context(), admin.Operator("test"), e.app.TenantID, "owner@acme.test", "Olive", store.RoleOwner, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/setup?t="+inv.Secret, nil, nil); r.code != 200 || !strings.Contains(r.body, "owner@acme.test") {
		t.Fatalf("setup page: %d", r.code)
	}
	e.clock.Advance(time.Hour)
	if r := e.do("GET", "/setup?t="+inv.Secret, nil, nil); r.code != http.StatusNotFound {
		t.Fatalf("expired setup link: %d", r.code)
	}
	// SetupLinks: the tenant's owner has no passkey yet, so serve makes one.
	links, err := e.admin.SetupLinks(t.Context(), "system:serve", time.Hour)
	if err != nil || len(links) != 1 || links[0].Member.Email != "owner@acme.test" {
		t.Fatalf("SetupLinks = %+v, %v", links, err)
	}
	e.addPasskey(links[0].Member, "owner-key")
	if links, _ := e.admin.SetupLinks(t.Context(), "system:serve", time.Hour); len(links) != 0 {
		t.Fatalf("SetupLinks with an owner who can sign in: %+v", links)
	}
	if got := portal.SetupURL("http://127.0.0.1:8420", "abc"); got != "http://localhost:8420/setup?t=abc" {
		t.Fatalf("SetupURL on loopback = %s", got)
	}
}

func TestPasskeyRemoval(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	if r := e.do("POST", "/passkeys/alice-key/delete", nil, cookie); r.code != http.StatusConflict || !strings.Contains(r.body, "Keep one passkey") {
		t.Fatalf("removing the only passkey: %d", r.code)
	}
	e.addPasskey(e.alice, "alice-phone")
	e.addPasskey(e.bob, "bob-key")
	if r := e.do("POST", "/passkeys/bob-key/delete", nil, cookie); r.code != http.StatusNotFound {
		t.Fatalf("removing someone else's passkey: %d", r.code)
	}
	if r := e.do("POST", "/passkeys/alice-key/delete", nil, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("removing one of two: %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/passkeys?done=removed", nil, cookie); !strings.Contains(r.body, "alice-phone") || strings.Contains(r.body, ">alice-key<") ||
		!strings.Contains(r.body, "Passkey removed") {
		t.Fatalf("passkeys page after removal:\n%s", r.body)
	}
}

func TestNotificationSettings(t *testing.T) {
	e := newEnvWith(t, publicURL, func(d *portal.Deps) { d.Mail = true })
	cookie := e.signIn(e.alice)
	if r := e.do("GET", "/settings", nil, cookie); r.code != 200 || !strings.Contains(r.body, `id="channel-email" checked`) {
		t.Fatalf("settings page (email is the default): %d", r.code)
	}
	if r := e.do("POST", "/settings", url.Values{}, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	m, _ := e.store.Member(t.Context(), e.alice.ID)
	if m.Channels == nil || len(m.Channels) != 0 {
		t.Fatalf("channels after turning email off: %#v", m.Channels)
	}
	if r := e.do("GET", "/settings?done=saved", nil, cookie); strings.Contains(r.body, `id="channel-email" checked`) || !strings.Contains(r.body, "Saved.") {
		t.Fatal("email still shown as chosen")
	}
	e.do("POST", "/settings", url.Values{"email": {"1"}}, cookie)
	if m, _ := e.store.Member(t.Context(), e.alice.ID); len(m.Channels) != 1 || m.Channels[0] != store.ChannelEmail {
		t.Fatalf("channels after turning email on: %#v", m.Channels)
	}
}

func TestAdminPages(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	if r := e.do("GET", "/admin/apps", nil, e.signIn(e.alice)); r.code != http.StatusForbidden {
		t.Fatalf("a plain member on the admin pages: %d", r.code)
	}
	olive, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleOwner)
	if r := e.do("GET", "/", nil, owner); !strings.Contains(r.body, `href="/admin"`) {
		t.Fatal("an owner sees no admin link")
	}
	if r := e.do("GET", "/admin/apps", nil, owner); r.code != 200 || !strings.Contains(r.body, "Wiki") {
		t.Fatalf("applications: %d", r.code)
	}

	// Add an application, then a key: its secret is shown in that answer only.
	r := e.do("POST", "/admin/apps", url.Values{"name": {"CRM"}, "issuer": {"https://crm.acme.test"}, "unenrolled": {"deny"},
		"fail_mode": {"closed"}, "default_unlock": {"20m"}, "max_unlock": {"4h"}}, owner)
	if r.code != http.StatusSeeOther {
		t.Fatalf("add application: %d %s", r.code, r.body)
	}
	crm, err := e.store.ApplicationByIssuer(ctx, "https://crm.acme.test")
	if err != nil || crm.TenantID != e.app.TenantID || crm.DefaultUnlock != 20*time.Minute || crm.Unenrolled != store.UnenrolledDeny {
		t.Fatalf("created %+v %v", crm, err)
	}
	// A duplicate issuer, also one of another tenant's, is told plainly,
	// never in the database's words (finding: raw SQL errors).
	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	if _, err := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: other.ID, Name: "Theirs", Issuer: "https://theirs.globex.test"}); err != nil {
		t.Fatal(err)
	}
	for _, iss := range []string{"https://crm.acme.test", "https://theirs.globex.test"} {
		r := e.do("POST", "/admin/apps", url.Values{"name": {"Dup"}, "issuer": {iss}}, owner)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "an application with this issuer already exists") {
			t.Fatalf("duplicate issuer %s: %d %s", iss, r.code, r.body)
		}
		for _, leak := range []string{"constraint", "UNIQUE", "SQLSTATE", "2067", "sqlite", "applications.issuer"} {
			if strings.Contains(r.body, leak) {
				t.Fatalf("duplicate issuer %s: the page shows %q", iss, leak)
			}
		}
	}
	r = e.do("POST", "/admin/apps/"+crm.ID+"/keys", nil, owner)
	secret := regexp.MustCompile(`<code id="new-secret">([^<]+)</code>`).FindStringSubmatch(r.body)
	if r.code != 200 || secret == nil || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create key: %d, secret shown: %v", r.code, secret != nil)
	}
	if raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(secret[1])); err != nil || len(raw) != 32 {
		t.Fatalf("shown secret %q is not 32 bytes of base64: %v", secret[1], err)
	}
	keys, _ := e.store.SigningKeys(ctx, crm.ID)
	if len(keys) != 1 || !strings.Contains(r.body, keys[0].KID) {
		t.Fatalf("keys %+v", keys)
	}
	if r := e.do("GET", "/admin/apps/"+crm.ID, nil, owner); strings.Contains(r.body, secret[1]) {
		t.Fatal("the secret is shown again")
	}
	if r := e.do("POST", "/admin/keys/"+keys[0].KID+"/revoke", nil, owner); r.code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.code)
	}
	if k, _ := e.store.SigningKey(ctx, keys[0].KID); k.RevokedAt.IsZero() {
		t.Fatal("key not revoked")
	}

	// Settings, origins included; a bad origin changes nothing.
	r = e.do("POST", "/admin/apps/"+crm.ID, url.Values{"name": {"CRM"}, "unenrolled": {"allow"}, "fail_mode": {"open"},
		"enabled": {"1"}, "max_unlock": {"2h"}, "origins": {"https://crm.acme.test\nhttps://M.crm.acme.test/"}}, owner)
	if r.code != http.StatusSeeOther {
		t.Fatalf("save settings: %d %s", r.code, r.body)
	}
	crm, _ = e.store.Application(ctx, crm.ID)
	if crm.FailMode != store.FailOpen || crm.MaxUnlock != 2*time.Hour || len(crm.Origins) != 2 || crm.Origins[1] != "https://m.crm.acme.test" {
		t.Fatalf("after saving: %+v", crm)
	}
	if r := e.do("POST", "/admin/apps/"+crm.ID, url.Values{"name": {"CRM"}, "unenrolled": {"allow"}, "fail_mode": {"open"},
		"origins": {"https://crm.acme.test/path"}}, owner); r.code != http.StatusBadRequest || !strings.Contains(r.body, "Not saved") {
		t.Fatalf("bad origin: %d", r.code)
	}

	// Members: invite, roles, and the last owner stays.
	r = e.do("POST", "/admin/members/invite", url.Values{"email": {"pat@acme.test"}, "role": {"approver"}}, owner)
	if r.code != 200 || !strings.Contains(r.body, publicURL+"/setup?t=") {
		t.Fatalf("invite: %d", r.code)
	}
	if r := e.do("POST", "/admin/members/"+olive.ID+"/role", url.Values{"role": {"admin"}}, owner); r.code != http.StatusConflict {
		t.Fatalf("demoting the last owner: %d", r.code)
	}
	if r := e.do("POST", "/admin/members/"+e.bob.ID+"/role", url.Values{"role": {"admin"}}, owner); r.code != http.StatusSeeOther {
		t.Fatalf("making bob admin: %d %s", r.code, r.body)
	}
	bobCookie := e.signIn(e.bob)
	if r := e.do("POST", "/admin/members/"+e.alice.ID+"/role", url.Values{"role": {"owner"}}, bobCookie); r.code != http.StatusForbidden {
		t.Fatalf("an admin making an owner: %d", r.code)
	}
	if r := e.do("GET", "/admin/members", nil, bobCookie); r.code != 200 || !strings.Contains(r.body, "pat@acme.test") {
		t.Fatalf("members page for an admin: %d", r.code)
	}

	// Another tenant's application is not there.
	gapp, _ := e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: other.ID, Name: "G", Issuer: "https://g.globex.test"})
	for _, path := range []string{"/admin/apps/" + gapp.ID} {
		if r := e.do("GET", path, nil, owner); r.code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, r.code)
		}
	}
	if r := e.do("POST", "/admin/apps/"+gapp.ID+"/keys", nil, owner); r.code != http.StatusNotFound {
		t.Errorf("a key for another tenant's application: %d", r.code)
	}

	// Activity: a chart and the latest decisions.
	now := e.clock.Now()
	var recs []store.CheckRecord
	for i := range 5 {
		recs = append(recs, store.CheckRecord{ID: ids.New(), TenantID: e.app.TenantID, AppID: e.app.ID, Account: "alice",
			At: now.Add(-time.Duration(i) * 30 * time.Minute), Locked: i%2 == 0, Status: "locked", IP: "203.0.113.1"})
	}
	if err := e.store.AppendChecks(ctx, recs); err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", "/admin/activity", nil, owner)
	if r.code != 200 || !strings.Contains(r.body, "<svg") || !strings.Contains(r.body, "5 checks, 3 blocked") {
		t.Fatalf("activity: %d\n%s", r.code, r.body)
	}
	if r := e.do("GET", "/admin/webhooks", nil, owner); r.code != 200 || !strings.Contains(r.body, "No webhooks") {
		t.Fatalf("webhooks: %d", r.code)
	}
}

// TestAdminWebhooks: admins add a webhook (its secret shown in that answer
// only) and delete it, each with its audit event; another tenant's webhook
// cannot be deleted, and bad input changes nothing.
func TestAdminWebhooks(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleOwner)
	if r := e.do("POST", "/admin/webhooks", url.Values{"url": {"https://hooks.acme.test/x"}}, e.signIn(e.alice)); r.code != http.StatusForbidden {
		t.Fatalf("a plain member adding a webhook: %d", r.code)
	}
	if r := e.do("POST", "/admin/webhooks", url.Values{"url": {"https://hooks.acme.test/x"}}, owner,
		"Sec-Fetch-Site", "cross-site"); r.code != http.StatusForbidden {
		t.Fatalf("a cross-site webhook: %d", r.code)
	}

	r := e.do("POST", "/admin/webhooks", url.Values{"url": {" https://hooks.acme.test/deadbolt "}, "events": {"account.locked"}}, owner)
	secret := regexp.MustCompile(`<code id="webhook-secret">([^<]+)</code>`).FindStringSubmatch(r.body)
	if r.code != 200 || secret == nil || !strings.HasPrefix(secret[1], "whsec_") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("add webhook: %d, secret shown: %v", r.code, secret)
	}
	hooks, _ := e.store.Webhooks(ctx, e.app.TenantID)
	if len(hooks) != 1 || hooks[0].URL != "https://hooks.acme.test/deadbolt" || len(hooks[0].Events) != 1 || hooks[0].Events[0] != "account.locked" {
		t.Fatalf("webhooks: %+v", hooks)
	}
	if raw, err := e.admin.Box.Open(hooks[0].SealedSecret, hooks[0].ID); err != nil || string(raw) != secret[1] {
		t.Fatalf("the stored secret is not the one shown: %v", err)
	}
	if r := e.do("GET", "/admin/webhooks", nil, owner); !strings.Contains(r.body, "https://hooks.acme.test/deadbolt") || strings.Contains(r.body, secret[1]) {
		t.Fatal("the webhooks page lacks the webhook or shows its secret again")
	}
	for name, form := range map[string]url.Values{
		"not a URL":      {"url": {"hooks.acme.test"}},
		"another scheme": {"url": {"ftp://hooks.acme.test/"}},
		"unknown event":  {"url": {"https://hooks.acme.test/y"}, "events": {"account.deleted"}},
		// Finding: webhook SSRF. The page says why.
		"loopback address": {"url": {"http://127.0.0.1:8420/"}},
		"loopback name":    {"url": {"http://localhost:22/"}},
		"private address":  {"url": {"http://10.0.0.1/"}},
		"metadata address": {"url": {"http://169.254.169.254/latest/meta-data/"}},
	} {
		r := e.do("POST", "/admin/webhooks", form, owner)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "Not saved") {
			t.Errorf("%s: %d", name, r.code)
		}
		if strings.HasSuffix(name, "address") || strings.HasSuffix(name, "name") {
			if !strings.Contains(r.body, "address") || !(strings.Contains(r.body, "public") || strings.Contains(r.body, "never")) {
				t.Errorf("%s: the page does not say why: %s", name, r.body)
			}
		}
	}
	if hooks, _ := e.store.Webhooks(ctx, e.app.TenantID); len(hooks) != 1 {
		t.Fatalf("bad input added webhooks: %+v", hooks)
	}

	// Another tenant's webhook is not there to delete.
	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	foreign, _, err := e.admin.CreateWebhook(ctx, "test", admin.NewWebhook{TenantID: other.ID, URL: "https://hooks.globex.test/"})
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/admin/webhooks/"+foreign.ID+"/delete", nil, owner); r.code != http.StatusNotFound {
		t.Fatalf("deleting another tenant's webhook: %d", r.code)
	}
	if r := e.do("POST", "/admin/webhooks/"+hooks[0].ID+"/delete", nil, owner); r.code != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", r.code, r.body)
	}
	if hooks, _ := e.store.Webhooks(ctx, e.app.TenantID); len(hooks) != 0 {
		t.Fatalf("after deleting: %+v", hooks)
	}
	if _, err := e.store.Webhook(ctx, foreign.ID); err != nil {
		t.Fatalf("another tenant's webhook: %v", err)
	}
	recs, _ := e.store.AuditRecords(ctx, e.app.TenantID, 0, 1000)
	var actions []string
	for _, rec := range recs {
		if strings.HasPrefix(rec.Action, "webhook.") {
			actions = append(actions, rec.Action+" by "+rec.Actor)
		}
	}
	if want := "webhook.created by member:olive@acme.test, webhook.deleted by member:olive@acme.test"; strings.Join(actions, ", ") != want {
		t.Fatalf("audit: %v, want %s", actions, want)
	}
}

// TestAdminDeliveries: the Deliveries page lists the tenant's outbox on
// every channel with each message's state, attempts and last error, and
// nothing of another tenant.
func TestAdminDeliveries(t *testing.T) {
	e := newEnv(t, publicURL)
	ctx := t.Context()
	_, owner := e.member(e.app.TenantID, "olive@acme.test", store.RoleAdmin)
	if r := e.do("GET", "/admin/deliveries", nil, owner); r.code != 200 || !strings.Contains(r.body, "Nothing sent yet") {
		t.Fatalf("empty deliveries: %d", r.code)
	}
	if r := e.do("GET", "/admin/deliveries", nil, e.signIn(e.alice)); r.code != http.StatusForbidden {
		t.Fatalf("a plain member on the deliveries page: %d", r.code)
	}
	other, _ := e.admin.CreateTenant(ctx, "test", "globex")
	stranger, _ := e.admin.Invite(ctx, admin.Operator("test"), other.ID, "eve@globex.test", "Eve", store.RoleOwner, time.Hour)
	now := e.clock.Now()
	msg := func(id, tenant, channel, member string, at time.Duration) store.OutboxMessage {
		return store.OutboxMessage{ID: id, TenantID: tenant, Channel: channel, MemberID: member, Type: "request.raised",
			Payload: []byte(`{}`), CreatedAt: now.Add(at)}
	}
	if err := e.store.Update(ctx, func(tx store.Tx) error {
		for _, m := range []store.OutboxMessage{
			msg("m-mail", e.app.TenantID, store.ChannelEmail, e.alice.ID, 0),
			msg("m-push", e.app.TenantID, store.ChannelPush, e.bob.ID, time.Second),
			msg("m-wait", e.app.TenantID, store.ChannelEmail, e.bob.ID, 2*time.Second),
			msg("m-other", other.ID, store.ChannelEmail, stranger.Member.ID, 3*time.Second),
		} {
			if err := tx.EnqueueOutbox(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	if _, err := e.store.ClaimOutbox(ctx, later, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	for _, res := range []store.OutboxResult{
		{ID: "m-mail", At: later, Delivered: true},
		{ID: "m-push", At: later, Error: "push service answered 503 <busy>"},
		{ID: "m-wait", At: later, Error: "mail: message refused: 451", RetryAt: later.Add(5 * time.Second)},
	} {
		if err := e.store.FinishOutbox(ctx, res); err != nil {
			t.Fatal(err)
		}
	}
	r := e.do("GET", "/admin/deliveries", nil, owner)
	if r.code != 200 {
		t.Fatalf("deliveries: %d", r.code)
	}
	rows := regexp.MustCompile(`<tr data-channel="(\w+)" data-state="(\w+)">`).FindAllStringSubmatch(r.body, -1)
	var got []string
	for _, row := range rows {
		got = append(got, row[1]+" "+row[2])
	}
	if strings.Join(got, ", ") != "email pending, push failed, email delivered" {
		t.Fatalf("rows (newest first): %v", got)
	}
	for _, want := range []string{"alice@acme.test", "bob@acme.test", "push service answered 503 &lt;busy&gt;",
		"mail: message refused: 451", "1 delivered · 1 waiting", "1 failed"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("deliveries page lacks %q", want)
		}
	}
	if strings.Contains(r.body, "eve@globex.test") {
		t.Error("another tenant's delivery is shown")
	}
}

func TestPushSubscription(t *testing.T) {
	e := newEnv(t, publicURL)
	cookie := e.signIn(e.alice)
	if r := e.do("GET", "/sw.js", nil, nil); r.code != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") ||
		!strings.Contains(r.body, "showNotification") {
		t.Fatalf("service worker: %d %s", r.code, r.header.Get("Content-Type"))
	}
	if r := e.do("GET", "/settings", nil, cookie); !strings.Contains(r.body, "does not send push") {
		t.Fatal("push offered without a VAPID key")
	}
	key := make([]byte, 65)
	key[0] = 4
	k, _ := ecdhKey()
	copy(key, k)
	postAs := func(cookie *http.Cookie, endpoint string) resp {
		body, _ := json.Marshal(map[string]any{"endpoint": endpoint, "keys": map[string]string{
			"p256dh": base64.RawURLEncoding.EncodeToString(key), "auth": base64.RawURLEncoding.EncodeToString(make([]byte, 16))}})
		r := httptest.NewRequest("POST", publicURL+"/push/subscribe", bytes.NewReader(body))
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Accept", "application/json")
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		e.portal.ServeHTTP(w, r)
		return resp{w.Code, w.Header(), w.Body.String()}
	}
	post := func(endpoint string) resp { return postAs(cookie, endpoint) }
	if r := post("https://push.example.com/x"); r.code != http.StatusNotFound {
		t.Fatalf("subscribe with push off: %d", r.code)
	}
	e.pushOn(t)
	if r := post("https://127.0.0.1/x"); r.code != http.StatusBadRequest {
		t.Fatalf("loopback endpoint: %d %s", r.code, r.body)
	}
	if r := post("https://push.example.com/x"); r.code != 200 {
		t.Fatalf("subscribe: %d %s", r.code, r.body)
	}
	subs, _ := e.store.PushSubscriptions(t.Context(), e.alice.ID)
	m, _ := e.store.Member(t.Context(), e.alice.ID)
	if len(subs) != 1 || subs[0].Endpoint != "https://push.example.com/x" || len(m.Channels) != 2 {
		t.Fatalf("after subscribing: %+v, channels %v", subs, m.Channels)
	}
	if r := e.do("GET", "/settings", nil, cookie); !strings.Contains(r.body, `id="channel-push" checked`) || !strings.Contains(r.body, `data-key="`) {
		t.Fatal("settings do not show push on")
	}
	// Knowing Alice's endpoint does not move her subscription to Bob.
	if r := postAs(e.signIn(e.bob), "https://push.example.com/x"); r.code != http.StatusConflict {
		t.Fatalf("bob posting alice's endpoint: %d", r.code)
	}
	if got, _ := e.store.PushSubscriptions(t.Context(), e.alice.ID); len(got) != 1 || got[0].ID != subs[0].ID {
		t.Fatalf("alice's subscriptions after bob's attempt: %+v", got)
	}
	if got, _ := e.store.PushSubscriptions(t.Context(), e.bob.ID); len(got) != 0 {
		t.Fatalf("bob took a subscription: %+v", got)
	}
	// Alice's browser subscribing again keeps it hers.
	if r := post("https://push.example.com/x"); r.code != 200 {
		t.Fatalf("subscribing again: %d %s", r.code, r.body)
	}
	if r := e.do("POST", "/push/"+subs[0].ID+"/delete", nil, e.signIn(e.bob)); r.code != http.StatusNotFound {
		t.Fatalf("bob removing alice's subscription: %d", r.code)
	}
	if r := e.do("POST", "/push/"+subs[0].ID+"/delete", nil, cookie); r.code != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.code)
	}
	if subs, _ := e.store.PushSubscriptions(t.Context(), e.alice.ID); len(subs) != 0 {
		t.Fatal("subscription kept")
	}
}

// pushOn rebuilds the portal with a Web Push key.
func (e *env) pushOn(t *testing.T) {
	e.deps.PushKey = "BPublicKeyForTests"
	p, err := portal.New(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	e.portal = p
	t.Cleanup(p.Close)
}

// ecdhKey is a browser's P-256 public key, uncompressed.
func ecdhKey() ([]byte, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}
