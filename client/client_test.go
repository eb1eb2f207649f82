package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/client"
)

func TestCheckSendsTheWireContract(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false,"status":"unlocked","message":"","sessionID":"s-1"}`))
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.IntegrationType = "cognito" })
	d, err := c.Check(context.Background(), "alice", client.Context{
		IP: "203.0.113.7", Device: "Mozilla/5.0", Location: "Madrid", IntegrationData: map[string]any{"clientId": "abc"},
	})
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if d != (client.Decision{Locked: false, Status: "unlocked", SessionID: "s-1"}) {
		t.Errorf("Decision = %+v", d)
	}
	got := srv.last()
	if got.Claims.Subject != "alice" || got.Claims.Issuer != issuer ||
		!got.Claims.IssuedAt.Equal(now.Add(-60*time.Second)) || !got.Claims.ExpiresAt.Equal(now.Add(5*time.Minute)) ||
		len(got.Claims.Audience) != 1 || got.Claims.Audience[0] != srv.URL {
		t.Errorf("token claims = %+v", got.Claims)
	}
	want := map[string]string{
		"userIP":          `"203.0.113.7"`,
		"userDevice":      `"Mozilla/5.0"`,
		"userLocation":    `"Madrid"`,
		"integrationType": `"cognito"`,
		"integrationData": `{"clientId":"abc"}`,
	}
	if len(got.Body) != len(want) {
		t.Errorf("body has %d fields, want %d", len(got.Body), len(want))
	}
	for k, v := range want {
		if string(got.Body[k]) != v {
			t.Errorf("body %s = %s, want %s", k, got.Body[k], v)
		}
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestCheckDefaultsAndPathPrefix(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":true}`))
	// A trailing slash on URL still reaches the default path, and the
	// server accepts the slashed audience.
	c := newClient(t, srv.URL+"/", nil)
	d, err := c.Check(context.Background(), "bob", client.Context{})
	if err != nil || !d.Locked {
		t.Fatalf("Check = %+v, %v", d, err)
	}
	got := srv.last()
	if string(got.Body["integrationType"]) != `"go"` || string(got.Body["integrationData"]) != "null" {
		t.Errorf("defaults: %s", got.Body)
	}
	if got.Claims.Audience[0] != srv.URL+"/" {
		t.Errorf("aud = %q", got.Claims.Audience)
	}
}

