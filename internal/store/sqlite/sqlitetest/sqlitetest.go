// Package sqlitetest gives tests a SQLite database file already migrated
// to the latest schema, without running the migrations for each test.
//
// The first call in a test binary migrates a file once through
// sqlite.Open (AutoMigrate), closes it and keeps its bytes and those of
// its check-log file (sqlite.ChecksPath); every call writes those bytes to
// the path it is given. The files are the same, byte for byte, as the ones
// a fresh sqlite.Open with AutoMigrate leaves once closed, so a test
// opening them (AutoMigrate on or off) starts from the same state. What
// this saves is time: under the race detector the SQLite engine (a Go
// translation of C) runs every instruction instrumented, and the 20-odd
// migrations, each its own write transaction with an fsync, took about a
// second per store on an idle machine and half a minute on a loaded one.
//
// Tests of migrating itself (the sqlite package's migration and upgrade
// tests, and anything that opens an empty or older file) do not use it.
package sqlitetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/deadbolt-dev/deadbolt/internal/store/sqlite"
)

var (
	once           sync.Once
	accounts, logs []byte // the accounts file and its check-log file
	tmplErr        error
)

// Migrated writes a database at the latest schema version to path and
// its check-log file beside it (creating the directory, owner-only, as
// sqlite.Open does) and returns path. The files are new: they must not
// exist yet.
func Migrated(t testing.TB, path string) string {
	t.Helper()
	once.Do(func() { accounts, logs, tmplErr = migrate() })
	if tmplErr != nil {
		t.Fatalf("sqlitetest: migrating the template database: %v", tmplErr)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{path, accounts}, {sqlite.ChecksPath(path), logs}} {
		if err := create(f.path, f.data); err != nil {
			t.Fatalf("sqlitetest: %v", err)
		}
	}
	return path
}

// create writes a new owner-only file.
func create(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path is Migrated at t.TempDir()/deadbolt.db.
func Path(t testing.TB) string {
	t.Helper()
	return Migrated(t, filepath.Join(t.TempDir(), "deadbolt.db"))
}

// migrate makes a fresh database with sqlite.Open and AutoMigrate and
// returns the bytes of its two files once the store is closed (closing
// the last connection checkpoints each write-ahead log into its file and
// removes the log).
func migrate() (accounts, logs []byte, err error) {
	dir, err := os.MkdirTemp("", "deadbolt-sqlitetest-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "deadbolt.db")
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{AutoMigrate: true})
	if err != nil {
		return nil, nil, err
	}
	if err := s.Close(); err != nil {
		return nil, nil, err
	}
	var out [2][]byte
	for i, p := range []string{path, sqlite.ChecksPath(path)} {
		if fi, err := os.Stat(p + "-wal"); err == nil && fi.Size() > 0 {
			return nil, nil, fmt.Errorf("%s-wal holds %d bytes after Close: the file alone is not the database", p, fi.Size())
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
		if out[i], err = os.ReadFile(p); err != nil {
			return nil, nil, err
		}
	}
	return out[0], out[1], nil
}
