package authorizer_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"

	"github.com/deadbolt-dev/deadbolt/client"
	"github.com/deadbolt-dev/deadbolt/internal/aws/authorizer"
	"github.com/deadbolt-dev/deadbolt/internal/aws/awstest"
	"github.com/deadbolt-dev/deadbolt/internal/aws/invoke"
	"github.com/deadbolt-dev/deadbolt/internal/aws/lambdaenv"
	"github.com/deadbolt-dev/deadbolt/internal/aws/urlhook"
	"github.com/deadbolt-dev/deadbolt/internal/webhook"
)

const (
	poolIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
	appClient  = "4b9f2c0hvq8l2p3example"
	hookSecret = "whsec_authorizer-test-secret"
)

// claims are an access token's, as Cognito issues them.
func accessClaims(user string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"sub": "7f3c2a8e-1b4d-4e5f-9a6b-" + user, "iss": poolIssuer, "client_id": appClient, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "username": user,
		"auth_time": now.Add(-time.Minute).Unix(), "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(),
		"jti": "1f0e2d3c-" + user,
	}
}

// fixture is one authorizer deployment on the local Invoke API, asking a
// stand-in lock-check endpoint (awstest.LockServer: the end-to-end test
// uses the real deadbolt).
type fixture struct {
	t     *testing.T
	idp   *awstest.IDP
	locks *awstest.LockServer
	url   string
}

