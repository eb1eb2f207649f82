package postgres_test

import (
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/deadbolt-dev/deadbolt/internal/store/backend"
	"github.com/deadbolt-dev/deadbolt/internal/store/postgres/pgtest"
	"github.com/deadbolt-dev/deadbolt/internal/store/storetest/wave1"
)

// TestUpgradeWave1 restores a dump of a database the wave-1 binary wrote
// (testdata/wave1.sql.gz, made by storetest/wave1/make.sh) into a new
// database, opens it the way serve does, migrating it, and finds every
// record the wave-1 code read from it.
func TestUpgradeWave1(t *testing.T) {
	dump, err := readGzip("testdata/wave1.sql.gz")
	if err != nil {
		t.Fatal(err)
	}
	u := pgtest.NewDatabase(t)
	// The dump is plain SQL (INSERTs, no psql meta-commands); its
	// set_config('search_path', '') stays on this connection.
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(t.Context(), string(dump)); err != nil {
		t.Fatalf("restore testdata/wave1.sql.gz: %v", err)
	}
	conn.Close(t.Context())
	s, err := backend.Open(t.Context(), u, backend.Options{AutoMigrate: true, MustExist: true})
	if err != nil {
		t.Fatalf("open the wave-1 database: %v", err)
	}
	defer s.Close()
	wave1.Check(t, s, "testdata/wave1.json")
}

// readGzip reads the whole of a gzipped file.
func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(z)
}
