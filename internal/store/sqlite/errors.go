package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/valid"
)

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

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
