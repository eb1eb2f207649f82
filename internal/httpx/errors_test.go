package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/access"
	"github.com/deadbolt-dev/deadbolt/internal/admin"
	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/policy"
	"github.com/deadbolt-dev/deadbolt/internal/seal"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// TestErrorOf: every class of error gets its status and code, wrapped as
// callers wrap them, and the cause stays reachable for the log.
func TestErrorOf(t *testing.T) {
	storeErr := func(kind error, msg string) error {
		return &store.Error{Op: "sqlite: create member", Kind: kind, Message: msg, Cause: errors.New("UNIQUE constraint failed: members.email")}
	}
	own := &httpx.Error{Status: http.StatusTeapot, Code: "own", Message: "its own"}
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		retry  bool   // a Retry-After is set
		msg    string // a word the message must contain; "" checks only that there is one
	}{
		{"an *Error", fmt.Errorf("handler: %w", own), http.StatusTeapot, "own", false, "its own"},
		{"bad token", fmt.Errorf("check: %w", token.Reject(token.ErrSignature, "the signature does not verify")), 401, "token_signature", false, "does not verify"},
		{"expired token", token.Reject(token.ErrExpired, "exp is before now"), 401, "token_expired", false, "exp is before now"},
		{"bare token kind", token.ErrMissing, 401, "token_missing", false, "missing token"},
		{"unusable key", fmt.Errorf("check: %w: key k1: %w", check.ErrKeyUnusable, seal.ErrOpen), 500, "key_unusable", false, "deadbolt key revoke"},
		{"bad key material", fmt.Errorf("%w: key %q: empty HS256 secret", token.ErrBadKey, "k1"), 500, "key_unusable", false, "master key"},
		{"key problem wrapped as an outage", fmt.Errorf("check: read keys: %w: %w", store.ErrUnavailable, check.ErrKeyUnusable), 500, "key_unusable", false, ""},
		{"wrong master key", fmt.Errorf("sqlite: pin master key: %w", store.ErrMasterKey), 500, "key_unusable", false, "original master key"},
		{"policy does not compile", fmt.Errorf("check: evaluate policies: %w: %w", policy.ErrInvalid, errors.New("schedule: missing")), 500, "policy_invalid", false, "deadbolt policy"},
		{"application disabled", fmt.Errorf("%w: https://app.test", check.ErrAppDisabled), 403, "application_disabled", false, "disabled"},
		{"account not permitted", fmt.Errorf("%w: no", check.ErrAccountNotPermitted), 403, "account_not_permitted", false, "--server-names-accounts"},
		{"forbidden", fmt.Errorf("admin: remove member: %w: only an owner can remove an owner", admin.ErrForbidden), 403, "forbidden", false, "only an owner can remove an owner"},
		{"owned by another", fmt.Errorf("link: %w", access.ErrOwnedByAnother), 409, "owned_by_another", false, "another member"},
		{"email unverified", admin.Bindable(store.Member{Email: "bob@acme.test"}), 409, "member_unverified", false, "bob@acme.test"},
		{"request closed", fmt.Errorf("approve: %w", access.ErrRequestClosed), 409, "request_closed", false, "already answered"},
		{"outside the unlock window", fmt.Errorf("%w: account \"alice\": policy \"Hours\" opens next at 09:00", access.ErrOutsideWindow), 403, "outside_unlock_window", false, "opens next"},
		{"too long", fmt.Errorf("%w: 48h > 8h", access.ErrTooLong), 400, "too_long", false, "48h"},
		{"shutting down", fmt.Errorf("write: %w", checklog.ErrClosed), 503, "shutting_down", true, "another node"},
		{"store unavailable", storeErr(store.ErrUnavailable, "the database did not answer"), 503, "store_unavailable", true, "could not reach its database"},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), 503, "store_unavailable", true, ""},
		{"canceled", context.Canceled, 503, "store_unavailable", true, ""},
		{"not found", fmt.Errorf("portal: %w", storeErr(store.ErrNotFound, "no such member")), 404, "not_found", false, "no such member"},
		{"conflict", storeErr(store.ErrConflict, "a member with this email already exists"), 409, "conflict", false, "already exists"},
		{"invalid", storeErr(store.ErrInvalid, "the email is not an address"), 400, "invalid", false, "not an address"},
		{"anything else", errors.New("boom"), 500, "internal", false, "internal error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := httpx.ErrorOf(tc.err)
			if e.Status != tc.status || e.Code != tc.code {
				t.Fatalf("ErrorOf(%v) = %d %s, want %d %s", tc.err, e.Status, e.Code, tc.status, tc.code)
			}
			if (e.RetryAfter > 0) != tc.retry {
				t.Errorf("RetryAfter %v, want one: %v", e.RetryAfter, tc.retry)
			}
			if e.Message == "" || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("message %q does not say %q", e.Message, tc.msg)
			}
			if !errors.Is(e, tc.err) && e != errors.Unwrap(tc.err) {
				t.Errorf("the cause is lost: %v", e)
			}
			// The backend's own words are for the log only.
			if strings.Contains(e.Message, "UNIQUE") {
				t.Errorf("message %q shows the database's error", e.Message)
			}
			if tc.code == "key_unusable" && strings.Contains(e.Message, "could not reach") {
				t.Errorf("a key problem reads as an outage: %q", e.Message)
			}
		})
	}
}

// TestWriteErrorAnswersThroughErrorOf: a handler's plain error is answered
// with ErrorOf's status, code and Retry-After, never its text.
func TestWriteErrorAnswersThroughErrorOf(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := httpx.Wrap(log, func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("secret detail: %w", store.ErrUnavailable)
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	body := w.Body.String()
	if w.Code != 503 || !strings.Contains(body, `"error":"store_unavailable"`) || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("%d %v %s", w.Code, w.Header(), body)
	}
	if strings.Contains(body, "secret detail") {
		t.Fatalf("the cause leaked: %s", body)
	}
}

func TestAuthToken(t *testing.T) {
	tests := []struct {
		name, nl3, auth, want string
	}{
		{"nl3 header", "tok-a", "", "tok-a"},
		{"nl3 header wins", "tok-a", "Bearer tok-b", "tok-a"},
		{"Bearer", "", "Bearer tok-b", "tok-b"},
		{"bearer in lower case", "", "bearer tok-b", "tok-b"},
		{"BEARER with spaces", "", "  BEARER   tok-b  ", "tok-b"},
		{"another scheme", "", "Basic dXNlcjpwYXNz", ""},
		{"scheme alone", "", "Bearer", ""},
		{"nothing", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tc.nl3 != "" {
				r.Header.Set("x-nl3-authorization-token", tc.nl3)
			}
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if got := httpx.AuthToken(r); got != tc.want {
				t.Fatalf("AuthToken = %q, want %q", got, tc.want)
			}
		})
	}
}
