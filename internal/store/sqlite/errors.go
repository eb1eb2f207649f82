package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/deadbolt-dev/deadbolt/internal/store"
)

// errClosed is the cause of every error of a closed store.
var errClosed = errors.New("store is closed")

// wrap turns err from operation op into one of the store's error kinds,
// keeping the cause in the chain for the log:
// "sqlite: create account: already exists: constraint failed: UNIQUE ...".
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	for _, kind := range []error{store.ErrNotFound, store.ErrConflict, store.ErrInvalid, store.ErrUnavailable, store.ErrSchemaTooNew, store.ErrSchemaBehind} {
		if errors.Is(err, kind) {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w: %w", op, kindOf(err), err)
}

// kindOf classifies a driver error. Constraint failures are the caller's
// fault; everything else (busy past the timeout, I/O, a full disk, a closed
// store, a cancelled context) is the database's and may pass with a retry.
func kindOf(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return store.ErrUnavailable
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	}
	if se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		// Foreign key (a reference to a record that does not exist or is
		// in another tenant), CHECK, NOT NULL.
		return store.ErrInvalid
	}
	return store.ErrUnavailable
}

// invalid reports a record that breaks a rule checked in Go before writing.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("sqlite: %s: %w: %s", op, store.ErrInvalid, fmt.Sprintf(format, args...))
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
