package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/deadbolt-dev/deadbolt/internal/passkey/softkey"
)

// The acr values of deadbolt's OpenID provider (package oidc).
const (
	acrPasskey         = "urn:deadbolt:acr:passkey"
	acrPasskeyUnlocked = "urn:deadbolt:acr:passkey+unlocked"
)

// noFollow is a client that shows each redirect instead of following it.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// rp is a relying party: go-oidc for discovery and id_token checks,
// x/oauth2 for the code exchange.
type rp struct {
	t        *testing.T
	provider *gooidc.Provider
	conf     oauth2.Config
}

func newRP(t *testing.T, issuer, clientID, secret, redirect string) *rp {
	t.Helper()
	p, err := gooidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &rp{t: t, provider: p, conf: oauth2.Config{ClientID: clientID, ClientSecret: secret, RedirectURL: redirect,
		Endpoint: p.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}}}
}

// flow is one authorization request's parameters.
type flow struct {
	acr, loginHint, prompt string
	pkce                   bool
}

// started is an authorization request the browser was sent into.
type started struct {
	state, nonce, verifier string
	location               string // where authorize sent the browser
	status                 int
	body                   string
}

func (r *rp) start(f flow) started {
	r.t.Helper()
	s := started{state: "st-" + softkeyRand(r.t), nonce: "n-" + softkeyRand(r.t)}
	opts := []oauth2.AuthCodeOption{gooidc.Nonce(s.nonce)}
	if f.acr != "" {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", f.acr))
	}
	if f.loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", f.loginHint))
	}
	if f.prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", f.prompt))
	}
	if f.pkce {
		s.verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(s.verifier))
	}
	res, err := noFollow.Get(r.conf.AuthCodeURL(s.state, opts...))
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	s.status, s.location, s.body = res.StatusCode, res.Header.Get("Location"), string(b)
	return s
}

// stepUp runs the step-up page with the browser tab and key: it returns
// where the page sends the browser next.
func stepUp(t *testing.T, tab *softkey.Client, k *softkey.Key, s started) (string, error) {
	t.Helper()
	u, err := url.Parse(s.location)
	if err != nil || !strings.HasSuffix(u.Path, "/stepup") {
		t.Fatalf("authorize did not send the browser to the step-up page: %d %q %s", s.status, s.location, s.body)
	}
	id := url.QueryEscape(u.Query().Get("id"))
	return tab.Authenticate(context.Background(), k, "/stepup/begin?id="+id, "/stepup/finish?id="+id)
}

// follow GETs next (absolute, or relative to base) and returns where it
// redirects.
func follow(t *testing.T, base, next string) (string, int) {
	t.Helper()
	if strings.HasPrefix(next, "/") {
		next = base + next
	}
	res, err := noFollow.Get(next)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("Location"), res.StatusCode
}

// code reads the code from the redirect to the relying party, checking
// its state.
func (r *rp) code(s started, location string) string {
	r.t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, r.conf.RedirectURL) {
		r.t.Fatalf("not a redirect to the relying party: %q", location)
	}
	if u.Query().Get("state") != s.state || u.Query().Get("code") == "" {
		r.t.Fatalf("redirect to the relying party: %q (want state %s and a code)", location, s.state)
	}
	return u.Query().Get("code")
}

// idClaims are what the relying party reads from a verified id_token.
type idClaims struct {
	Sub, Nonce, Acr, Email string
	Amr                    []string
}

