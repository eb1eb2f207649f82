package store

import "errors"

// Sentinel errors. Backends wrap them with %w and context; callers test with
// errors.Is and never compare strings.
var (
	// ErrNotFound: the record asked for does not exist (in that tenant).
	ErrNotFound = errors.New("not found")
	// ErrConflict: a uniqueness rule was violated (issuer, tenant name,
	// account name within an application, member email within a tenant).
	ErrConflict = errors.New("already exists")
	// ErrInvalid: the record breaks a rule of the contract (empty name,
	// unknown enum value, ...). Nothing was written.
	ErrInvalid = errors.New("invalid")
	// ErrUnavailable: the backend could not be reached or answered with an
	// error that is not the caller's fault. The caller must not guess.
	ErrUnavailable = errors.New("store unavailable")
	// ErrSchemaTooNew: the database was migrated by a newer deadbolt.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
	// ErrSchemaBehind: the database needs migrating and auto-migrate is off.
	ErrSchemaBehind = errors.New("database schema is behind this binary")
	// ErrMasterKey: the master key given is not the one the database's
	// secrets are sealed under (PinMasterKey).
	ErrMasterKey = errors.New("master key does not match this database")
)

// Error is a failure the database reported, told in two ways: Message, fit
// to show to whoever asked (it names the field, never the backend's own
// words: no constraint, table or SQLSTATE), and Cause, the backend's
// error, kept for the log. Backends return it for every error their
// database raises; errors.Is finds Kind, errors.As finds the driver's
// error through Cause.
type Error struct {
	// Op is the backend and operation: "sqlite: create application".
	Op string
	// Kind is ErrConflict, ErrInvalid, ErrUnavailable, ...
	Kind error
	// Message is what a person may read: "an application with this issuer
	// already exists".
	Message string
	// Cause is the backend's error; may be nil.
	Cause error
}

// Error is the whole story, for the log: operation, kind, message and the
// backend's error. Show Message (or store.Message) to people instead.
func (e *Error) Error() string {
	s := e.Op + ": " + e.Kind.Error() + ": " + e.Message
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// Message returns what a person may read about err: the Message of the
// store's *Error in its chain when there is one, else err's own text,
// which the domain packages write for people. The CLI, the portal and the
// API show this, never err.Error() of a store failure.
func Message(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