func newFixture(t *testing.T, cache time.Duration, mode client.FailMode, tune ...func(*authorizer.Config)) *fixture {
	t.Helper()
	f := &fixture{t: t, idp: awstest.NewIDP(t), locks: awstest.NewLockServer(t)}
	key, _ := awstest.Key()
	checker, err := lambdaenv.NewChecker(lambdaenv.Check{APIURI: f.locks.URL, AppURI: awstest.Issuer, SigningKey: key,
		FailMode: mode, Timeout: 2 * time.Second}, authorizer.IntegrationType, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := oidc.NewRemoteKeySet(context.Background(), f.idp.URL)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg := authorizer.Config{
		Issuer: poolIssuer, Audiences: []string{appClient}, Cache: cache, FailMode: mode, AppURI: awstest.Issuer,
		Webhooks: urlhook.Receiver{Secrets: lambdaenv.WebhookSecrets([]string{hookSecret}, nil, "")},
	}
	for _, fn := range tune {
		fn(&cfg)
	}
	h := authorizer.New(cfg, keys, checker, log)
	lh := lambda.NewHandler(h.Handle)
	srv := httptest.NewServer((&invoke.Server{Default: lh, FunctionURL: lh, Log: log}).Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// invoke sends a fixture event with tok in it through the Invoke API and
// returns the function's output, or its error message.
func (f *fixture) invoke(event, tok string) (out map[string]any, funcErr string) {
	f.t.Helper()
	raw, err := os.ReadFile("testdata/" + event + ".json")
	if err != nil {
		f.t.Fatal(err)
	}
	payload := bytes.ReplaceAll(raw, []byte("{{TOKEN}}"), []byte(tok))
	resp, err := http.Post(f.url+invoke.InvokePrefix+"deadbolt-authorizer/invocations", "application/json", bytes.NewReader(payload))
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("X-Amz-Function-Error") != "" {
		var e struct{ ErrorMessage string }
		json.Unmarshal(body, &e)
		return nil, e.ErrorMessage
	}
	if err := json.Unmarshal(body, &out); err != nil {
		f.t.Fatalf("output is not JSON: %s", body)
	}
	return out, ""
}

// effect returns a REST answer's policy effect and context.
func effect(t *testing.T, out map[string]any) (string, map[string]any) {
	t.Helper()
	var r struct {
		PrincipalID    string `json:"principalId"`
		PolicyDocument struct {
			Statement []struct{ Effect string }
		} `json:"policyDocument"`
		Context map[string]any `json:"context"`
	}
	b, _ := json.Marshal(out)
	json.Unmarshal(b, &r)
	if len(r.PolicyDocument.Statement) != 1 {
		t.Fatalf("answer has no single policy statement: %v", out)
	}
	return r.PolicyDocument.Statement[0].Effect, r.Context
}

// hook delivers a signed deadbolt webhook to the function URL.
func (f *fixture) hook(account string, locked bool, secret string) (int, urlhook.Result) {
	f.t.Helper()
	typ := webhook.TypeAccountUnlocked
	if locked {
		typ = webhook.TypeAccountLocked
	}
	ev := webhook.Event{ID: "ev-" + account, Type: typ, At: time.Now().UTC(), Tenant: "acme",
		Data: webhook.EventData{Application: awstest.Issuer, Account: account, Locked: locked}}
	body, _ := json.Marshal(ev)
	req, _ := http.NewRequest(http.MethodPost, f.url+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, body, time.Now()))
	req.Header.Set(webhook.HeaderEventID, ev.ID)
	req.Header.Set(webhook.HeaderEventType, ev.Type)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r urlhook.Result
	json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

func TestRESTAnswersFollowTheLock(t *testing.T) {
	f := newFixture(t, 0, client.FailClosed)
	tok := f.idp.Sign(t, accessClaims("alice"))
	f.locks.SetLocked("alice", false)
	for _, event := range []string{"rest_token", "rest_request"} {
		out, ferr := f.invoke(event, tok)
		if ferr != "" {
			t.Fatalf("%s: function error %q", event, ferr)
		}
		eff, ctx := effect(t, out)
		if eff != "Allow" || out["principalId"] != "alice" || ctx["locked"] != false || ctx["decidedBy"] != "deadbolt" {
			t.Fatalf("%s unlocked: %v", event, out)
		}
	}
	f.locks.SetLocked("alice", true)
	for _, event := range []string{"rest_token", "rest_request"} {
		out, _ := f.invoke(event, tok)
		if eff, ctx := effect(t, out); eff != "Deny" || ctx["locked"] != true || ctx["status"] != "pending_approval" {
			t.Fatalf("%s locked: %v", event, out)
		}
	}
	// The REQUEST event's source address and user agent reach deadbolt.
	checks := f.locks.Checks()
	last := checks[len(checks)-1].Body
	if string(last["userIP"]) != `"203.0.113.7"` || string(last["userDevice"]) != `"curl/8.5.0"` || string(last["integrationType"]) != `"apigateway"` {
		t.Fatalf("context sent to deadbolt: %v", last)
	}
}

func TestHTTPAPISimpleResponse(t *testing.T) {
	f := newFixture(t, 0, client.FailClosed)
	tok := f.idp.Sign(t, accessClaims("bob"))
	f.locks.SetLocked("bob", false)
	out, _ := f.invoke("http_api", tok)
	if out["isAuthorized"] != true || out["context"].(map[string]any)["account"] != "bob" {
		t.Fatalf("unlocked: %v", out)
	}
	f.locks.SetLocked("bob", true)
	if out, _ := f.invoke("http_api", tok); out["isAuthorized"] != false {
		t.Fatalf("locked: %v", out)
	}
	if out, _ := f.invoke("http_api", "not-a-jwt"); out["isAuthorized"] != false || out["context"] != nil {
		t.Fatalf("bad token: %v", out)
	}
}

// TestWebhookDropsTheCache: with a cache, a lock made after an answer is
// cached is still honoured at the very next request once deadbolt's
// webhook arrives.
func TestWebhookDropsTheCache(t *testing.T) {
	f := newFixture(t, time.Hour, client.FailClosed)
	tok := f.idp.Sign(t, accessClaims("carol"))
	f.locks.SetLocked("carol", false)
	if out, _ := f.invoke("rest_token", tok); out == nil {
		t.Fatal("no answer")
	}
	f.locks.SetLocked("carol", true)
	out, _ := f.invoke("rest_token", tok)
	if eff, ctx := effect(t, out); eff != "Allow" || ctx["decidedBy"] != "cache" {
		t.Fatalf("second request should come from the cache: %v", out)
	}
	if n := len(f.locks.Checks()); n != 1 {
		t.Fatalf("deadbolt was asked %d times, want 1", n)
	}

	if code, r := f.hook("carol", true, "whsec_not-the-right-secret"); code != http.StatusUnauthorized || r.Error != "invalid_signature" {
		t.Fatalf("forged webhook: %d %+v", code, r)
	}
	out, _ = f.invoke("rest_token", tok)
	if eff, _ := effect(t, out); eff != "Allow" {
		t.Fatal("a forged webhook dropped the cache")
	}
	if code, r := f.hook("carol", true, hookSecret); code != 200 || r.Action != "dropped" {
		t.Fatalf("webhook: %d %+v", code, r)
	}
	out, _ = f.invoke("rest_token", tok)
	if eff, ctx := effect(t, out); eff != "Deny" || ctx["decidedBy"] != "deadbolt" {
		t.Fatalf("the request after the webhook: %v", out)
	}
	if code, r := f.hook("nobody", true, hookSecret); code != 200 || r.Action != "not_cached" {
		t.Fatalf("webhook for an uncached account: %d %+v", code, r)
	}
}

func TestCacheOffAsksEveryTime(t *testing.T) {
	f := newFixture(t, 0, client.FailClosed)
	tok := f.idp.Sign(t, accessClaims("dave"))
	for range 3 {
		f.invoke("rest_token", tok)
	}
	if n := len(f.locks.Checks()); n != 3 {
		t.Fatalf("deadbolt was asked %d times for 3 requests with CACHE_SECONDS=0", n)
	}
}

func TestTokensRefused(t *testing.T) {
	f := newFixture(t, time.Hour, client.FailOpen) // fail open must not open a door for a bad token
	good := accessClaims("erin")
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for a, b := range good {
			c[a] = b
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	otherRSA, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.idp.Key.PublicKey)
	signWith := func(m jwt.SigningMethod, key any, c jwt.MapClaims, kid string) string {
		tok := jwt.NewWithClaims(m, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := map[string]string{
		"expired":          f.idp.Sign(t, with("exp", time.Now().Add(-time.Minute).Unix())),
		"foreign issuer":   f.idp.Sign(t, with("iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")),
		"other app client": f.idp.Sign(t, with("client_id", "someoneelse")),
		"no account claim": f.idp.Sign(t, with("username", nil)),
		"alg none":         none,
		"HS256 with the public key (algorithm confusion)": signWith(jwt.SigningMethodHS256, pubDER, good, f.idp.KID),
		"signed by another key with the pool's kid":       signWith(jwt.SigningMethodRS256, otherRSA, good, f.idp.KID),
		"ES256 key not in the JWKS":                       signWith(jwt.SigningMethodES256, ecKey, good, "ec-1"),
		"garbage":                                         "not.a.jwt",
		"empty":                                           "",
	}
	// "no account claim" still has sub: take sub away too.
	cases["no account claim"] = f.idp.Sign(t, func() jwt.MapClaims { c := with("username", nil); delete(c, "sub"); return c }())
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			if out, ferr := f.invoke("rest_token", tok); ferr != "Unauthorized" {
				t.Fatalf("REST: want the Unauthorized error (401), got %v %q", out, ferr)
			}
			if out, _ := f.invoke("http_api", tok); out["isAuthorized"] != false {
				t.Fatalf("HTTP API: %v", out)
			}
		})
	}
	if n := len(f.locks.Checks()); n != 0 {
		t.Fatalf("deadbolt was asked %d times for refused tokens", n)
	}
	if out, ferr := f.invoke("rest_token", f.idp.Sign(t, good)); ferr != "" || out == nil {
		t.Fatalf("the good token is refused: %v %q", out, ferr)
	}
}

// TestTokenUse: an authorizer set to ID tokens refuses access tokens, and
// takes the account from cognito:username.
func TestTokenUse(t *testing.T) {
	f := newFixture(t, 0, client.FailClosed, func(c *authorizer.Config) { c.TokenUse = "id" })
	if _, ferr := f.invoke("rest_token", f.idp.Sign(t, accessClaims("gina"))); ferr != "Unauthorized" {
		t.Fatalf("an access token passed an ID-token authorizer: %q", ferr)
	}
	id := accessClaims("ignored")
	delete(id, "username")
	delete(id, "client_id")
	id["token_use"], id["aud"], id["cognito:username"] = "id", appClient, "gina"
	out, ferr := f.invoke("rest_token", f.idp.Sign(t, id))
	if ferr != "" || out["principalId"] != "gina" {
		t.Fatalf("ID token: %v %q", out, ferr)
	}
}

func TestFailModes(t *testing.T) {
	for _, tc := range []struct {
		mode      client.FailMode
		effect    string
		decidedBy string
	}{{client.FailClosed, "Deny", "fail_closed"}, {client.FailOpen, "Allow", "fail_open"}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			f := newFixture(t, time.Hour, tc.mode)
			tok := f.idp.Sign(t, accessClaims("frank"))
			f.locks.Answer = func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, `{"error":"store_unavailable","message":"down"}`)
			}
			for range 2 { // an undecided answer is never cached
				out, ferr := f.invoke("rest_token", tok)
				if ferr != "" {
					t.Fatalf("function error %q", ferr)
				}
				if eff, ctx := effect(t, out); eff != tc.effect || ctx["decidedBy"] != tc.decidedBy || ctx["status"] != "undecided" {
					t.Fatalf("deadbolt down: %v", out)
				}
			}
			if n := len(f.locks.Checks()); n != 2 {
				t.Fatalf("deadbolt was asked %d times; an undecided answer must not be cached", n)
			}
			f.locks.Close() // unreachable
			out, _ := f.invoke("rest_token", tok)
			if eff, _ := effect(t, out); eff != tc.effect {
				t.Fatalf("deadbolt unreachable: %v", out)
			}
		})
	}
}

func TestUnsupportedEvent(t *testing.T) {
	f := newFixture(t, 0, client.FailClosed)
	resp, err := http.Post(f.url+invoke.InvokePrefix+"deadbolt-authorizer/invocations", "application/json", strings.NewReader(`{"hello":"world"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Amz-Function-Error") == "" {
		t.Fatal("an unknown event was answered")
	}
}
