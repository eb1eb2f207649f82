package sqlitetest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
)

// TestMigratedIsCurrent: the copy opens without AutoMigrate (which refuses
// a file behind the binary), at the latest version, with its check-log
// file, both owner-only.
func TestMigratedIsCurrent(t *testing.T) {
	a := sqlitetest.Migrated(t, filepath.Join(t.TempDir(), "sub", "a.db"))
	b := sqlitetest.Path(t)
	for _, p := range []string{a, b} {
		for _, f := range []string{p, sqlite.ChecksPath(p)} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
				t.Errorf("%s: mode %v, %d bytes; want 0600 and the template's bytes", f, fi.Mode().Perm(), fi.Size())
			}
		}
		s, err := sqlite.Open(t.Context(), p, sqlite.Options{})
		if err != nil {
			t.Fatalf("Open without AutoMigrate: %v", err)
		}
		have, want, err := s.SchemaVersion(t.Context())
		if err != nil || have != want || want == 0 {
			t.Errorf("schema version %d of %d (%v), want the latest", have, want, err)
		}
		if _, err := s.Tenants(t.Context()); err != nil {
			t.Errorf("Tenants: %v", err)
		}
		s.Close()
	}
}
