package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/api"
	"github.com/deadbolt-dev/deadbolt/internal/approval"
	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/clientaddr"
	"github.com/deadbolt-dev/deadbolt/internal/clock"
	"github.com/deadbolt-dev/deadbolt/internal/httpx/httpxtest"
	"github.com/deadbolt-dev/deadbolt/internal/metrics"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/ratelimit"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/backends"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

const (
	issuer    = "https://wiki.acme.test"
	publicURL = "http://deadbolt.test:8420"
)

// env is a lock-check API on a real SQLite file with a fake clock.
type env struct {
	t      testing.TB
	api    *api.API
	clock  *clock.Fake
	store  *sqlite.Store
	admin  *admin.Service
	access *access.Service
	app    store.Application
	secret []byte
	kid    string
	srv    *httptest.Server
	log    *checklog.Writer
	ecKey  *ecdsa.PrivateKey
	svc    *check.Service
	reads  *cache.Cache // the check's live cache, which also loads policies
	// approvals takes approval requests for operations.
	approvals *approval.Service
}

// newEnv starts the API over real HTTP on 127.0.0.1, with the failed-token
// limiter given (nil for none) and the trusted proxies given.
func newEnv(t testing.TB, limiter *ratelimit.Limiter, trustedProxies ...string) *env {
	t.Helper()
	ctx := context.Background()
	s := backends.SQLite(t)
	box, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
	e := &env{t: t, clock: clock.NewFake(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)), store: s}
	e.admin = &admin.Service{Store: s, Clock: e.clock, Box: box}
	e.access = &access.Service{Store: s, Clock: e.clock}
	tenant, err := e.admin.CreateTenant(ctx, "test", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if e.app, err = e.admin.CreateApp(ctx, "test", admin.NewApp{TenantID: tenant.ID, Name: "Wiki", Issuer: issuer}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := e.admin.CreateKey(ctx, "test", e.app, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	e.secret, e.kid = secret, k.KID

	auds, err := token.AcceptedAudiences(publicURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New()
	e.log = checklog.New(s, checklog.Options{Mode: checklog.Sync, Observer: m})
	t.Cleanup(func() { e.log.Close(context.Background()) })
	// The check reads through the cache the server gives it, fed by the
	// store's change feed.
	reads := cache.New(s, cache.Options{Box: box, Policies: func(ctx context.Context, r store.PolicyReader, tenantID string) (*policy.Set, error) {
		t, err := admin.PolicyTenant(ctx, r, tenantID, e.clock.Now())
		if err != nil {
			return nil, err
		}
		return policy.NewSet(t, nil)
	}})
	e.reads = reads
	feedCtx, stopFeed := context.WithCancel(context.Background())
	fed := make(chan struct{})
	go func() { reads.Run(feedCtx, s); close(fed) }()
	t.Cleanup(func() { stopFeed(); <-fed })
	for deadline := time.Now().Add(10 * time.Second); !reads.Live(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the check cache did not go live")
		}
	}
	e.svc = check.New(check.Deps{Store: reads, Keys: reads, Clock: e.clock, Log: e.log,
		Requests: &access.Requests{Store: reads, Clock: e.clock},
		Verifier: &token.Verifier{Audiences: auds, Leeway: time.Minute, MaxLifetime: 15 * time.Minute, Now: e.clock.Now}})
	mux := http.NewServeMux()
	e.approvals = &approval.Service{Store: s, Clock: e.clock}
	e.api = api.New(api.Deps{Check: e.svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m, Limiter: limiter,
		Approvals: e.approvals})
	e.api.Register(mux)
	addrs, err := clientaddr.New(trustedProxies)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(addrs.Handler(mux))
	t.Cleanup(e.srv.Close)
	return e
}

// claims returns NL3-sample-shaped claims for account.
func (e *env) claims(account string) token.Claims {
	now := e.clock.Now()
	return token.Claims{Issuer: issuer, Subject: account, Audience: []string{publicURL},
		IssuedAt: now.Add(-60 * time.Second), ExpiresAt: now.Add(5 * time.Minute)}
}

func (e *env) mint(c token.Claims) string {
	e.t.Helper()
	raw, err := token.Mint(token.Key{Algorithm: "HS256", Secret: e.secret}, c)
	if err != nil {
		e.t.Fatal(err)
	}
	return raw
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (e *env) post(path, tok string, body string) answer {
	e.t.Helper()
	return e.postFrom(http.DefaultClient, path, tok, body, nil)
}

// from returns a client whose connections come from the loopback address
// local (127.0.0.2, …), so the server sees another peer.
func from(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

// postFrom sends a lock check through client c, with extra headers.
func (e *env) postFrom(c *http.Client, path, tok, body string, header map[string]string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewBufferString(body))
	if tok != "" {
		req.Header.Set("x-nl3-authorization-token", tok)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return e.do(c, req)
}

// do sends req through client c and reads its JSON answer.
func (e *env) do(c *http.Client, req *http.Request) answer {
	e.t.Helper()
	resp, raw := httpxtest.Send(e.t, c, req)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		e.t.Fatalf("answer is not JSON: %q", raw)
	}
	return a
}

func (e *env) check(account string) answer {
	return e.post(api.PathProtectionCheck, e.mint(e.claims(account)), `{"userIP":"203.0.113.7","integrationType":"cognito"}`)
}

func (e *env) enroll(account, owner string) {
	e.t.Helper()
	if _, err := e.access.Enroll(context.Background(), "test", e.app, account, owner); err != nil {
		e.t.Fatal(err)
	}
}

// registerEC registers an ES256 public key for the application.
func (e *env) registerEC() string {
	e.t.Helper()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	k, err := e.admin.RegisterPublicKey(context.Background(), "test", e.app,
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), time.Time{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.ecKey = priv
	return k.KID
}
