package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite/sqlitetest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// openAt opens (creating and migrating) the database at path and closes it
// when the test ends.
func openAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// TestConformance runs the suite on stores that start from a copy of one
// migrated file (sqlitetest), the same bytes a fresh migration leaves:
// migrating is tested on its own below and in migrate_test.go.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, sqlitetest.Path(t))
	})
}

var t0 = time.Date(2025, time.June, 1, 12, 0, 0, 123456789, time.UTC)

func createTenant(t *testing.T, s store.Store, id string) store.Tenant {
	t.Helper()
	tn := store.Tenant{ID: id, Name: "name-" + id, CreatedAt: t0}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateTenant(t.Context(), tn) }); err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return tn
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := openAt(t, filepath.Join(dir, "deadbolt.db"))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("created directory has mode %v, want 0700", perm)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	s, err := sqlite.Open(t.Context(), path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	want := createTenant(t, s, "t1")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Reopening an up-to-date file needs no migration.
	s2, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	got, err := s2.Tenant(t.Context(), "t1")
	if err != nil || got != want {
		t.Errorf("after reopening: %+v, %v; want %+v", got, err, want)
	}
}

func TestTwoStoresOnOneFile(t *testing.T) {
	// The server and a CLI command share the file.
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	server := openAt(t, path)
	cli := openAt(t, path)

	createTenant(t, cli, "from-cli")
	if _, err := server.Tenant(t.Context(), "from-cli"); err != nil {
		t.Errorf("server does not see the CLI's write: %v", err)
	}
	createTenant(t, server, "from-server")
	if _, err := cli.TenantByName(t.Context(), "name-from-server"); err != nil {
		t.Errorf("CLI does not see the server's write: %v", err)
	}

	// Writers in both interleave without SQLITE_BUSY errors.
	errs := make(chan error, 2)
	for i, s := range []*sqlite.Store{server, cli} {
		go func() {
			var err error
			for j := range 20 {
				tn := store.Tenant{ID: fmt.Sprintf("w%d-%d", i, j), Name: fmt.Sprintf("w%d-%d", i, j), CreatedAt: t0}
				if err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CreateTenant(t.Context(), tn) }); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent writer: %v", err)
		}
	}
	all, err := server.Tenants(t.Context())
	if err != nil || len(all) != 42 {
		t.Errorf("Tenants: %d, %v; want 42", len(all), err)
	}
}

// setVersion adds a row to schema_version behind the store's back.
func setVersion(t *testing.T, path string, version int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO schema_version (version, name) VALUES (?, 'from the future')`, version); err != nil {
		t.Fatal(err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	s := openAt(t, path)
	_, want, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	setVersion(t, path, want+1)

	for _, auto := range []bool{false, true} {
		_, err = sqlite.Open(t.Context(), path, sqlite.Options{AutoMigrate: auto})
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("Open (AutoMigrate %v) of a newer database: %v, want ErrSchemaTooNew", auto, err)
		}
		// The message names both versions.
		for _, v := range []int{want, want + 1} {
			if !strings.Contains(err.Error(), strconv.Itoa(v)) {
				t.Errorf("error %q does not name version %d", err, v)
			}
		}
	}
	have, _, err := s.SchemaVersion(t.Context())
	if err != nil || have != want+1 {
		t.Errorf("SchemaVersion = %d, %v; want %d", have, err, want+1)
	}
	if err := s.Migrate(t.Context()); !errors.Is(err, store.ErrSchemaTooNew) {
		t.Errorf("Migrate of a newer database: %v, want ErrSchemaTooNew", err)
	}
}

func TestSchemaBehindWithoutAutoMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	_, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if !errors.Is(err, store.ErrSchemaBehind) {
		t.Fatalf("Open of a fresh file without AutoMigrate: %v, want ErrSchemaBehind", err)
	}
	// Migrating then succeeds, and a second Migrate is a no-op.
	s := openAt(t, path)
	if err := s.Migrate(t.Context()); err != nil {
		t.Errorf("second Migrate: %v", err)
	}
	have, want, err := s.SchemaVersion(t.Context())
	if err != nil || have != want || want < 1 {
		t.Errorf("SchemaVersion = %d, %d, %v; want equal and at least 1", have, want, err)
	}
}

func TestConcurrentMigrate(t *testing.T) {
	// Several processes starting at once on a fresh file all succeed.
	path := filepath.Join(t.TempDir(), "deadbolt.db")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := sqlite.Open(t.Context(), path, sqlite.Options{AutoMigrate: true})
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("Open: %v", err)
		}
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "deadbolt.db"), sqlite.Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Ping after Close: %v, want ErrUnavailable", err)
	}
	if _, err := s.Tenant(t.Context(), "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Tenant after Close: %v, want ErrUnavailable", err)
	}
	err = s.Update(t.Context(), func(tx store.Tx) error { return nil })
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Update after Close: %v, want ErrUnavailable", err)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	// The path goes into a file: URI; characters that mean something there
	// must not change which file is opened.
	dir := filepath.Join(t.TempDir(), "a b?c=d&e#f%20g")
	path := filepath.Join(dir, "deadbolt.db")
	s := openAt(t, path)
	createTenant(t, s, "t1")
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the path asked for: %v", err)
	}
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
}
