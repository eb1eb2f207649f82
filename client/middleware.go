package client

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// MiddlewareOption adjusts Middleware.
type MiddlewareOption func(*middleware)

type middleware struct {
	client      *Client
	account     func(*http.Request) (string, bool)
	trustedHops int
	adjust      func(*http.Request, *Context)
	deny        func(http.ResponseWriter, *http.Request, Decision, error)
	log         *slog.Logger
}

// TrustForwardedFor takes the client IP from X-Forwarded-For, for servers
// behind hops trusted reverse proxies that each append the address they saw.
// The address hops entries from the right is used (1: the one the nearest
// proxy appended); entries further left can be forged by the client. When
// the header has fewer entries, or the entry is not an IP address,
// r.RemoteAddr is used.
func TrustForwardedFor(hops int) MiddlewareOption {
	return func(m *middleware) { m.trustedHops = hops }
}

// WithContext lets f change the Context sent with each check, after the
// defaults (IP, User-Agent as device, method, host and path as integration
// data) are filled in; use it to add a location, for instance.
func WithContext(f func(r *http.Request, cc *Context)) MiddlewareOption {
	return func(m *middleware) { m.adjust = f }
}

// WithDenyHandler replaces the default 403/503/500 answers. h receives the
// Decision (Locked true) for a locked account, or the error for a failed
// check; it must write the response.
func WithDenyHandler(h func(w http.ResponseWriter, r *http.Request, d Decision, err error)) MiddlewareOption {
	return func(m *middleware) { m.deny = h }
}

// WithLogger sets where failed checks are logged; default slog.Default().
func WithLogger(l *slog.Logger) MiddlewareOption {
	return func(m *middleware) { m.log = l }
}

type decisionKey struct{}

// FromContext returns the Decision Middleware reached for this request. ok
// is false when no check decided (the request was not checked, or it passed
// through undecided under FailOpen).
func FromContext(ctx context.Context) (d Decision, ok bool) {
	d, ok = ctx.Value(decisionKey{}).(Decision)
	return d, ok
}

// Middleware checks, before calling the next handler, the account that each
// request acts for. account returns that account name, or false when the
// request is not subject to a check (no signed-in user, a public route);
// such requests pass straight through.
//
// A locked account gets 403 {"error":"account_locked","message":…}, with
// the server's message when it sent one. A check that cannot decide gets
// 503 {"error":"lock_check_unavailable"} under FailClosed and passes
// through under FailOpen; either way the error is logged. An account
// function that reports an empty name gets 500 {"error":"lock_check_failed"}.
// Deny answers carry Cache-Control: no-store.
func Middleware(c *Client, account func(*http.Request) (string, bool), opts ...MiddlewareOption) func(http.Handler) http.Handler {
	if c == nil || account == nil {
		panic("client: Middleware needs a Client and an account function")
	}
	m := &middleware{client: c, account: account, deny: defaultDeny}
	for _, o := range opts {
		o(m)
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			name, ok := m.account(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			allowed, d, err := m.client.Allow(r.Context(), name, m.context(r))
			if err != nil {
				m.log.WarnContext(r.Context(), "deadbolt lock check failed",
					"account", name, "fail_mode", string(m.client.failMode), "allowed", allowed, "err", err)
			}
			if !allowed {
				m.deny(w, r, d, err)
				return
			}
			if err == nil {
				r = r.WithContext(context.WithValue(r.Context(), decisionKey{}, d))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// context builds the check's Context from the request.
func (m *middleware) context(r *http.Request) Context {
	cc := Context{
		IP:     m.clientIP(r),
		Device: r.UserAgent(),
		IntegrationData: map[string]string{
			"method": r.Method,
			"host":   r.Host,
			"path":   r.URL.Path,
		},
	}
	if m.adjust != nil {
		m.adjust(r, &cc)
	}
	return cc
}

func (m *middleware) clientIP(r *http.Request) string {
	remote := r.RemoteAddr
	if host, _, err := net.SplitHostPort(remote); err == nil {
		remote = host
	}
	if m.trustedHops <= 0 {
		return remote
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	if len(hops) < m.trustedHops {
		return remote
	}
	ip, err := netip.ParseAddr(hops[len(hops)-m.trustedHops])
	if err != nil {
		return remote
	}
	return ip.String()
}

// defaultDeny writes the documented 403, 503 or 500 answer.
func defaultDeny(w http.ResponseWriter, r *http.Request, d Decision, err error) {
	status, body := http.StatusForbidden, errorBody{Error: "account_locked", Message: "This account is locked."}
	switch {
	case err == nil:
		if d.Message != "" {
			body.Message = d.Message
		}
	case errors.Is(err, ErrUndecided):
		status = http.StatusServiceUnavailable
		body = errorBody{Error: "lock_check_unavailable", Message: "The account lock check could not be completed; try again later."}
	default:
		status = http.StatusInternalServerError
		body = errorBody{Error: "lock_check_failed", Message: "The account lock check failed."}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

type errorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}
