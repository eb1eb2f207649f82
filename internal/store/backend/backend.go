package backend

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// DB is an open database: the store and its migrations.
type DB interface {
	store.Store
	store.Migrator
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
}

// Open opens the database dsn names.
func Open(ctx context.Context, dsn string, opts Options) (DB, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := SQLitePath(dsn)
		if path == "" {
			return nil, fmt.Errorf("database %q: sqlite: needs a file path, e.g. sqlite:./deadbolt-data/deadbolt.db", dsn)
		}
		return sqlite.Open(ctx, path, sqlite.Options{AutoMigrate: opts.AutoMigrate})
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn, postgres.Options{AutoMigrate: opts.AutoMigrate, SkipSchemaCheck: opts.SkipSchemaCheck})
	default:
		return nil, fmt.Errorf("database %q: want sqlite:PATH or postgres://…", redact(dsn))
	}
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
