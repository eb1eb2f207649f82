package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// errClosed is the cause of every error of a closed store.
var errClosed = errors.New("store is closed")

// wrap turns err from operation op into one of the store's error kinds.
// An error SQLite raised becomes a *store.Error whose Message is for
// people and whose Cause keeps SQLite's words for the log:
// "sqlite: create account: already exists: this application already has
// an account with this name: constraint failed: UNIQUE ...".
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
	kind, msg := kindOf(err)
	return &store.Error{Op: "sqlite: " + op, Kind: kind, Message: msg, Cause: err}
}

// kindOf classifies a driver error and words it for people. Constraint
// failures are the caller's fault; everything else (busy past the
// timeout, I/O, a full disk, a closed store, a cancelled context) is the
// database's and may pass with a retry.
func kindOf(err error) (kind error, message string) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return store.ErrUnavailable, valid.MsgUnavailable
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict, valid.Conflict(uniqueColumns(se.Error()))
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrInvalid, valid.MsgReference
	}
	if se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT {
		// CHECK, NOT NULL.
		return store.ErrInvalid, valid.MsgRule
	}
	return store.ErrUnavailable, valid.MsgUnavailable
}

// indexColumns are the unique indexes on expressions or partial ones,
// which SQLite names by index rather than by column.
var indexColumns = map[string]struct {
	table string
	cols  []string
}{
	"members_email":           {"members", []string{"email"}},
	"accounts_name":           {"accounts", []string{"name"}},
	"unlock_requests_pending": {"unlock_requests", []string{"account_id"}},
}

// uniqueColumns reads the table and columns out of SQLite's text:
// "UNIQUE constraint failed: accounts.app_id, accounts.name (2067)" or
// "UNIQUE constraint failed: index 'members_email' (2067)".
func uniqueColumns(msg string) (table string, cols []string) {
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return "", nil
	}
	rest := msg[i+len(marker):]
	if i := strings.LastIndex(rest, " ("); i >= 0 {
		rest = rest[:i]
	}
	if name, ok := strings.CutPrefix(rest, "index "); ok {
		ic := indexColumns[strings.Trim(name, "'")]
		return ic.table, ic.cols
	}
	for item := range strings.SplitSeq(rest, ",") {
		t, c, ok := strings.Cut(strings.TrimSpace(item), ".")
		if ok {
			table = t
			cols = append(cols, c)
		}
	}
	return table, cols
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
