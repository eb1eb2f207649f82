package transfer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// Table is one table and how many rows it holds.
type Table struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Summary describes a database a transfer wrote.
type Summary struct {
	SchemaVersion int     `json:"schema_version"`
	Tables        []Table `json:"tables"`
	// Bytes is the size of a backup file.
	Bytes int64 `json:"bytes,omitempty"`
}

// Rows returns the row count of table name (0 if it is not listed).
func (s Summary) Rows(name string) int64 {
	for _, t := range s.Tables {
		if t.Name == name {
			return t.Rows
		}
	}
	return 0
}

// openSQLite opens the SQLite file at path for plain SQL: read-only, or
// read-write with writes taking the write lock at BEGIN, waiting up to 10
// seconds for another process's lock either way.
func openSQLite(path string, write bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Set("mode", "ro")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// queryer is a *sql.DB, *sql.Conn or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqliteTables lists the data tables of schema ("main" or an attached
// name), sorted: every table but the bookkeeping ones, schema_version,
// config_version and cache_changes (the change counter of the server's
// cache and the rows naming its changes, which the triggers on the data
// tables write on a restore, so a running server forgets what changed).
func sqliteTables(ctx context.Context, q queryer, schema string) ([]string, error) {
	return sqliteNames(ctx, q, `SELECT name FROM `+schema+`.sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_version', 'config_version', 'cache_changes') ORDER BY name`)
}

// sqliteColumns lists a table's columns in order.
func sqliteColumns(ctx context.Context, q queryer, schema, table string) ([]string, error) {
	return sqliteNames(ctx, q, `SELECT name FROM pragma_table_info(?, ?) ORDER BY cid`, table, schema)
}

// sqliteNames runs query, which selects one column of names, and returns
// them in order.
func sqliteNames(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// sqliteVersion reads a file's schema version (0 when it has none).
func sqliteVersion(ctx context.Context, q queryer, schema string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+schema+`.sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	var v int
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM `+schema+`.schema_version`).Scan(&v)
	return v, err
}

// summarize counts the rows of every data table.
func summarize(ctx context.Context, q queryer, schema string) (Summary, error) {
	var s Summary
	var err error
	if s.SchemaVersion, err = sqliteVersion(ctx, q, schema); err != nil {
		return s, err
	}
	tables, err := sqliteTables(ctx, q, schema)
	if err != nil {
		return s, err
	}
	for _, t := range tables {
		var n int64
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+schema+`."`+t+`"`).Scan(&n); err != nil {
			return s, err
		}
		s.Tables = append(s.Tables, Table{t, n})
	}
	return s, nil
}

// integrity runs PRAGMA integrity_check on schema.
func integrity(ctx context.Context, q queryer, schema string) error {
	var res string
	if err := q.QueryRowContext(ctx, `PRAGMA `+schema+`.integrity_check(1)`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("integrity check: %s", res)
	}
	return nil
}

// Backup writes an online, consistent copy of the SQLite database at
// dbPath and its check log (sqlite.ChecksPath) to the one file dest, which
// must not exist. The accounts' tables are one read transaction of the
// live file (VACUUM INTO), so a server may keep serving and writing
// meanwhile; the check log's tables are then copied in from one read
// transaction of its file, begun after that: the backup's check log is as
// of no earlier than its accounts, so it holds every check answered before
// the accounts' snapshot (and maybe a few answered just after). The file is
// written next to dest, checked with PRAGMA integrity_check, made
// owner-only (0600) and only then renamed to dest.
func Backup(ctx context.Context, dbPath, dest string) (Summary, error) {
	const op = "backup"
	if _, err := os.Stat(dbPath); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: no deadbolt database at %s", op, store.ErrNotFound, dbPath)
	}
	if _, err := os.Lstat(dest); err == nil {
		return Summary{}, fmt.Errorf("%s: %s: %w; choose a new name", op, dest, store.ErrConflict)
	}
	if err := writableDir(filepath.Dir(dest)); err != nil {
		return Summary{}, fmt.Errorf("%s: %w", op, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return Summary{}, fmt.Errorf("%s: cannot write %s: %w", op, dest, pathErr(err))
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmpName)
	// Errors below name dest, not the temporary file nobody will find.
	hide := func(err error) error { return hideName(err, tmpName, dest) }

	src, err := openSQLite(dbPath, false)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, tmpName); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: writing %s: %w", op, store.ErrUnavailable, dest, hide(err))
	}
	if err := os.Chmod(tmpName, 0o600); err != nil {
		return Summary{}, fmt.Errorf("%s: %s: %w", op, dest, pathErr(err))
	}
	// The check log, from its own file, as of a moment after the snapshot
	// of the accounts: every check answered before the snapshot is in it.
	if err := appendCheckLog(ctx, tmpName, sqlite.ChecksPath(dbPath)); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: the check log: %w", op, store.ErrUnavailable, hide(err))
	}
	sum, err := checkFile(ctx, tmpName)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: the copy does not check out: %w", op, hide(err))
	}
	if err := syncFile(tmpName); err != nil {
		return Summary{}, fmt.Errorf("%s: %s: %w", op, dest, pathErr(err))
	}
	// Link, not rename: it fails rather than replaces when dest appeared
	// meanwhile.
	if err := os.Link(tmpName, dest); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Summary{}, fmt.Errorf("%s: %s: %w; choose a new name", op, dest, store.ErrConflict)
		}
		return Summary{}, fmt.Errorf("%s: %s: %w", op, dest, pathErr(err))
	}
	if fi, err := os.Stat(dest); err == nil {
		sum.Bytes = fi.Size()
	}
	return sum, nil
}