func (r *rp) exchange(s started, code string, style oauth2.AuthStyle) (*oauth2.Token, *gooidc.IDToken, idClaims, error) {
	r.t.Helper()
	conf := r.conf
	conf.Endpoint.AuthStyle = style
	var opts []oauth2.AuthCodeOption
	if s.verifier != "" {
		opts = append(opts, oauth2.VerifierOption(s.verifier))
	}
	tok, err := conf.Exchange(context.Background(), code, opts...)
	if err != nil {
		return nil, nil, idClaims{}, err
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := r.provider.Verifier(&gooidc.Config{ClientID: conf.ClientID}).Verify(context.Background(), raw)
	if err != nil {
		return tok, nil, idClaims{}, err
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return tok, idt, c, err
	}
	if c.Nonce != s.nonce {
		return tok, idt, c, errors.New("nonce not echoed: " + c.Nonce)
	}
	return tok, idt, c, nil
}

func softkeyRand(t *testing.T) string {
	t.Helper()
	return strings.ReplaceAll(oauth2.GenerateVerifier()[:16], "-", "x")
}

// TestOIDCStepUp runs deadbolt's OpenID provider in a real serve against a
// go-oidc relying party, with software passkeys as the people.
func TestOIDCStepUp(t *testing.T) {
	in := newInst(t)
	in.start()
	const issuerApp = "https://wiki.acme.test"
	tab, key := in.ownerSignsIn(in.tenantWithOwner("acme", "owner@acme.test"), "owner@acme.test")
	otherTab, otherKey := in.ownerSignsIn(in.tenantWithOwner("globex", "boss@globex.test"), "boss@globex.test")
	in.ok("app", "create", "--tenant", "acme", "--name", "Wiki", "--issuer", issuerApp)
	in.ok("account", "enroll", "--app", issuerApp, "--account", "olive", "--owner", "owner@acme.test")
	base := tab.Base
	issuer := base // the portal's URL: localhost on a loopback public URL

	redirect := "http://127.0.0.1:9/cb"
	conf := in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "wiki-stepup", "--app", issuerApp,
		"--redirect-uri", redirect, "--frame-origin", "https://wiki.acme.test", "--json").json(t)
	clientID, secret := conf["client_id"].(string), conf["client_secret"].(string)
	if clientID == "" || secret == "" {
		t.Fatalf("client create: %v", conf)
	}
	if list := in.ok("oidc", "client", "list", "--tenant", "acme").stdout; strings.Contains(list, secret) || !strings.Contains(list, clientID) {
		t.Fatalf("client list shows the secret or lacks the client: %s", list)
	}
	r := newRP(t, issuer, clientID, secret, redirect)

	t.Run("discovery", func(t *testing.T) {
		var d struct {
			Issuer        string   `json:"issuer"`
			JWKS          string   `json:"jwks_uri"`
			Methods       []string `json:"code_challenge_methods_supported"`
			Auth          []string `json:"token_endpoint_auth_methods_supported"`
			Algs          []string `json:"id_token_signing_alg_values_supported"`
			ResponseTypes []string `json:"response_types_supported"`
		}
		if err := r.provider.Claims(&d); err != nil {
			t.Fatal(err)
		}
		if d.Issuer != issuer || !slices.Contains(d.Methods, "S256") || !slices.Contains(d.Auth, "client_secret_basic") ||
			!slices.Contains(d.Auth, "client_secret_post") || !slices.Equal(d.Algs, []string{"ES256"}) ||
			!strings.HasPrefix(d.JWKS, issuer+"/oidc/") {
			t.Fatalf("discovery: %+v", d)
		}
	})

	t.Run("code flow with PKCE, nonce and acr passkey", func(t *testing.T) {
		s := r.start(flow{acr: acrPasskey, pkce: true})
		next, err := stepUp(t, tab, key, s)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := follow(t, base, next)
		code := r.code(s, loc)
		tok, _, c, err := r.exchange(s, code, oauth2.AuthStyleInHeader)
		if err != nil {
			t.Fatal(err)
		}
		if c.Acr != acrPasskey || !slices.Contains(c.Amr, "hwk") || c.Email != "owner@acme.test" || c.Sub == "" {
			t.Fatalf("id_token claims: %+v", c)
		}
		info, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
		if err != nil || info.Subject != c.Sub || info.Email != "owner@acme.test" {
			t.Fatalf("userinfo: %+v, %v", info, err)
		}
		// The same code again: refused.
		if _, _, _, err := r.exchange(s, code, oauth2.AuthStyleInHeader); err == nil {
			t.Fatal("a code was exchanged twice")
		}
		// The callback of a completed step cannot be replayed either.
		if _, st := follow(t, base, next); st != http.StatusNotFound {
			t.Fatalf("the callback replayed: %d", st)
		}
	})

	t.Run("client_secret_post, and a wrong secret refused", func(t *testing.T) {
		s := r.start(flow{pkce: true})
		next, err := stepUp(t, tab, key, s)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := follow(t, base, next)
		code := r.code(s, loc)
		wrong := *r
		wrong.conf.ClientSecret = secret + "x"
		if _, _, _, err := wrong.exchange(s, code, oauth2.AuthStyleInParams); err == nil {
			t.Fatal("a wrong client secret was accepted")
		}
		// The code was taken by the refused exchange: a new one works with
		// the right secret in the body.
		s = r.start(flow{pkce: true})
		next, err = stepUp(t, tab, key, s)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ = follow(t, base, next)
		if _, _, c, err := r.exchange(s, r.code(s, loc), oauth2.AuthStyleInParams); err != nil || c.Acr != acrPasskey {
			t.Fatalf("client_secret_post: %+v, %v", c, err)
		}
	})

	t.Run("a lower acr is refused by the relying party", func(t *testing.T) {
		s := r.start(flow{pkce: true})
		next, _ := stepUp(t, tab, key, s)
		loc, _ := follow(t, base, next)
		_, _, c, err := r.exchange(s, r.code(s, loc), oauth2.AuthStyleInHeader)
		if err != nil {
			t.Fatal(err)
		}
		if c.Acr == acrPasskeyUnlocked {
			t.Fatalf("acr %s without asking for it", c.Acr)
		}
	})

	t.Run("redirect URI must match exactly", func(t *testing.T) {
		for _, bad := range []string{redirect + "/x", "http://127.0.0.1:9/cb?x=1", "http://127.0.0.1:10/cb"} {
			other := *r
			other.conf.RedirectURL = bad
			s := other.start(flow{pkce: true})
			if strings.Contains(s.location, "/stepup") || strings.HasPrefix(s.location, bad) {
				t.Fatalf("redirect_uri %s accepted: %d %s", bad, s.status, s.location)
			}
		}
	})

	t.Run("tenant isolation", func(t *testing.T) {
		s := r.start(flow{pkce: true})
		_, err := stepUp(t, otherTab, otherKey, s)
		var se *softkey.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusForbidden {
			t.Fatalf("a member of another tenant completed the step: %v", err)
		}
		if e := r.returned(base, s); e != "access_denied" {
			t.Fatalf("the relying party got %q, want access_denied", e)
		}
	})

	t.Run("login_hint names someone else", func(t *testing.T) {
		s := r.start(flow{pkce: true, loginHint: "mallory"})
		_, err := stepUp(t, tab, key, s)
		var se *softkey.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusForbidden {
			t.Fatalf("step for another person: %v", err)
		}
		if e := r.returned(base, s); e != "access_denied" {
			t.Fatalf("the relying party got %q, want access_denied", e)
		}
		// The refused request is over: its page and a passkey on it end.
		if _, err := stepUp(t, tab, key, s); !errors.As(err, &se) || se.Code != http.StatusNotFound {
			t.Fatalf("a refused step went on: %v", err)
		}
	})

	t.Run("cancel sends access_denied", func(t *testing.T) {
		s := r.start(flow{pkce: true})
		res := postForm(t, tab, "/stepup/cancel", url.Values{"id": {stepID(t, s)}})
		loc, _ := follow(t, base, res.Header.Get("Location"))
		if u, err := url.Parse(loc); err != nil || !strings.HasPrefix(loc, redirect) || u.Query().Get("error") != "access_denied" ||
			u.Query().Get("state") != s.state {
			t.Fatalf("cancel: the relying party got %q", loc)
		}
	})

	t.Run("prompt=none answers interaction_required", func(t *testing.T) {
		s := r.start(flow{pkce: true, prompt: "none"})
		loc, _ := follow(t, base, s.location)
		loc, _ = follow(t, base, loc)
		if u, err := url.Parse(loc); err != nil || !strings.HasPrefix(loc, redirect) || u.Query().Get("error") != "interaction_required" {
			t.Fatalf("prompt=none: %q", loc)
		}
	})

	t.Run("passkey+unlocked: locked, then unlocked in the same step", func(t *testing.T) {
		s := r.start(flow{pkce: true, acr: acrPasskeyUnlocked, loginHint: "olive"})
		next, err := stepUp(t, tab, key, s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(next, "/stepup/locked?") {
			t.Fatalf("a locked account completed passkey+unlocked: %q", next)
		}
		u, _ := url.Parse(next)
		id, k := u.Query().Get("id"), u.Query().Get("k")
		// Once the passkey was verified, cancelling needs the step's
		// secret: with the ID alone, the step goes on (the unlock below).
		// Each cancel spends one of the address's 20 sign-in requests.
		if res := postForm(t, tab, "/stepup/cancel", url.Values{"id": {id}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("cancel without the secret: %d, want 404", res.StatusCode)
		}
		// Without the unlock, the callback has no code to give.
		cb, st := follow(t, base, "/oidc/authorize/callback?id="+url.QueryEscape(id)+"&k="+url.QueryEscape(k))
		if st/100 == 3 && strings.Contains(cb, "code=") {
			t.Fatalf("callback gave a code before the account was unlocked: %q", cb)
		}
		res, err := tab.HTTP.Get(base + next)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(page), "olive") ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors https://wiki.acme.test") {
			t.Fatalf("locked page: %d %s", res.StatusCode, res.Header.Get("Content-Security-Policy"))
		}
		// Its unlock and its cancel forms both carry the secret.
		if n := strings.Count(string(page), `name="k" value="`+k+`"`); n != 2 {
			t.Fatalf("locked page: the secret is in %d forms, want 2 (unlock and cancel)", n)
		}
		res = postForm(t, tab, "/stepup/unlock", url.Values{"id": {id}, "k": {k}})
		loc, _ := follow(t, base, res.Header.Get("Location"))
		_, _, c, err := r.exchange(s, r.code(s, loc), oauth2.AuthStyleInHeader)
		if err != nil || c.Acr != acrPasskeyUnlocked {
			t.Fatalf("after unlocking: %+v, %v", c, err)
		}
		// Now open: the next step completes at once.
		s = r.start(flow{pkce: true, acr: acrPasskeyUnlocked, loginHint: "olive"})
		next, err = stepUp(t, tab, key, s)
		if err != nil || strings.HasPrefix(next, "/stepup/locked") {
			t.Fatalf("open account: %q, %v", next, err)
		}
	})

	t.Run("public client needs PKCE", func(t *testing.T) {
		pub := in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "spa", "--public", "--redirect-uri", redirect, "--json").json(t)
		if pub["client_secret"] != "" {
			t.Fatalf("a public client got a secret: %v", pub)
		}
		pr := newRP(t, issuer, pub["client_id"].(string), "", redirect)
		s := pr.start(flow{})
		if next, err := stepUp(t, tab, key, s); err == nil {
			loc, _ := follow(t, base, next)
			if _, _, _, err := pr.exchange(s, pr.code(s, loc), oauth2.AuthStyleInParams); err == nil {
				t.Fatal("a public client exchanged a code without PKCE")
			}
		}
		s = pr.start(flow{pkce: true})
		next, err := stepUp(t, tab, key, s)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := follow(t, base, next)
		wrong := s
		wrong.verifier = oauth2.GenerateVerifier()
		code := pr.code(s, loc)
		if _, _, _, err := pr.exchange(wrong, code, oauth2.AuthStyleInParams); err == nil {
			t.Fatal("a wrong PKCE verifier was accepted")
		}
		s = pr.start(flow{pkce: true})
		next, _ = stepUp(t, tab, key, s)
		loc, _ = follow(t, base, next)
		if _, _, _, err := pr.exchange(s, pr.code(s, loc), oauth2.AuthStyleInParams); err != nil {
			t.Fatalf("public client with PKCE: %v", err)
		}
		in.ok("oidc", "client", "delete", "--tenant", "acme", "spa")
	})

	t.Run("JWKS rotation", func(t *testing.T) {
		s := r.start(flow{pkce: true})
		next, _ := stepUp(t, tab, key, s)
		loc, _ := follow(t, base, next)
		tok, _, _, err := r.exchange(s, r.code(s, loc), oauth2.AuthStyleInHeader)
		if err != nil {
			t.Fatal(err)
		}
		oldRaw := tok.Extra("id_token").(string)
		oldKid := kidOf(t, oldRaw)
		rotated := in.ok("oidc", "key", "rotate", "--json").json(t)
		if rotated["kid"] == oldKid {
			t.Fatal("rotate kept the kid")
		}
		s = r.start(flow{pkce: true})
		next, _ = stepUp(t, tab, key, s)
		loc, _ = follow(t, base, next)
		tok, _, _, err = r.exchange(s, r.code(s, loc), oauth2.AuthStyleInHeader)
		if err != nil {
			t.Fatal(err)
		}
		if kidOf(t, tok.Extra("id_token").(string)) != rotated["kid"] {
			t.Fatal("the new key does not sign")
		}
		// A fresh relying party still verifies the token the old key signed.
		fresh := newRP(t, issuer, clientID, secret, redirect)
		if _, err := fresh.provider.Verifier(&gooidc.Config{ClientID: clientID}).Verify(context.Background(), oldRaw); err != nil {
			t.Fatalf("a token of the retired key no longer verifies: %v", err)
		}
	})

	// Every completed step is audited, and so is every refused one.
	out := in.ok("audit", "export", "--tenant", "acme").stdout
	if !strings.Contains(out, "oidc.stepup") || !strings.Contains(out, "oidc.stepup.refused") {
		t.Fatal("no oidc.stepup or oidc.stepup.refused in the audit export")
	}
}

