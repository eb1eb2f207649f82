// Package pgtest gives tests a database, or a schema, of their own on the
// real PostgreSQL server (design §9: real parts, no mocks). A package whose
// tests need only schemas shares one database among them (Shared): creating
// and dropping a database per test forces a checkpoint each time.
//
// The server is DEADBOLT_TEST_POSTGRES (a URL of any database on it,
// default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
// When it cannot be reached, tests skip with a message saying so, except
// under CI=true, where they fail: the CI machine has PostgreSQL, and a
// suite that silently skips there proves nothing.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultServer is the server tests use unless DEADBOLT_TEST_POSTGRES says
// otherwise.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Server returns the URL of the test server's maintenance database, after
// checking that it answers. It skips t when it does not, or fails t under
// CI=true.
func Server(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DEADBOLT_TEST_POSTGRES")
	if u == "" {
		u = DefaultServer
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s does not answer (%v); set DEADBOLT_TEST_POSTGRES to a server these tests may create databases on", redact(u), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " — failing, not skipping, because CI=true")
		}
		t.Skip(msg)
	}
	return u
}

// NewDatabase creates an empty database deadbolt_test_<random> and returns
// its URL; t's cleanup drops it, closing whatever connections are left.
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := Server(t)
	name := "deadbolt_test_" + randomHex(6)
	exec(t, server, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`)
	t.Cleanup(func() { dropDatabase(t, server, name) })
	return WithDatabase(server, name)
}

// Shared is one database that many tests of a package use, each in
// schemas of its own (NewSchema): a package then creates and drops one
// database, not one per test. Every DROP DATABASE forces a checkpoint of
// the whole server, which on a loaded machine takes seconds to minutes, so
// tests that need only a schema should not pay for a database. Tests that
// need a database to themselves (LISTEN/NOTIFY, advisory locks, a whole
// database's upgrade) still use NewDatabase.
//
// Declare one per package and drop it after the tests:
//
//	var shared pgtest.Shared
//
//	func TestMain(m *testing.M) { code := m.Run(); shared.Drop(); os.Exit(code) }
type Shared struct {
	mu     sync.Mutex
	server string
	name   string
}

// Database returns the shared database's URL, creating it on first use.
// It skips or fails t as Server does when PostgreSQL cannot be reached.
func (sh *Shared) Database(t testing.TB) string {
	t.Helper()
	server := Server(t)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.name == "" {
		name := "deadbolt_test_" + randomHex(6)
		exec(t, server, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'`)
		sh.server, sh.name = server, name
	}
	return WithDatabase(sh.server, sh.name)
}

// Drop drops the shared database, if it was created. Like a test
// database's drop, a failure is reported (on stderr), not fatal.
func (sh *Shared) Drop() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.name == "" {
		return
	}
	if err := drop(sh.server, sh.name); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: left database %s behind: %v\n", sh.name, err)
	}
	sh.name = ""
}

// dropDatabase drops a test's database when the test is done. DROP
// DATABASE waits for a checkpoint, which on a loaded machine (the whole
// suite under the race detector on two cores) can take longer than any
// statement a test runs, so it gets minutes rather than seconds. Failing
// to drop is logged, not failed: the test's verdict is already decided,
// and a database left behind is named deadbolt_test_* for whoever cleans
// the server by hand.
func dropDatabase(t testing.TB, server, name string) {
	if err := drop(server, name); err != nil {
		t.Logf("left database %s behind: %v", name, err)
	}
}

func drop(server, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	return err
}

// NewSchema creates an empty schema in the database dbURL names and
// returns a URL whose connections use it (search_path), so that many
// independent stores can share one database.
func NewSchema(t testing.TB, dbURL string) string {
	t.Helper()
	name := "s_" + randomHex(6)
	exec(t, dbURL, `CREATE SCHEMA `+name)
	return WithParam(dbURL, "search_path", name)
}

// WithDatabase returns server with its database replaced by name.
func WithDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// WithParam returns dbURL with the query parameter key set to value.
func WithParam(dbURL, key, value string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// Exec runs statements on the database dbURL names, failing t on error.
func Exec(t testing.TB, dbURL string, sql string, args ...any) {
	t.Helper()
	exec(t, dbURL, sql, args...)
}

func exec(t testing.TB, dbURL, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(dbURL), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", strings.SplitN(sql, "\n", 2)[0], err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