// writableDir says, as a user error, why a file cannot be made in dir: it
// does not exist or is not a directory. Permission problems surface when
// the file is created.
func writableDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: directory %s does not exist", store.ErrNotFound, dir)
	case err != nil:
		return fmt.Errorf("%w: directory %s: %w", store.ErrInvalid, dir, pathErr(err))
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", store.ErrInvalid, dir)
	}
	return nil
}

// pathErr drops the path from a *fs.PathError (it may be a temporary
// file's) and marks permission problems as the user's to fix.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("%w: %w", store.ErrInvalid, err)
	}
	return err
}

// hideName replaces a temporary file's name in err's text by the name the
// user gave. The error kinds err wraps are lost; callers wrap a kind.
func hideName(err error, tmp, name string) error {
	if err == nil || !strings.Contains(err.Error(), tmp) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), tmp, name))
}

// checkFile opens a SQLite file read-only, checks its integrity and
// summarises it.
func checkFile(ctx context.Context, path string) (Summary, error) {
	db, err := openSQLite(path, false)
	if err != nil {
		return Summary{}, err
	}
	defer db.Close()
	if err := integrity(ctx, db, "main"); err != nil {
		return Summary{}, err
	}
	return summarize(ctx, db, "main")
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Restore replaces every row of the SQLite database at dbPath (created and
// migrated if needed) with the rows of the backup file src. A backup from
// an older deadbolt is migrated first (on a temporary copy; src is not
// changed); one from a newer deadbolt is refused with store.ErrSchemaTooNew.
// The rows of each file — the check log's file first, then the accounts'
// — are replaced in one write transaction with foreign keys deferred to
// its end, which commits only after every table is checked to hold exactly
// the backup's rows; a server running on the files meanwhile sees, in
// each, the old data or the new, never a mix (see load for the moment
// between the two).
func Restore(ctx context.Context, src, dbPath string) (Summary, error) {
	const op = "restore"
	if fi, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Summary{}, fmt.Errorf("%s: %w: the backup file %s does not exist", op, store.ErrNotFound, src)
		}
		return Summary{}, fmt.Errorf("%s: %s: %w", op, src, pathErr(err))
	} else if fi.IsDir() {
		return Summary{}, fmt.Errorf("%s: %w: %s is a directory, not a backup file", op, store.ErrInvalid, src)
	}
	if _, err := checkFile(ctx, src); err != nil {
		return Summary{}, fmt.Errorf("%s: %s: %w: not a sound deadbolt backup: %w", op, src, store.ErrInvalid, err)
	}
	// The target, at this binary's latest schema.
	target, err := sqlite.Open(ctx, dbPath, sqlite.Options{AutoMigrate: true})
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w", op, err)
	}
	_, want, err := target.SchemaVersion(ctx)
	target.Close()
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w", op, err)
	}
	// The backup, at the same version.
	bak, err := openSQLite(src, false)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	have, err := sqliteVersion(ctx, bak, "main")
	bak.Close()
	switch {
	case err != nil:
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	case have == 0:
		return Summary{}, fmt.Errorf("%s: %s: %w: not a deadbolt database", op, src, store.ErrInvalid)
	case have > want:
		return Summary{}, fmt.Errorf("%s: %s: %w: the backup is at version %d, this binary knows up to %d", op, src, store.ErrSchemaTooNew, have, want)
	case have < want:
		migrated, err := migratedCopy(ctx, src)
		if err != nil {
			return Summary{}, fmt.Errorf("%s: migrate the backup from version %d: %w", op, have, err)
		}
		defer os.RemoveAll(filepath.Dir(migrated))
		sum, err := load(ctx, migrated, dbPath)
		// Name the user's file, not the migrated copy.
		return sum, hideName(err, migrated, src)
	}
	return load(ctx, src, dbPath)
}

// load restores the database at dbPath and its check log from src (same
// schema version): the check log's file first, then the accounts' file,
// each in one transaction. The two files are not replaced at one instant:
// a server running meanwhile may, between the two commits, list restored
// check records beside the old accounts; and if restore is interrupted
// between them, running it again completes it.
func load(ctx context.Context, src, dbPath string) (Summary, error) {
	checks, err := checkLogOf(ctx, src)
	if err != nil {
		return Summary{}, fmt.Errorf("restore: %w: %w", store.ErrUnavailable, err)
	}
	if _, err := os.Stat(checks); err != nil {
		return Summary{}, fmt.Errorf("restore: %s: %w: the backup holds no check log", src, store.ErrInvalid)
	}
	logSum, err := replaceTables(ctx, checks, sqlite.ChecksPath(dbPath), isCheckTable)
	if err != nil {
		return Summary{}, err
	}
	sum, err := replaceTables(ctx, src, dbPath, func(t string) bool { return !isCheckTable(t) })
	if err != nil {
		return Summary{}, err
	}
	sum.Tables = append(sum.Tables, logSum.Tables...)
	slices.SortFunc(sum.Tables, func(a, b Table) int { return strings.Compare(a.Name, b.Name) })
	return sum, nil
}

