// Package backends opens a fresh store of each kind, for tests that run
// the same scenario on both: a real SQLite file in the test's temporary
// folder, and a real PostgreSQL database (pgtest), each closed when the
// test ends. SQLite alone also serves tests that need one real store.
package backends

import (
	"path/filepath"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// Backend names a kind of store and opens a fresh one.
type Backend struct {
	Name string
	Open func(t *testing.T) store.Store
}

// All are SQLite and PostgreSQL, in this order.
var All = []Backend{
	{"sqlite", func(t *testing.T) store.Store { return SQLite(t) }},
	{"postgres", func(t *testing.T) store.Store { return Postgres(t) }},
}

// SQLite opens a new, migrated SQLite store (a copy of a file migrated
// once, sqlitetest), also for tests that need a real store but not both
// kinds.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db")), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Postgres opens a store on a new, migrated PostgreSQL database.
func Postgres(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t), postgres.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
