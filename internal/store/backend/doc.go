// Package backend opens the store a database URL names: "sqlite:PATH" for
// the embedded default, "postgres://…" for PostgreSQL. It is the only place
// that knows every backend, so the rest of deadbolt depends on store alone.
//
// A DB names what an open database offers beyond store.Store: its
// migrations, the change feed that keeps a lock-check cache true, and the
// Poller the cache needs when some writers announce nothing (SQLite), so
// that the server wires them by name rather than by type assertion.
package backend
