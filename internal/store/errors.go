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
)