// migratedCopy copies a backup to a temporary directory and migrates it.
func migratedCopy(ctx context.Context, src string) (string, error) {
	dir, err := os.MkdirTemp("", "deadbolt-restore-")
	if err != nil {
		return "", err
	}
	dst := filepath.Join(dir, "backup.db")
	if err := copyFile(src, dst); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	s, err := sqlite.Open(ctx, dst, sqlite.Options{AutoMigrate: true})
	if err != nil {
		os.RemoveAll(dir)
		return "", hideName(err, dst, src)
	}
	return dst, s.Close()
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// replaceTables replaces the rows of dbPath's tables that keep holds with
// those of src (same schema), in one transaction.
func replaceTables(ctx context.Context, src, dbPath string, keep func(table string) bool) (Summary, error) {
	const op = "restore"
	db, err := openSQLite(dbPath, true)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	defer conn.Close()
	abs, err := filepath.Abs(src)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w", op, err)
	}
	bakURI := (&url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro"}).String()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS bak`, bakURI); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: attach %s: %w", op, store.ErrUnavailable, src, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE bak`)

	mine, err := sqliteTables(ctx, conn, "main")
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	theirs, err := sqliteTables(ctx, conn, "bak")
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	mine, theirs = slices.DeleteFunc(mine, func(t string) bool { return !keep(t) }), slices.DeleteFunc(theirs, func(t string) bool { return !keep(t) })
	if !slices.Equal(mine, theirs) {
		return Summary{}, fmt.Errorf("%s: %w: the backup has tables %v, the database %v", op, store.ErrInvalid, theirs, mine)
	}
	cols := map[string]string{}
	for _, t := range mine {
		a, err := sqliteColumns(ctx, conn, "main", t)
		if err != nil {
			return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
		}
		b, err := sqliteColumns(ctx, conn, "bak", t)
		if err != nil {
			return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
		}
		if !sameSet(a, b) {
			return Summary{}, fmt.Errorf("%s: %w: table %s has columns %v in the backup, %v in the database", op, store.ErrInvalid, t, b, a)
		}
		cols[t] = rowCols(t, quoteAll(a))
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	// Empty every table first: deleting a row may cascade to another
	// table, which must not happen to rows already loaded.
	for _, t := range mine {
		if _, err := tx.ExecContext(ctx, `DELETE FROM main."`+t+`"`); err != nil {
			return Summary{}, fmt.Errorf("%s: empty %s: %w: %w", op, t, store.ErrUnavailable, err)
		}
	}
	for _, t := range mine {
		if _, err := tx.ExecContext(ctx, `INSERT INTO main."`+t+`" (`+cols[t]+`) SELECT `+cols[t]+` FROM bak."`+t+`"`); err != nil {
			return Summary{}, fmt.Errorf("%s: load %s: %w: %w", op, t, store.ErrUnavailable, err)
		}
	}
	// Every table now holds exactly the backup's rows, or nothing commits.
	for _, t := range mine {
		var missing, extra, n, m int64
		err := tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM (SELECT `+cols[t]+` FROM bak."`+t+`" EXCEPT SELECT `+cols[t]+` FROM main."`+t+`")),
			(SELECT count(*) FROM (SELECT `+cols[t]+` FROM main."`+t+`" EXCEPT SELECT `+cols[t]+` FROM bak."`+t+`")),
			(SELECT count(*) FROM bak."`+t+`"), (SELECT count(*) FROM main."`+t+`")`).Scan(&missing, &extra, &n, &m)
		if err != nil {
			return Summary{}, fmt.Errorf("%s: verify %s: %w: %w", op, t, store.ErrUnavailable, err)
		}
		if missing != 0 || extra != 0 || n != m {
			return Summary{}, fmt.Errorf("%s: verify %s: %w: %d rows of the backup missing, %d extra, %d vs %d rows; nothing was changed",
				op, t, store.ErrUnavailable, missing, extra, n, m)
		}
	}
	var fk int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_foreign_key_check`).Scan(&fk); err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	if fk != 0 {
		return Summary{}, fmt.Errorf("%s: %w: the backup has %d broken references; nothing was changed", op, store.ErrInvalid, fk)
	}
	sum, err := summarize(ctx, tx, "main")
	if err != nil {
		return Summary{}, fmt.Errorf("%s: %w: %w", op, store.ErrUnavailable, err)
	}
	sum.Tables = slices.DeleteFunc(sum.Tables, func(t Table) bool { return !keep(t.Name) })
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("%s: commit: %w: %w", op, store.ErrUnavailable, err)
	}
	return sum, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func quoteAll(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = `"` + c + `"`
	}
	return strings.Join(q, ", ")
}