// stepID is the request ID of the step-up page authorize sent s to.
func stepID(t *testing.T, s started) string {
	t.Helper()
	u, err := url.Parse(s.location)
	if err != nil || u.Query().Get("id") == "" {
		t.Fatalf("authorize did not send the browser to the step-up page: %d %q", s.status, s.location)
	}
	return u.Query().Get("id")
}

// returned follows the step's way back to the relying party (where a
// refused step's page sends the browser) and returns the error the
// relying party gets, checking the state.
func (r *rp) returned(base string, s started) string {
	r.t.Helper()
	loc, _ := follow(r.t, base, "/oidc/authorize/callback?id="+url.QueryEscape(stepID(r.t, s)))
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, r.conf.RedirectURL) || u.Query().Get("state") != s.state {
		r.t.Fatalf("not a redirect to the relying party with its state: %q", loc)
	}
	return u.Query().Get("error")
}

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	head, _, _ := strings.Cut(raw, ".")
	b, err := base64URLDecode(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Kid string }
	json.Unmarshal(b, &h)
	return h.Kid
}

func base64URLDecode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// TestOIDCStepUpApproval: under acr passkey+unlocked, an account that a
// 2-of-3 approval policy governs is not opened by its owner in the step;
// the step asks the approvers and waits. Until two approve (through the
// approval service, from the CLI) the relying party gets no code; then it
// gets an id_token with acr passkey+unlocked. A denial sends the relying
// party access_denied.
func TestOIDCStepUpApproval(t *testing.T) {
	in := newInst(t)
	in.start()
	tab, key := in.ownerSignsIn(in.tenantWithOwner("acme", "owner@acme.test"), "owner@acme.test")
	base := tab.Base
	issuer := base
	redirect := "http://127.0.0.1:9/cb"
	const vault = "https://vault.acme.test"
	in.ok("app", "create", "--tenant", "acme", "--name", "Vault", "--issuer", vault)
	in.ok("account", "enroll", "--app", vault, "--account", "vera", "--owner", "owner@acme.test")
	in.ok("group", "create", "--tenant", "acme", "vault-keepers")
	for _, who := range []string{"bob", "carol", "dave"} {
		in.ok("member", "invite", "--tenant", "acme", "--email", who+"@acme.test", "--role", "approver")
		in.ok("group", "add", "--tenant", "acme", "--group", "vault-keepers", "--member", who+"@acme.test")
	}
	pol := in.ok("policy", "create", "--tenant", "acme", "--name", "Vault approvals", "--type", "approval",
		"--approvals", "2", "--approver-group", "vault-keepers", "--json").json(t)
	in.ok("policy", "assign", "--tenant", "acme", pol["id"].(string), "--app", vault)
	vc := in.ok("oidc", "client", "create", "--tenant", "acme", "--name", "vault-stepup", "--app", vault,
		"--redirect-uri", redirect, "--json").json(t)
	vr := newRP(t, issuer, vc["client_id"].(string), vc["client_secret"].(string), redirect)

	// waitFor runs a step to the wait page: the passkey, the locked
	// page's button, which asks the approvers.
	waitFor := func(s started) (status, id, k string) {
		t.Helper()
		next, err := stepUp(t, tab, key, s)
		if err != nil || !strings.HasPrefix(next, "/stepup/locked?") {
			t.Fatalf("a locked account under approval: %q, %v", next, err)
		}
		res, err := tab.HTTP.Get(base + next)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(page), "Ask the approvers to unlock vera") {
			t.Fatalf("the locked page does not offer to ask the approvers: %s", page)
		}
		u, _ := url.Parse(next)
		id, k = u.Query().Get("id"), u.Query().Get("k")
		res = postForm(t, tab, "/stepup/unlock", url.Values{"id": {id}, "k": {k}})
		wait := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(wait, "/stepup/wait?") {
			t.Fatalf("asking the approvers: %d %q", res.StatusCode, wait)
		}
		res, err = tab.HTTP.Get(base + wait)
		if err != nil {
			t.Fatal(err)
		}
		page, _ = io.ReadAll(res.Body)
		res.Body.Close()
		poll := regexp.MustCompile(`data-stepup-wait="([^"]+)"`).FindStringSubmatch(string(page))
		if res.StatusCode != 200 || poll == nil || !strings.Contains(string(page), "0 of 2 approvals") {
			t.Fatalf("wait page: %d %s", res.StatusCode, page)
		}
		wu, _ := url.Parse(wait)
		return strings.ReplaceAll(poll[1], "&amp;", "&"), id, wu.Query().Get("r")
	}
	type waitState struct {
		Status    string
		Approvals int
		Required  int
		Redirect  string
	}
	check := func(path string) waitState {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var st waitState
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != 200 {
			t.Fatalf("wait status: %d %v", res.StatusCode, err)
		}
		return st
	}
	noCode := func(id string) {
		t.Helper()
		cb, st := follow(t, base, "/oidc/authorize/callback?id="+url.QueryEscape(id))
		if st/100 == 3 && strings.Contains(cb, "code=") {
			t.Fatalf("a code before the quorum: %q", cb)
		}
	}

	s := vr.start(flow{pkce: true, acr: acrPasskeyUnlocked, loginHint: "vera"})
	status, id, req := waitFor(s)
	if st := check(status); st.Status != "pending" || st.Approvals != 0 || st.Required != 2 || st.Redirect != "" {
		t.Fatalf("before any vote: %+v", st)
	}
	noCode(id)
	if r := in.run("account", "unlock", "--app", vault, "--account", "vera", "--json"); r.code != 1 {
		t.Fatalf("the owner unlocked alone under the approval policy: %s", r.stdout)
	}
	in.ok("request", "approve", "--tenant", "acme", req, "--as", "bob@acme.test")
	if st := check(status); st.Status != "pending" || st.Approvals != 1 || st.Redirect != "" {
		t.Fatalf("after one approval of two: %+v", st)
	}
	noCode(id)
	in.ok("request", "approve", "--tenant", "acme", req, "--as", "carol@acme.test")
	st := check(status)
	if st.Status != "approved" || !strings.Contains(st.Redirect, "/oidc/authorize/callback?") {
		t.Fatalf("after the quorum: %+v", st)
	}
	loc, _ := follow(t, base, st.Redirect)
	_, _, c, err := vr.exchange(s, vr.code(s, loc), oauth2.AuthStyleInHeader)
	if err != nil || c.Acr != acrPasskeyUnlocked {
		t.Fatalf("after the quorum: %+v, %v", c, err)
	}

	// Locked again; this time an approver denies: the relying party
	// gets access_denied.
	in.ok("account", "lock", "--app", vault, "--account", "vera")
	s = vr.start(flow{pkce: true, acr: acrPasskeyUnlocked, loginHint: "vera"})
	status, _, req = waitFor(s)
	in.ok("request", "deny", "--tenant", "acme", req, "--as", "dave@acme.test")
	st = check(status)
	if st.Status != "denied" || st.Redirect == "" {
		t.Fatalf("after a denial: %+v", st)
	}
	loc, _ = follow(t, base, st.Redirect)
	if u, err := url.Parse(loc); err != nil || !strings.HasPrefix(loc, redirect) || u.Query().Get("error") != "access_denied" ||
		u.Query().Get("state") != s.state {
		t.Fatalf("after a denial the relying party got %q", loc)
	}
}

// postForm posts form from tab's browser and returns the answer without
// following its redirect.
func postForm(t *testing.T, tab *softkey.Client, path string, form url.Values) *http.Response {
	t.Helper()
	tab.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { tab.HTTP.CheckRedirect = nil }()
	res, err := tab.PostForm(context.Background(), path, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}
