// Package backend opens the store a database URL names: "sqlite:PATH" for
// the embedded default, "postgres://…" for PostgreSQL. It is the only place
// that knows every backend, so the rest of deadbolt depends on store alone.
//
// A DB names what an open database offers beyond store.Store: its
// migrations and the change feed that keeps a lock-check cache true (which
// the cache also polls, for SQLite's writers that announce nothing), so
// that the server wires them by name rather than by type assertion.
package backend
