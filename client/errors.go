package client

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrUndecided is wrapped by every error that means "the lock check could
// not decide": the server was unreachable, too slow, answered a non-200
// status or an answer without a boolean "locked". Allow applies the
// FailMode to exactly these errors.
var ErrUndecided = errors.New("client: lock check undecided")

// ErrConfig is wrapped by every problem New finds in a Config.
var ErrConfig = errors.New("client: invalid config")

// ErrInput is wrapped by errors about the caller's arguments to Check (an
// empty account name, integration data that cannot be encoded). Such errors
// are not undecided checks: Allow denies them whatever the FailMode.
var ErrInput = errors.New("client: invalid check input")

// HTTPError is a non-200 answer from the server. It wraps ErrUndecided.
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// Code is the "error" field of the server's JSON error body, such as
	// "token_expired"; empty when the body was not deadbolt's JSON.
	Code string
	// Message is the "message" field of the JSON error body, or the start
	// of the body's text when it was not JSON.
	Message string
	// RetryAfter is the server's Retry-After in seconds form (429, 503), or
	// zero.
	RetryAfter time.Duration
}

// Error describes the answer.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("client: deadbolt answered %d %s", e.Status, http.StatusText(e.Status))
	switch {
	case e.Code != "" && e.Message != "":
		s += fmt.Sprintf(" (%s: %s)", e.Code, e.Message)
	case e.Code != "":
		s += " (" + e.Code + ")"
	case e.Message != "":
		s += fmt.Sprintf(" (%q)", e.Message)
	}
	return s
}

// Unwrap returns ErrUndecided.
func (e *HTTPError) Unwrap() error { return ErrUndecided }
