package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPragmas checks that the DSNs really configure each pool's
// connections, since the driver ignores keys it does not know.
func TestPragmas(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "deadbolt.db"), Options{AutoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("write DSN %s", dsn(s.path, true, Options{BusyTimeout: 10e9}))

	tests := []struct {
		pool   string
		db     *sql.DB
		pragma string
		want   string
	}{
		{"write", s.wdb, "journal_mode", "wal"},
		{"write", s.wdb, "synchronous", "2"}, // FULL
		{"write", s.wdb, "foreign_keys", "1"},
		{"write", s.wdb, "busy_timeout", "10000"},
		{"write", s.wdb, "query_only", "0"},
		{"write", s.wdb, "cache_size", "-8192"},
		{"write", s.wdb, "temp_store", "2"}, // MEMORY
		{"read", s.rdb, "journal_mode", "wal"},
		{"read", s.rdb, "foreign_keys", "1"},
		{"read", s.rdb, "busy_timeout", "10000"},
		{"read", s.rdb, "query_only", "1"},
		{"read", s.rdb, "cache_size", "-2048"},
	}
	for _, tc := range tests {
		var got string
		if err := tc.db.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
			t.Fatalf("%s pool: PRAGMA %s: %v", tc.pool, tc.pragma, err)
		}
		if got != tc.want {
			t.Errorf("%s pool: PRAGMA %s = %s, want %s", tc.pool, tc.pragma, got, tc.want)
		}
	}

	// A write transaction begins IMMEDIATE: it holds the write lock before
	// its first statement, so a second writer cannot even begin.
	tx, err := s.wdb.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	other, err := sql.Open("sqlite", dsn(s.path, true, Options{BusyTimeout: 1e6})) // 1 ms
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err == nil {
		t.Error("a second writer began while a write transaction was open")
	}
}
