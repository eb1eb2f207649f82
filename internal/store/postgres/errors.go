package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// errClosed is the cause of every error of a closed store.
var errClosed = errors.New("store is closed")

// wrap turns err from operation op into one of the store's error kinds,
// keeping the cause in the chain for the log:
// "postgres: create account: invalid: ERROR: insert or update ... (SQLSTATE 23503)".
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, kind := range []error{store.ErrNotFound, store.ErrConflict, store.ErrInvalid, store.ErrUnavailable, store.ErrSchemaTooNew, store.ErrSchemaBehind} {
		if errors.Is(err, kind) {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w: %w", op, kindOf(err), err)
}

// kindOf classifies a server or driver error by its SQLSTATE. Integrity
// violations and bad data are the caller's fault; everything else (a lost
// connection, a server shutting down, a deadlock, a full disk, a cancelled
// context) is the database's and may pass with a retry.
func kindOf(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return store.ErrUnavailable
	}
	switch pe.Code {
	case "23505": // unique_violation
		return store.ErrConflict
	case "23503", "23514", "23502", "23P01": // foreign key, check, not null, exclusion
		return store.ErrInvalid
	}
	if len(pe.Code) == 5 && pe.Code[:2] == "22" {
		// Data exception: a NUL byte or invalid UTF-8 in text, a number
		// out of range.
		return store.ErrInvalid
	}
	return store.ErrUnavailable
}

// invalid reports a record that breaks a rule checked in Go before writing.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("postgres: %s: %w: %s", op, store.ErrInvalid, fmt.Sprintf(format, args...))
}

// notFound reports a record named by an argument that does not exist.
func notFound(op string) error {
	return fmt.Errorf("postgres: %s: %w", op, store.ErrNotFound)
}

// conflict reports a uniqueness rule broken (found by ON CONFLICT DO
// NOTHING, which leaves the transaction usable).
func conflict(op, what string) error {
	return fmt.Errorf("postgres: %s: %w: %s", op, store.ErrConflict, what)
}
