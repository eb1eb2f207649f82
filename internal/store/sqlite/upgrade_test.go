package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/wave1"
)

// TestUpgradeWave1 opens a copy of a database the wave-1 binary wrote
// (testdata/wave1.db, made by storetest/wave1/make.sh) the way serve
// does, migrating it, and finds every record the wave-1 code read from it.
func TestUpgradeWave1(t *testing.T) {
	fixture, err := os.ReadFile("testdata/wave1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	if err := os.WriteFile(path, fixture, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := backend.Open(t.Context(), "sqlite:"+path, backend.Options{AutoMigrate: true, MustExist: true})
	if err != nil {
		t.Fatalf("open the wave-1 database: %v", err)
	}
	defer s.Close()
	wave1.Check(t, s, "testdata/wave1.json")
}
