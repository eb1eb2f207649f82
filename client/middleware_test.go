package client_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/client"
)

// app is the protected application: it reports the decision it was handed.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	d, ok := client.FromContext(r.Context())
	w.Header().Set("X-Decided", map[bool]string{true: "yes", false: "no"}[ok])
	io.WriteString(w, "welcome "+d.Status)
})

// userHeader picks the account from a header, as a real app would from its
// session.
func userHeader(r *http.Request) (string, bool) {
	u := r.Header.Get("X-User")
	return u, u != ""
}

var quiet = client.WithLogger(slog.New(slog.DiscardHandler))

func serveOnce(h http.Handler, user string, mutate func(*http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/reports?q=1", nil)
	r.RemoteAddr = "192.0.2.10:54321"
	r.Header.Set("User-Agent", "TestBrowser/1.0")
	if user != "" {
		r.Header.Set("X-User", user)
	}
	if mutate != nil {
		mutate(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errorCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct{ Error, Message string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("deny body %q: %v", w.Body, err)
	}
	if body.Message == "" {
		t.Errorf("deny body %q has no message", w.Body)
	}
	if w.Header().Get("Content-Type") != "application/json" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("deny headers %v", w.Header())
	}
	return body.Error
}

func TestMiddleware(t *testing.T) {
	locked := newServer(t, answerJSON(200, `{"locked":true,"status":"pending_approval","message":"Approve the request in deadbolt."}`))
	unlocked := newServer(t, answerJSON(200, `{"locked":false,"status":"unlocked"}`))
	undecided := newServer(t, answerJSON(200, `{"locked":"false"}`))
	tests := []struct {
		name       string
		srv        *fakeServer
		mode       client.FailMode
		user       string
		wantStatus int
		wantCode   string
		wantBody   string
	}{
		{"unlocked passes", unlocked, client.FailClosed, "alice", 200, "", "welcome unlocked"},
		{"locked is 403", locked, client.FailOpen, "alice", 403, "account_locked", "Approve the request in deadbolt."},
		{"undecided fail-closed is 503", undecided, client.FailClosed, "alice", 503, "lock_check_unavailable", ""},
		{"undecided fail-open passes", undecided, client.FailOpen, "alice", 200, "", "welcome "},
		{"no account passes unchecked", locked, client.FailClosed, "", 200, "", "welcome "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.srv.URL, func(cfg *client.Config) { cfg.FailMode = tt.mode })
			before := tt.srv.count()
			w := serveOnce(client.Middleware(c, userHeader, quiet)(app), tt.user, nil)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantCode != "" {
				if code := errorCode(t, w); code != tt.wantCode {
					t.Errorf("error code %q, want %q", code, tt.wantCode)
				}
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body %q, want it to contain %q", w.Body, tt.wantBody)
			}
			if tt.user == "" && tt.srv.count() != before {
				t.Error("a request without an account was checked")
			}
		})
	}
}

