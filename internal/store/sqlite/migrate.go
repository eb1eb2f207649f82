package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/migration"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the embedded files NNNN_what.sql, numbered 1, 2, 3, ...
// without gaps; migration.Load checks that, and a test runs it.
var migrations, migrationsErr = migration.Load(migrationFS, "migrations")

// createVersionTable makes the table that records applied migrations, one
// row each. It is not itself a migration, so that the version of a fresh
// file can be read as 0.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT`

// rowQuerier is what both *sql.DB and *sql.Tx offer.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion reads the highest applied migration; 0 for a fresh file.
func schemaVersion(ctx context.Context, q rowQuerier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, err
	}
	var v int
	err = q.QueryRowContext(ctx, queries[qSchemaVersion]).Scan(&v)
	return v, err
}

// SchemaVersion returns the version the database is at and the latest
// version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	if migrationsErr != nil {
		return 0, 0, fmt.Errorf("sqlite: schema version: %w", migrationsErr)
	}
	have, err = schemaVersion(ctx, s.rdb)
	if err != nil {
		return 0, 0, wrap("schema version", err)
	}
	return have, len(migrations), nil
}

// Migrate applies every pending migration, each in its own write
// transaction. Each transaction reads the version again after taking the
// write lock, so processes that migrate one file at the same time apply
// every migration exactly once. It returns an error wrapping
// store.ErrSchemaTooNew when the database is ahead of the binary.
func (s *Store) Migrate(ctx context.Context) error {
	if migrationsErr != nil {
		return fmt.Errorf("sqlite: migrate: %w", migrationsErr)
	}
	for _, m := range migrations {
		if err := s.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m unless the database already has it.
func (s *Store) apply(ctx context.Context, m migration.Migration) error {
	op := "migrate to " + m.Name
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
		return wrap(op, err)
	}
	have, err := schemaVersion(ctx, tx)
	if err != nil {
		return wrap(op, err)
	}
	if have > len(migrations) {
		return fmt.Errorf("sqlite: %s: %w: database is at version %d, this binary knows up to %d",
			op, store.ErrSchemaTooNew, have, len(migrations))
	}
	if have >= m.Version {
		return nil // applied before, maybe by another process just now
	}
	if have != m.Version-1 {
		return fmt.Errorf("sqlite: %s: %w: database is at version %d", op, store.ErrUnavailable, have)
	}
	if m.Name == checkLogMoves {
		if err := s.moveCheckLog(ctx, tx); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return wrap(op, err)
	}
	if m.Name == auditorRole {
		if err := bumpSchemaCookie(ctx, tx); err != nil {
			return wrap(op, err)
		}
		if err := checkAuditorRole(ctx, tx); err != nil {
			return fmt.Errorf("sqlite: %s: %w", op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name) VALUES (?, ?)`, m.Version, m.Name); err != nil {
		return wrap(op, err)
	}
	// A migration that rebuilds tables must leave every reference intact.
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return wrap(op, err)
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		return fmt.Errorf("sqlite: %s: %w: foreign_key_check found broken references", op, store.ErrUnavailable)
	}
	if err := tx.Commit(); err != nil {
		return wrap(op, err)
	}
	return nil
}

// auditorRole names the migration that edits the members table's stored
// definition in place (writable_schema); bumpSchemaCookie runs after it,
// in its transaction.
const auditorRole = "0019_auditor_role.sql"

// bumpSchemaCookie raises the schema cookie, so that every connection,
// in this process or another, reloads the schema before its next
// statement: SQLite's procedure for a change made through writable_schema.
func bumpSchemaCookie(ctx context.Context, tx *sql.Tx) error {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&v); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA schema_version = %d`, v+1))
	return err
}

// checkAuditorRole proves that 0019's in-place edit took: its replace
// changes nothing when the members table's stored text differs from the
// one 0001 wrote (a table made by hand, say), which would leave the role
// refused with no error. It also has SQLite check the file after the edit.
func checkAuditorRole(ctx context.Context, tx *sql.Tx) error {
	var def string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'members'`).Scan(&def); err != nil {
		return fmt.Errorf("%w: reading the members table's definition: %v", store.ErrUnavailable, err)
	}
	if !strings.Contains(def, "'auditor'") {
		return fmt.Errorf("%w: the members table's role CHECK is not the one deadbolt created, so 'auditor' could not be added to it; "+
			"nothing was changed. Its definition: %s", store.ErrUnavailable, def)
	}
	var check string
	if err := tx.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return fmt.Errorf("%w: quick_check after widening the role CHECK: %v", store.ErrUnavailable, err)
	}
	if check != "ok" {
		return fmt.Errorf("%w: quick_check after widening the role CHECK: %s", store.ErrUnavailable, check)
	}
	return nil
}
