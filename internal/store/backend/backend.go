package backend

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/cache"
	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// DB is an open database: the store, its migrations, and the feed through
// which a lock-check cache hears of every process's changes.
type DB interface {
	store.Store
	store.Migrator
	cache.Feed
}

// Options tune Open.
type Options struct {
	// AutoMigrate applies pending migrations; without it a database that is
	// behind is refused with store.ErrSchemaBehind.
	AutoMigrate bool
	// SkipSchemaCheck opens a PostgreSQL database whatever its schema
	// version, for `deadbolt migrate --status`; only SchemaVersion may be
	// used then. SQLite ignores it.
	SkipSchemaCheck bool
	// MustExist refuses, with ErrNoDatabase, a database that does not exist
	// yet (no SQLite file; a PostgreSQL database without deadbolt's schema)
	// instead of creating it: a mistyped --db, or a command run in another
	// directory, must not leave an empty database behind.
	MustExist bool
	// Created, when set, is told where Open created a new database.
	Created func(where string)
}

// ErrNoDatabase is returned by Open with MustExist when there is no
// deadbolt database where the URL points.
var ErrNoDatabase = errors.New("no deadbolt database")

// Open opens the database dsn names.
func Open(ctx context.Context, dsn string, opts Options) (DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := SQLitePath(dsn)
		if path == "" {
			return nil, fmt.Errorf("database %q: sqlite: needs a file path, e.g. sqlite:./deadbolt-data/deadbolt.db", dsn)
		}
		_, err := os.Stat(path)
		fresh := errors.Is(err, fs.ErrNotExist)
		if fresh && opts.MustExist {
			return nil, fmt.Errorf("%w at %s", ErrNoDatabase, path)
		}
		s, err := sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: opts.AutoMigrate})
		if err == nil && fresh && opts.Created != nil {
			abs, _ := filepath.Abs(path)
			opts.Created(abs)
		}
		return s, err
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, opts)
	default:
		return nil, fmt.Errorf("database %q: want sqlite:PATH or postgres://…", redact(dsn))
	}
}

// openPostgres opens a PostgreSQL database. To tell a deadbolt database
// from an empty one it first reads the schema version on a connection of
// its own.
func openPostgres(ctx context.Context, dsn string, opts Options) (DB, error) {
	pgOpts := postgres.Options{AutoMigrate: opts.AutoMigrate, SkipSchemaCheck: opts.SkipSchemaCheck}
	if !opts.MustExist && opts.Created == nil {
		return postgres.Open(ctx, dsn, pgOpts)
	}
	probe, err := postgres.Open(ctx, dsn, postgres.Options{SkipSchemaCheck: true})
	if err != nil {
		return nil, err
	}
	have, _, err := probe.SchemaVersion(ctx)
	probe.Close()
	if err != nil {
		return nil, err
	}
	if have == 0 && opts.MustExist {
		return nil, fmt.Errorf("%w at %s (the database has no deadbolt schema)", ErrNoDatabase, redact(dsn))
	}
	s, err := postgres.Open(ctx, dsn, pgOpts)
	if err == nil && have == 0 && opts.AutoMigrate && !opts.SkipSchemaCheck && opts.Created != nil {
		opts.Created(redact(dsn))
	}
	return s, err
}

// SQLitePath returns the file path of a sqlite: URL ("" for other kinds).
func SQLitePath(dsn string) string {
	if !strings.HasPrefix(dsn, "sqlite:") {
		return ""
	}
	p := strings.TrimPrefix(dsn, "sqlite:")
	return strings.TrimPrefix(p, "//")
}

// IsShared reports whether dsn names a server database that several nodes
// and the CLI share (PostgreSQL): then every one of them must be given the
// same master key, since none may generate its own.
func IsShared(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DataDir is where deadbolt keeps local files (the master key) for dsn: the
// SQLite file's directory, or ./deadbolt-data for a server database.
func DataDir(dsn string) string {
	if p := SQLitePath(dsn); p != "" {
		return filepath.Dir(p)
	}
	return "deadbolt-data"
}

// redact hides a password in a database URL for messages.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return dsn
	}
	user, _, _ := strings.Cut(creds, ":")
	return scheme + "://" + user + ":***@" + host
}