func TestCheckAnswers(t *testing.T) {
	big := `{"locked":false,"message":"` + strings.Repeat("x", client.MaxResponseSize) + `"}`
	exact := `{"locked":false}`
	exact += strings.Repeat(" ", client.MaxResponseSize-len(exact))
	tests := []struct {
		name      string
		answer    http.HandlerFunc
		want      client.Decision
		undecided bool
		httpErr   *client.HTTPError
	}{
		{name: "unlocked", answer: answerJSON(200, `{"locked":false,"status":"unlocked","message":"ok","sessionID":"s"}`),
			want: client.Decision{Status: "unlocked", Message: "ok", SessionID: "s"}},
		{name: "locked", answer: answerJSON(200, `{"locked":true,"status":"pending_approval","message":"Approve in deadbolt","sessionID":"s2"}`),
			want: client.Decision{Locked: true, Status: "pending_approval", Message: "Approve in deadbolt", SessionID: "s2"}},
		{name: "non-string informational fields are ignored", answer: answerJSON(200, `{"locked":true,"status":7,"sessionID":null}`),
			want: client.Decision{Locked: true}},
		{name: "exactly 64 KiB", answer: answerJSON(200, exact), want: client.Decision{}},
		{name: "locked as string true", answer: answerJSON(200, `{"locked":"true"}`), undecided: true},
		{name: "locked as string false", answer: answerJSON(200, `{"locked":"false"}`), undecided: true},
		{name: "locked missing", answer: answerJSON(200, `{"status":"unlocked"}`), undecided: true},
		{name: "locked null", answer: answerJSON(200, `{"locked":null}`), undecided: true},
		{name: "locked number", answer: answerJSON(200, `{"locked":0}`), undecided: true},
		{name: "not JSON", answer: answerJSON(200, `<html>ok</html>`), undecided: true},
		{name: "JSON array", answer: answerJSON(200, `[{"locked":false}]`), undecided: true},
		{name: "JSON null", answer: answerJSON(200, `null`), undecided: true},
		{name: "trailing data", answer: answerJSON(200, `{"locked":false} {"locked":true}`), undecided: true},
		{name: "empty body", answer: answerJSON(200, ``), undecided: true},
		{name: "oversize body", answer: answerJSON(200, big), undecided: true},
		{name: "201 with a decision", answer: answerJSON(201, `{"locked":false}`), undecided: true,
			httpErr: &client.HTTPError{Status: 201}},
		{name: "401", answer: answerJSON(401, `{"error":"token_expired","message":"token expired: exp is before now"}`), undecided: true,
			httpErr: &client.HTTPError{Status: 401, Code: "token_expired", Message: "token expired: exp is before now"}},
		{name: "503 with Retry-After", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			answerJSON(503, `{"error":"store_unavailable","message":"try later"}`)(w, r)
		}, undecided: true, httpErr: &client.HTTPError{Status: 503, Code: "store_unavailable", Message: "try later", RetryAfter: 7 * time.Second}},
		{name: "500 text body", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", 500)
		}, undecided: true, httpErr: &client.HTTPError{Status: 500, Message: "internal error"}},
		{name: "oversize error body keeps the status", answer: answerJSON(502, big), undecided: true,
			httpErr: &client.HTTPError{Status: 502}},
		{name: "redirect is not followed", answer: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/elsewhere", http.StatusTemporaryRedirect)
		}, undecided: true, httpErr: &client.HTTPError{Status: 307}},
		{name: "connection dropped", answer: func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}, undecided: true},
		{name: "body cut short", answer: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"locked":false`)
		}, undecided: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.answer)
			c := newClient(t, srv.URL, nil)
			d, err := c.Check(context.Background(), "alice", client.Context{IP: "198.51.100.1"})
			if !tt.undecided {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				if d != tt.want {
					t.Errorf("Decision = %+v, want %+v", d, tt.want)
				}
				return
			}
			if !errors.Is(err, client.ErrUndecided) {
				t.Fatalf("Check error = %v, want ErrUndecided", err)
			}
			if d != (client.Decision{}) {
				t.Errorf("undecided check returned Decision %+v", d)
			}
			var he *client.HTTPError
			if errors.As(err, &he) != (tt.httpErr != nil) {
				t.Fatalf("HTTPError = %v, want %v", he, tt.httpErr)
			}
			if tt.httpErr == nil {
				return
			}
			if he.Status != tt.httpErr.Status {
				t.Errorf("HTTPError.Status = %d, want %d", he.Status, tt.httpErr.Status)
			}
			// Cases that leave Code and Message empty do not care about the body.
			if (tt.httpErr.Code != "" || tt.httpErr.Message != "") && *he != *tt.httpErr {
				t.Errorf("HTTPError = %+v, want %+v", *he, *tt.httpErr)
			}
		})
	}
}

func TestCheckWrongKeyIsUndecided(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false}`))
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.Key = []byte("another key of 32 bytes length!!") })
	_, err := c.Check(context.Background(), "alice", client.Context{})
	var he *client.HTTPError
	if !errors.As(err, &he) || he.Status != 401 || he.Code != "token_signature" || !errors.Is(err, client.ErrUndecided) {
		t.Fatalf("Check error = %v", err)
	}
}

func TestCheckTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.Timeout = 50 * time.Millisecond })
	_, err := c.Check(context.Background(), "alice", client.Context{})
	if !errors.Is(err, client.ErrUndecided) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check error = %v, want undecided deadline", err)
	}

	// The caller's context can end the check sooner.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newClient(t, srv.URL, nil).Check(ctx, "alice", client.Context{}); !errors.Is(err, client.ErrUndecided) || !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Check error = %v", err)
	}
}

func TestCheckUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, err = newClient(t, "http://"+addr, nil).Check(context.Background(), "alice", client.Context{})
	if !errors.Is(err, client.ErrUndecided) {
		t.Fatalf("Check error = %v", err)
	}
}

