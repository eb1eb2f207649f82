package postgres

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deadbolt-dev/deadbolt/internal/store"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest"
)

// shared is the one database the package's tests share, each test in a
// schema of its own: creating and dropping a database per test cost a
// forced checkpoint each, seconds to minutes on a loaded machine.
var shared pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	shared.Drop()
	os.Exit(code)
}

// testDB returns a schema of the test's own in the package's shared
// database (stores and notices are per schema: a notice names the schema
// it comes from); openFresh then gives each store a further schema of its
// own in that database.
func testDB(t *testing.T) string {
	t.Helper()
	return pgtest.NewSchema(t, shared.Database(t))
}

// openFresh opens a migrated store in a new schema of dbURL.
func openFresh(t *testing.T, dbURL string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewSchema(t, dbURL), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	db := testDB(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openFresh(t, db, Options{AutoMigrate: true, MaxConns: 8})
	})
}

func TestOpenErrors(t *testing.T) {
	db := testDB(t)
	ctx := t.Context()

	t.Run("bad URL", func(t *testing.T) {
		_, err := Open(ctx, "postgres://u:secret@[::1/x", Options{})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Open of a bad URL: %v, want ErrInvalid", err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Fatalf("error shows the password: %v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		_, err := Open(ctx, "postgres://postgres:pw@127.0.0.1:1/x?connect_timeout=2", Options{})
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Open of a closed port: %v, want ErrUnavailable", err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Fatalf("error shows the password: %v", err)
		}
	})
	t.Run("behind without auto-migrate", func(t *testing.T) {
		u := pgtest.NewSchema(t, db)
		_, err := Open(ctx, u, Options{})
		if !errors.Is(err, store.ErrSchemaBehind) {
			t.Fatalf("Open of an empty database without AutoMigrate: %v, want ErrSchemaBehind", err)
		}
	})
	t.Run("too new", func(t *testing.T) {
		u := pgtest.NewSchema(t, db)
		s, err := Open(ctx, u, Options{AutoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.pool.Exec(ctx, `INSERT INTO schema_version (version, name) VALUES (999, '0999_future.sql')`)
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, auto := range []bool{false, true} {
			_, err = Open(ctx, u, Options{AutoMigrate: auto})
			if !errors.Is(err, store.ErrSchemaTooNew) {
				t.Fatalf("Open (AutoMigrate %v) of a newer database: %v, want ErrSchemaTooNew", auto, err)
			}
			if !strings.Contains(err.Error(), "999") {
				t.Errorf("error does not name the database's version: %v", err)
			}
		}
	})
}

func TestPingAfterClose(t *testing.T) {
	s := openFresh(t, testDB(t), Options{AutoMigrate: true})
	s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Ping after Close: %v, want ErrUnavailable", err)
	}
	if _, err := s.Tenants(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Tenants after Close: %v, want ErrUnavailable", err)
	}
}
