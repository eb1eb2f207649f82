package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loopbackClient's connections come from the loopback address local, so
// serve sees another peer than 127.0.0.1.
func loopbackClient(local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func lockCheck(t *testing.T, c *http.Client, url, tok, body, xff string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("x-nl3-authorization-token", tok)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// TestLockCheckHardening runs a real serve behind a "proxy" at 127.0.0.2 and
// checks the lock-check findings of the hardening review: junk tokens do
// not block a valid one, X-Forwarded-For is believed only from the trusted
// proxy, the body cannot name another account, and a token shown at
// /enable neither serves a lock check nor replays re-encoded.
func TestLockCheckHardening(t *testing.T) {
	in := newInst(t)
	key := in.setup(issuer)
	in.ok("account", "enroll", "--app", issuer, "--account", "alice")
	in.ok("account", "enroll", "--app", issuer, "--account", "bob")
	in.ok("account", "unlock", "--app", issuer, "--account", "bob", "--for", "1h")
	cfg := filepath.Join(in.dir, "deadbolt.yaml")
	if err := os.WriteFile(cfg, []byte("rate_limit:\n  failures_per_second: 0.001\n  burst: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in.start("--config", cfg, "--trusted-proxy", "127.0.0.2")
	check := in.url + "/nl3/api/v1/accountProtectionCheck"
	sdk := in.url + "/nl3/api/v1/sdk/accountLockCheck"
	proxy, direct := loopbackClient("127.0.0.2"), loopbackClient("127.0.0.3")

	t.Run("60 junk tokens then a valid one from one address", func(t *testing.T) {
		limited := 0
		for range 60 {
			if s, _ := lockCheck(t, proxy, check, "junk.junk.junk", `{}`, ""); s == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited == 0 {
			t.Fatal("junk tokens were never throttled")
		}
		if s, b := lockCheck(t, proxy, check, mintFor(t, in, key, "alice"), `{}`, ""); s != http.StatusOK || b["locked"] != true {
			t.Fatalf("valid token after junk: %d %v", s, b)
		}
	})
	t.Run("XFF from an untrusted peer is ignored", func(t *testing.T) {
		for _, hop := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			lockCheck(t, direct, check, "junk.junk.junk", `{}`, hop)
		}
		if s, _ := lockCheck(t, direct, check, "junk.junk.junk", `{}`, "198.51.100.4"); s != http.StatusTooManyRequests {
			t.Fatalf("a new XFF address from the same untrusted peer: %d, want 429", s)
		}
	})
	t.Run("XFF from the trusted proxy: right-most untrusted hop", func(t *testing.T) {
		for range 3 {
			lockCheck(t, proxy, check, "junk.junk.junk", `{}`, "203.0.113.66, 203.0.113.7")
		}
		if s, _ := lockCheck(t, proxy, check, "junk.junk.junk", `{}`, "203.0.113.99, 203.0.113.7"); s != http.StatusTooManyRequests {
			t.Fatalf("same right-most hop, spoofed left hop: %d, want 429", s)
		}
		if s, _ := lockCheck(t, proxy, check, "junk.junk.junk", `{}`, "203.0.113.7, 203.0.113.8"); s != http.StatusUnauthorized {
			t.Fatalf("another client behind the proxy: %d, want 401", s)
		}
	})
	t.Run("portal sign-in limit keys on the same client address", func(t *testing.T) {
		begin := func(c *http.Client, xff string) int {
			req, _ := http.NewRequest(http.MethodPost, in.url+"/signin/begin", strings.NewReader(`{}`))
			req.Host = strings.Replace(in.addr, "127.0.0.1", "localhost", 1)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", xff)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for i := range 20 { // the portal allows 20 at once
			if s := begin(proxy, "203.0.113.20"); s != http.StatusOK {
				t.Fatalf("sign-in %d behind the proxy: %d", i, s)
			}
		}
		if s := begin(proxy, "203.0.113.20"); s != http.StatusTooManyRequests {
			t.Fatalf("21st sign-in from one client behind the proxy: %d, want 429", s)
		}
		if s := begin(proxy, "203.0.113.21"); s != http.StatusOK {
			t.Fatalf("another client behind the proxy: %d, want 200", s)
		}
		other := loopbackClient("127.0.0.5")
		for i := range 20 {
			begin(other, "192.0.2."+string(rune('a'+i)))
		}
		if s := begin(other, "192.0.2.200"); s != http.StatusTooManyRequests {
			t.Fatalf("untrusted peer naming new addresses in XFF: %d, want 429", s)
		}
	})
	t.Run("the body cannot name another account", func(t *testing.T) {
		tok := mintFor(t, in, key, "alice")
		if s, b := lockCheck(t, direct, check, tok, `{"userAccountId":"bob"}`, ""); s != http.StatusOK || b["locked"] != true {
			t.Fatalf("protection check naming bob: %d %v", s, b)
		}
		if s, b := lockCheck(t, direct, sdk, tok, `{"userAccountId":"bob"}`, ""); s != http.StatusForbidden || b["error"] != "account_not_permitted" {
			t.Fatalf("SDK check naming bob: %d %v", s, b)
		}
		in.ok("app", "set", "--app", issuer, "--server-names-accounts")
		// serve's cache watches SQLite's WAL index: the CLI's change shows
		// at the next check.
		if s, b := lockCheck(t, direct, sdk, mintFor(t, in, key, "alice"), `{"userAccountId":"bob"}`, ""); s != http.StatusOK || b["locked"] != false {
			t.Fatalf("SDK check naming bob with --server-names-accounts: %d %v", s, b)
		}
		in.ok("app", "set", "--app", issuer, "--server-names-accounts=false")
	})
	t.Run("a token shown at /enable", func(t *testing.T) {
		direct := loopbackClient("127.0.0.4") // a fresh failure budget
		tok := mintFor(t, in, key, "alice")
		i := strings.LastIndexByte(tok, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
		var reencoded string
		for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
			alt := tok[i+1:len(tok)-1] + string(c)
			if b, err := base64.RawURLEncoding.DecodeString(alt); err == nil && string(b) == string(sig) && alt != tok[i+1:] {
				reencoded = tok[:i+1] + alt
				break
			}
		}
		open := func(tk string) int {
			// The portal lives at localhost (WebAuthn needs a name, not an
			// IP); it would redirect a loopback IP there.
			req, _ := http.NewRequest(http.MethodGet, in.url+"/enable?auth-token="+tk, nil)
			req.Host = strings.Replace(in.addr, "127.0.0.1", "localhost", 1)
			resp, err := direct.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := open(tok); s != http.StatusSeeOther {
			t.Fatalf("first use of the link: %d, want 303", s)
		}
		if s := open(reencoded); s == http.StatusSeeOther {
			t.Fatal("the link replayed with its signature re-encoded")
		}
		if s := open(tok); s != http.StatusConflict {
			t.Fatalf("replay: %d, want 409", s)
		}
		if s, b := lockCheck(t, direct, check, tok, `{}`, ""); s != http.StatusUnauthorized || b["error"] != "token_use" {
			t.Fatalf("lock check with the enablement token: %d %v", s, b)
		}
		typed := strings.TrimSpace(in.ok("token", "mint", "--enable", "--issuer", issuer, "--key", key, "--account", "alice", "--aud", in.url).stdout)
		if s, b := lockCheck(t, direct, check, typed, `{}`, ""); s != http.StatusUnauthorized || b["error"] != "token_use" {
			t.Fatalf("lock check with an enable+jwt token: %d %v", s, b)
		}
	})
}