func TestCheckInputErrors(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false}`))
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.FailMode = client.FailOpen })
	for name, run := range map[string]func() (bool, error){
		"empty account": func() (bool, error) {
			ok, _, err := c.Allow(context.Background(), "", client.Context{})
			return ok, err
		},
		"unencodable integration data": func() (bool, error) {
			ok, _, err := c.Allow(context.Background(), "alice", client.Context{IntegrationData: func() {}})
			return ok, err
		},
	} {
		ok, err := run()
		if ok || !errors.Is(err, client.ErrInput) || errors.Is(err, client.ErrUndecided) {
			t.Errorf("%s: allowed %v, error %v", name, ok, err)
		}
	}
	if srv.count() != 0 {
		t.Errorf("bad input reached the server")
	}
}

func TestAllowFailModes(t *testing.T) {
	locked := newServer(t, answerJSON(200, `{"locked":true}`))
	unlocked := newServer(t, answerJSON(200, `{"locked":false}`))
	broken := newServer(t, answerJSON(200, `{"locked":"false"}`))
	down := newServer(t, answerJSON(503, `{"error":"store_unavailable","message":"down"}`))
	tests := []struct {
		srv     *fakeServer
		mode    client.FailMode
		allowed bool
		wantErr bool
	}{
		{locked, client.FailOpen, false, false},
		{locked, client.FailClosed, false, false},
		{unlocked, client.FailOpen, true, false},
		{unlocked, client.FailClosed, true, false},
		{broken, client.FailOpen, true, true},
		{broken, client.FailClosed, false, true},
		{down, client.FailOpen, true, true},
		{down, client.FailClosed, false, true},
		{down, "", false, true}, // closed by default
	}
	for i, tt := range tests {
		c := newClient(t, tt.srv.URL, func(cfg *client.Config) { cfg.FailMode = tt.mode })
		allowed, _, err := c.Allow(context.Background(), "alice", client.Context{})
		if allowed != tt.allowed || (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, client.ErrUndecided)) {
			t.Errorf("case %d (mode %q): allowed %v, error %v", i, tt.mode, allowed, err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	valid := client.Config{URL: "http://127.0.0.1:8420", Issuer: issuer, Key: appKey()}
	tests := []struct {
		name   string
		adjust func(*client.Config)
		field  string
	}{
		{"no URL", func(c *client.Config) { c.URL = "" }, "Config.URL"},
		{"relative URL", func(c *client.Config) { c.URL = "127.0.0.1:8420" }, "Config.URL"},
		{"ftp URL", func(c *client.Config) { c.URL = "ftp://x" }, "Config.URL"},
		{"URL with query", func(c *client.Config) { c.URL = "http://x/?a=b" }, "Config.URL"},
		{"path with query", func(c *client.Config) { c.Path = "/check?x=1" }, "Config.Path"},
		{"no issuer", func(c *client.Config) { c.Issuer = " " }, "Config.Issuer"},
		{"no key", func(c *client.Config) { c.Key = nil }, "Config.Key"},
		{"short key", func(c *client.Config) { c.Key = []byte("secret") }, "Config.Key"},
		{"negative timeout", func(c *client.Config) { c.Timeout = -time.Second }, "Config.Timeout"},
		{"unknown fail mode", func(c *client.Config) { c.FailMode = "maybe" }, "Config.FailMode"},
	}
	for _, tt := range tests {
		cfg := valid
		tt.adjust(&cfg)
		_, err := client.New(cfg)
		if !errors.Is(err, client.ErrConfig) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s: error %v, want one naming %s", tt.name, err, tt.field)
		}
	}
	// Every problem is reported at once.
	_, err := client.New(client.Config{FailMode: "x"})
	for _, field := range []string{"Config.URL", "Config.Issuer", "Config.Key", "Config.FailMode"} {
		if !strings.Contains(fmt.Sprint(err), field) {
			t.Errorf("New(empty) error %v does not name %s", err, field)
		}
	}
	c, err := client.New(valid)
	if err != nil || c.FailMode() != client.FailClosed {
		t.Errorf("New(valid) = %v, %v", c, err)
	}
}

func TestDecodeKey(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d}
	for _, in := range []string{
		"+//+AAECAwQFBgcICQoLDA0=",     // standard, padded
		"+//+AAECAwQFBgcICQoLDA0",      // standard, unpadded
		"-__-AAECAwQFBgcICQoLDA0=",     // URL, padded
		"-__-AAECAwQFBgcICQoLDA0",      // URL, unpadded
		"  +//+AAECAwQFBgcICQoLDA0=\n", // surrounding white space
	} {
		got, err := client.DecodeKey(in)
		if err != nil || string(got) != string(raw) {
			t.Errorf("DecodeKey(%q) = %x, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "   ", "====", "not base64!", "+/-_AAAA", "ab=c"} {
		if _, err := client.DecodeKey(in); err == nil {
			t.Errorf("DecodeKey(%q) succeeded", in)
		} else if in != "" && strings.Contains(err.Error(), strings.TrimSpace(in)) && strings.TrimSpace(in) != "" {
			t.Errorf("DecodeKey(%q) error repeats the key: %v", in, err)
		}
	}
}

func TestHTTPErrorMessage(t *testing.T) {
	err := error(&client.HTTPError{Status: 401, Code: "token_expired", Message: "token expired"})
	if !errors.Is(err, client.ErrUndecided) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "token_expired") {
		t.Errorf("HTTPError = %v", err)
	}
}
