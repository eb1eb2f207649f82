// Package reject is the shape of a refusal that the token and webhook
// packages share: a Kind is a sentinel class of rejection that wraps its
// parent (so that errors.Is(err, pkg.ErrInvalid) holds for every kind of
// a package), and an Error is a rejection of one kind with a detail that
// is safe to show or log. Each package declares its own kinds.
package reject

import "fmt"

// Kind is a class of rejection. Code is a stable machine code for API
// answers ("token_expired"), empty where none is needed; Text is a short
// human text; Parent is the kind it wraps, or nil.
type Kind struct {
	Code   string
	Text   string
	Parent error
}

// Error returns the kind's text.
func (k *Kind) Error() string { return k.Text }

// Unwrap returns the parent kind.
func (k *Kind) Unwrap() error { return k.Parent }

// Error is a rejection: Kind is one of a package's kinds and Detail says
// which check failed (never secrets or key material).
type Error struct {
	Kind   error
	Detail string
}

// Error returns the kind's text followed by the detail.
func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Detail
}

// Unwrap returns the kind, so errors.Is sees it and its parents.
func (e *Error) Unwrap() error { return e.Kind }

// New returns a rejection of kind k whose detail is the formatted text.
func New(k error, format string, args ...any) error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}
