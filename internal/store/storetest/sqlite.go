package storetest

import (
	"path/filepath"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

// SQLite opens a new, migrated SQLite store in a file of t's temporary
// directory, for tests that need a real store and not the backends'
// conformance; t's cleanup closes it.
func SQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "deadbolt.db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