func TestMiddlewareDecisionInContext(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false,"status":"unlocked"}`))
	w := serveOnce(client.Middleware(newClient(t, srv.URL, nil), userHeader, quiet)(app), "alice", nil)
	if w.Header().Get("X-Decided") != "yes" {
		t.Error("FromContext found no decision")
	}
	bad := newServer(t, answerJSON(500, `oops`))
	open := newClient(t, bad.URL, func(cfg *client.Config) { cfg.FailMode = client.FailOpen })
	w = serveOnce(client.Middleware(open, userHeader, quiet)(app), "alice", nil)
	if w.Code != 200 || w.Header().Get("X-Decided") != "no" {
		t.Errorf("fail-open undecided: status %d, decided %q", w.Code, w.Header().Get("X-Decided"))
	}
}

func TestMiddlewareContext(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false}`))
	c := newClient(t, srv.URL, nil)
	spoof := func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.9.9.9, 198.51.100.20") }
	tests := []struct {
		name   string
		opts   []client.MiddlewareOption
		mutate func(*http.Request)
		wantIP string
	}{
		{"RemoteAddr by default, X-Forwarded-For ignored", nil, spoof, "192.0.2.10"},
		{"one trusted hop: rightmost entry", []client.MiddlewareOption{client.TrustForwardedFor(1)}, spoof, "198.51.100.20"},
		{"two trusted hops", []client.MiddlewareOption{client.TrustForwardedFor(2)}, spoof, "10.9.9.9"},
		{"more hops than entries: RemoteAddr", []client.MiddlewareOption{client.TrustForwardedFor(3)}, spoof, "192.0.2.10"},
		{"several header lines", []client.MiddlewareOption{client.TrustForwardedFor(1)}, func(r *http.Request) {
			r.Header.Add("X-Forwarded-For", "10.0.0.1")
			r.Header.Add("X-Forwarded-For", "2001:db8::1")
		}, "2001:db8::1"},
		{"garbage entry: RemoteAddr", []client.MiddlewareOption{client.TrustForwardedFor(1)}, func(r *http.Request) {
			r.Header.Set("X-Forwarded-For", "not-an-ip")
		}, "192.0.2.10"},
		{"WithContext adjusts", []client.MiddlewareOption{client.WithContext(func(r *http.Request, cc *client.Context) {
			cc.Location = "Lisbon"
			cc.IP = "203.0.113.99"
		})}, nil, "203.0.113.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serveOnce(client.Middleware(c, userHeader, append(tt.opts, quiet)...)(app), "alice", tt.mutate)
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			got := srv.last()
			if ip := string(got.Body["userIP"]); ip != `"`+tt.wantIP+`"` {
				t.Errorf("userIP = %s, want %q", ip, tt.wantIP)
			}
			if dev := string(got.Body["userDevice"]); dev != `"TestBrowser/1.0"` {
				t.Errorf("userDevice = %s", dev)
			}
			if got.Claims.Subject != "alice" {
				t.Errorf("sub = %q", got.Claims.Subject)
			}
			var data map[string]string
			if err := json.Unmarshal(got.Body["integrationData"], &data); err != nil || data["path"] != "/reports" || data["method"] != "GET" {
				t.Errorf("integrationData = %s", got.Body["integrationData"])
			}
		})
	}
	if loc := string(srv.last().Body["userLocation"]); loc != `"Lisbon"` {
		t.Errorf("userLocation = %s", loc)
	}
}

func TestMiddlewareEmptyAccountAndCustomDeny(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":true,"status":"locked"}`))
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.FailMode = client.FailOpen })
	empty := func(*http.Request) (string, bool) { return "", true }
	w := serveOnce(client.Middleware(c, empty, quiet)(app), "", nil)
	if w.Code != 500 || errorCode(t, w) != "lock_check_failed" {
		t.Errorf("empty account: status %d body %q", w.Code, w.Body)
	}

	var gotDecision client.Decision
	deny := client.WithDenyHandler(func(w http.ResponseWriter, r *http.Request, d client.Decision, err error) {
		gotDecision = d
		http.Error(w, "nope", http.StatusTeapot)
	})
	w = serveOnce(client.Middleware(c, userHeader, deny, quiet)(app), "alice", nil)
	if w.Code != http.StatusTeapot || !gotDecision.Locked || gotDecision.Status != "locked" {
		t.Errorf("custom deny: status %d, decision %+v", w.Code, gotDecision)
	}
}

func TestMiddlewareLogsFailures(t *testing.T) {
	srv := newServer(t, answerJSON(503, `{"error":"store_unavailable","message":"down"}`))
	c := newClient(t, srv.URL, func(cfg *client.Config) { cfg.FailMode = client.FailOpen })
	var logged strings.Builder
	l := slog.New(slog.NewTextHandler(&logged, nil))
	w := serveOnce(client.Middleware(c, userHeader, client.WithLogger(l))(app), "alice", nil)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if !strings.Contains(logged.String(), "store_unavailable") || !strings.Contains(logged.String(), "account=alice") {
		t.Errorf("log %q", logged.String())
	}
}

func TestMiddlewareNeedsClient(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Middleware(nil, …) did not panic")
		}
	}()
	client.Middleware(nil, userHeader)
}

// The checks run under the request's context: a client that goes away
// cancels the check.
func TestMiddlewareUsesRequestContext(t *testing.T) {
	srv := newServer(t, answerJSON(200, `{"locked":false}`))
	c := newClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := serveOnce(client.Middleware(c, userHeader, quiet)(app), "alice", func(r *http.Request) {
		*r = *r.WithContext(ctx)
	})
	if w.Code != 503 {
		t.Errorf("canceled request: status %d", w.Code)
	}
}
