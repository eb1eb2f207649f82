package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/check"
	"github.com/deadbolt-dev/deadbolt/internal/checklog"
	"github.com/deadbolt-dev/deadbolt/internal/httpx"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/token"
)

// toHTTP is the one place that maps error kinds to HTTP answers.
func toHTTP(err error) *httpx.Error {
	var he *httpx.Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, token.ErrInvalid):
		return &httpx.Error{Status: http.StatusUnauthorized, Code: token.Code(err), Message: err.Error(), Cause: err}
	case errors.Is(err, check.ErrAppDisabled):
		return &httpx.Error{Status: http.StatusForbidden, Code: "application_disabled",
			Message: "the application is disabled in deadbolt", Cause: err}
	case errors.Is(err, check.ErrKeyUnusable):
		return &httpx.Error{Status: http.StatusInternalServerError, Code: "key_unusable",
			Message: "the signing key this token names cannot be used by this server (sealed under another master key?); deadbolt did not decide; apply your fail mode",
			Cause:   err}
	case errors.Is(err, check.ErrAccountNotPermitted):
		return &httpx.Error{Status: http.StatusForbidden, Code: "account_not_permitted",
			Message: "the body names another account than the token's sub; the token's sub names the account unless the application lets its server name accounts (deadbolt app set --server-names-accounts)", Cause: err}
	case errors.Is(err, checklog.ErrClosed):
		return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "shutting_down",
			Message: "the server is shutting down; retry on another node", RetryAfter: time.Second, Cause: err}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &httpx.Error{Status: http.StatusServiceUnavailable, Code: "store_unavailable",
			Message: "deadbolt could not reach its database and did not decide; apply your fail mode", RetryAfter: time.Second, Cause: err}
	default:
		return &httpx.Error{Status: http.StatusInternalServerError, Code: "internal",
			Message: "internal error; deadbolt did not decide", Cause: err}
	}
}

func errorCode(err error) string {
	var he *httpx.Error
	if errors.As(err, &he) {
		return he.Code
	}
	return "internal"
}
