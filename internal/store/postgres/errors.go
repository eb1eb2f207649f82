package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

// errClosed is the cause of every error of a closed store.
var errClosed = errors.New("store is closed")

// wrap turns err from operation op into one of the store's error kinds.
// An error PostgreSQL raised becomes a *store.Error whose Message is for
// people and whose Cause keeps the server's words for the log:
// "postgres: create account: invalid: it refers to ...: ERROR: insert or
// update ... (SQLSTATE 23503)".
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
	kind, msg := kindOf(err)
	return &store.Error{Op: "postgres: " + op, Kind: kind, Message: msg, Cause: err}
}

// kindOf classifies a server or driver error by its SQLSTATE. Integrity
// violations and bad data are the caller's fault; everything else (a lost
// connection, a server shutting down, a deadlock, a full disk, a cancelled
// context) is the database's and may pass with a retry.
func kindOf(err error) (kind error, message string) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return store.ErrUnavailable, valid.MsgUnavailable
	}
	switch pe.Code {
	case "23505": // unique_violation
		return store.ErrConflict, valid.Conflict(pe.TableName, uniqueColumns(pe.Detail))
	case "23503": // foreign key
		return store.ErrInvalid, valid.MsgReference
	case "23514", "23502", "23P01": // check, not null, exclusion
		return store.ErrInvalid, valid.MsgRule
	}
	if len(pe.Code) == 5 && pe.Code[:2] == "22" {
		// Data exception: a NUL byte or invalid UTF-8 in text, a number
		// out of range.
		return store.ErrInvalid, valid.MsgRule
	}
	return store.ErrUnavailable, valid.MsgUnavailable
}

// uniqueColumns reads the columns out of a unique violation's detail:
// "Key (tenant_id, lower(email::text))=(t1, a@b) already exists."
func uniqueColumns(detail string) []string {
	rest, ok := strings.CutPrefix(detail, "Key (")
	if !ok {
		return nil
	}
	cols, _, ok := strings.Cut(rest, ")=(")
	if !ok {
		return nil
	}
	return strings.Split(cols, ", ")
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
// NOTHING, which leaves the transaction usable); what is for people.
func conflict(op, what string) error {
	return &store.Error{Op: "postgres: " + op, Kind: store.ErrConflict, Message: what}
}
