package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/migration"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations are the embedded files NNNN_what.sql, numbered 1, 2, 3, ...
// without gaps; migration.Load checks that, and a test runs it.
var migrations, migrationsErr = migration.Load(migrationFS, "migrations")

// migrateLock is the pg_advisory_lock key that serialises migrations of
// one database: the first 8 bytes of "deadbolt" read as a number. Advisory
// locks are per database, so installs sharing a server do not wait for
// each other.
const migrateLock = 0x64656164626f6c74

// createVersionTable makes the table that records applied migrations, one
// row each. It is not itself a migration, so that the version of an empty
// database reads as 0.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	version    INTEGER     NOT NULL PRIMARY KEY,
	name       TEXT        NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)`

// schemaVersion reads the highest applied migration; 0 for an empty
// database. to_regclass follows search_path, as every other statement
// does, so a database URL may pick a schema with ?search_path=.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	return v, err
}

// SchemaVersion returns the version the database is at and the latest
// version this binary knows.
func (s *Store) SchemaVersion(ctx context.Context) (have, want int, err error) {
	if migrationsErr != nil {
		return 0, 0, fmt.Errorf("postgres: schema version: %w", migrationsErr)
	}
	have, err = schemaVersion(ctx, s.pool)
	if err != nil {
		return 0, 0, wrap("schema version", err)
	}
	return have, len(migrations), nil
}

// Migrate applies every pending migration, each in its own transaction,
// while holding a session advisory lock on a dedicated connection: nodes
// that start together against one database wait for each other, and the
// one that comes second finds nothing left to do. It returns an error
// wrapping store.ErrSchemaTooNew when the database is ahead of the binary.
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrateTo(ctx, len(migrations))
}

// migrateTo applies the pending migrations up to version target.
func (s *Store) migrateTo(ctx context.Context, target int) (err error) {
	if migrationsErr != nil {
		return fmt.Errorf("postgres: migrate: %w", migrationsErr)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return wrap("migrate", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return wrap("migrate: take the migration lock", err)
	}
	defer func() {
		// A connection that cannot unlock is closed, which unlocks.
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrateLock)); uerr != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	if _, err := conn.Exec(ctx, createVersionTable); err != nil {
		return wrap("migrate: create schema_version", err)
	}
	have, err := schemaVersion(ctx, conn)
	if err != nil {
		return wrap("migrate", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("postgres: migrate: %w: database is at version %d, this binary knows up to %d",
			store.ErrSchemaTooNew, have, len(migrations))
	}
	for _, m := range migrations[have:target] {
		if err := apply(ctx, conn.Conn(), m); err != nil {
			return err
		}
	}
	return nil
}

// apply runs m and records it, in one transaction.
func apply(ctx context.Context, conn *pgx.Conn, m migration.Migration) error {
	op := "migrate to " + m.Name
	tx, err := conn.Begin(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) // a no-op after Commit
	// The simple protocol runs a file of several statements in one go.
	if _, err := tx.Conn().PgConn().Exec(ctx, m.SQL).ReadAll(); err != nil {
		return wrap(op, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return wrap(op, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(op, err)
	}
	return nil
}
