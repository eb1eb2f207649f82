package transfer

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// checkTables are the tables of a SQLite install's check-log file
// (sqlite.ChecksPath). A backup file holds them beside the accounts'
// tables, so that a backup stays one file.
var checkTables = []string{"check_log", "key_use"}

func isCheckTable(t string) bool { return slices.Contains(checkTables, t) }

// anySlice turns ss into query arguments.
func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// hasTable reports whether schema holds a table named name.
func hasTable(ctx context.Context, q queryer, schema, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+schema+`.sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return n > 0, err
}

// attachReadOnly attaches the SQLite file at path to conn as schema name,
// read-only.
func attachReadOnly(ctx context.Context, conn *sql.Conn, path, name string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	uri := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String()
	_, err = conn.ExecContext(ctx, `ATTACH DATABASE ? AS `+name, uri)
	return err
}

// rowCols is the column list a copy between SQLite files reads and writes:
// the columns, and the rowid of tables whose row order matters.
func rowCols(table, cols string) string {
	if o, ok := orderedTables[table]; ok && o == "rowid" {
		return "rowid, " + cols
	}
	return cols
}

// appendCheckLog copies the tables of the check-log file at checksPath
// into the SQLite file at path — a backup holding the accounts' snapshot —
// in one read transaction of the check-log file, begun after that
// snapshot was taken. A file that still has a check_log table of its own
// (a database from before the check log had its own file) carries its log
// already and is left as it is.
func appendCheckLog(ctx context.Context, path, checksPath string) error {
	db, err := openSQLite(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if has, err := hasTable(ctx, conn, "main", "check_log"); err != nil || has {
		return err
	}
	if err := attachReadOnly(ctx, conn, checksPath, "chk"); err != nil {
		return fmt.Errorf("attach the check log %s: %w", checksPath, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE chk`)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range checkTables {
		if has, err := hasTable(ctx, tx, "chk", t); err != nil {
			return err
		} else if !has {
			return fmt.Errorf("%w: the check log %s has no table %s", store.ErrInvalid, checksPath, t)
		}
	}
	// The check log's own schema (tables first, then their indexes).
	// Only the tables a backup carries: the file also holds the background
	// jobs' leases, which belong to a running server, not to a backup.
	rows, err := tx.QueryContext(ctx, `SELECT sql FROM chk.sqlite_schema
		WHERE type IN ('table', 'index') AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
		AND tbl_name IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(checkTables)), ", ")+`) ORDER BY type = 'index', name`, anySlice(checkTables)...)
	if err != nil {
		return err
	}
	var ddl []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		ddl = append(ddl, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range ddl {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	for _, t := range checkTables {
		cols, err := sqliteColumns(ctx, tx, "chk", t)
		if err != nil {
			return err
		}
		c := rowCols(t, quoteAll(cols))
		if _, err := tx.ExecContext(ctx, `INSERT INTO main."`+t+`" (`+c+`) SELECT `+c+` FROM chk."`+t+`"`); err != nil {
			return fmt.Errorf("copy %s: %w", t, err)
		}
	}
	return tx.Commit()
}

// checkLogOf returns the file that holds the check log of the database or
// backup file at path: the file itself when it has the check tables (a
// backup, or a database from before the check log had its own file),
// otherwise its check-log file.
func checkLogOf(ctx context.Context, path string) (string, error) {
	db, err := openSQLite(path, false)
	if err != nil {
		return "", err
	}
	defer db.Close()
	has, err := hasTable(ctx, db, "main", "check_log")
	if err != nil || has {
		return path, err
	}
	return sqlite.ChecksPath(path), nil
}
