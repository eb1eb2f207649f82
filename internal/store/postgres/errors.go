package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

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
